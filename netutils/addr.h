/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.h - host address scopes and protocols of a forward
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_ADDR_H
#define LOWPORT_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <glib.h>

/*
 * LpAddr - which local addresses a forward covers
 *
 * family AF_UNSPEC: every local address of both families (pasta "-t 80",
 *                   Podman "-p 80:80"); any is meaningless
 * family AF_INET / AF_INET6 with any = true: the family's wildcard
 *                   (pasta "-t 0.0.0.0/80", "-t ::/80")
 * family AF_INET / AF_INET6 with any = false: exactly that address
 */
typedef struct {
	int family;
	bool any;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
} LpAddr;

/* Longest text lp_addr_format() writes, NUL included */
#define LP_ADDR_STRLEN INET6_ADDRSTRLEN

#define LP_ADDR_ALL ((LpAddr){.family = AF_UNSPEC})

int lp_addr_parse(const char *s, LpAddr *ret);
const char *lp_addr_format(const LpAddr *a, char *buf, size_t len);
bool lp_addr_equal(const LpAddr *a, const LpAddr *b);
bool lp_addr_overlaps(const LpAddr *a, const LpAddr *b);
bool lp_addr_covers(const LpAddr *scope, int family, const void *addr);
bool lp_addr_is_specific(const LpAddr *a);

int lp_proto_parse(const char *s);
const char *lp_proto_name(int proto);

#endif /* LOWPORT_ADDR_H */
