/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * egress.h - the egress allowlist grammar (annotation io.lowport.egress)
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_EGRESS_H
#define LOWPORT_EGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <glib.h>

/* Annotation the OCI hook is matched on and reads */
#define LP_EGRESS_ANNOTATION "io.lowport.egress"

/* Bounds on what a user writes: value length, entries, host name length */
#define LP_EGRESS_VALUE_MAX   4096
#define LP_EGRESS_ENTRIES_MAX 64
#define LP_EGRESS_NAME_MAX    253
#define LP_EGRESS_ENTRY_MAX   300

#define LP_EGRESS_ERROR (lp_egress_error_quark())
GQuark lp_egress_error_quark(void);

/* GError code of LP_EGRESS_ERROR: the value does not parse */
#define LP_EGRESS_ERROR_PARSE 1

/*
 * LpEgressKind - what one entry names
 * @LP_EGRESS_ADDR:	An address or CIDR block
 * @LP_EGRESS_NAME:	A host name, resolved when the container starts
 * @LP_EGRESS_DNS:	The container's resolvers, port 53 TCP and UDP
 */
typedef enum {
	LP_EGRESS_ADDR,
	LP_EGRESS_NAME,
	LP_EGRESS_DNS,
} LpEgressKind;

/*
 * LpEgressEntry - one comma-separated entry
 * @kind:	What it names
 * @family:	LP_EGRESS_ADDR: AF_INET or AF_INET6
 * @addr:	LP_EGRESS_ADDR: network address, host bits zero
 * @prefix:	LP_EGRESS_ADDR: prefix length (32 or 128 for one address)
 * @name:	LP_EGRESS_NAME: host name, lower case, no trailing dot
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, or 0 for both (with a port) or
 *		any protocol (without one)
 * @port_first:	First destination port, 0 for every port
 * @port_last:	Last destination port, 0 for every port
 */
typedef struct {
	LpEgressKind kind;
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	unsigned int prefix;
	char name[LP_EGRESS_NAME_MAX + 1];
	uint8_t proto;
	uint16_t port_first;
	uint16_t port_last;
} LpEgressEntry;

/*
 * LpEgress - a parsed value
 * @none:	The value was "none": nothing but loopback
 * @entries:	GArray of LpEgressEntry, in the order written
 */
typedef struct {
	bool none;
	GArray *entries;
} LpEgress;

LpEgress *lp_egress_parse(const char *value, GError **error);
void lp_egress_free(LpEgress *eg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpEgress, lp_egress_free)

bool lp_egress_has_dns(const LpEgress *eg);
bool lp_egress_has_names(const LpEgress *eg);
char *lp_egress_entry_format(const LpEgressEntry *e);
char *lp_egress_format(const LpEgress *eg);

#endif /* LOWPORT_EGRESS_H */
