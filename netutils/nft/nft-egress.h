/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-egress.h - table inet lowport_egress: a container's egress allowlist
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_EGRESS_H
#define LOWPORT_NFT_EGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <glib.h>

#include "netutils/nft/nft-types.h"

#define LP_NFT_EGRESS_TABLE "lowport_egress"
#define LP_NFT_EGRESS_CHAIN "output"

/* Bound on allowed destinations (resolved addresses times services) */
#define LP_NFT_EGRESS_ALLOWS_MAX 2048

/* Longest set name: "v6_tcp_65535_65535", NUL included */
#define LP_NFT_EGRESS_SET_NAME_MAX 24

/*
 * LpNftEgressAllow - one allowed destination
 * @family:	AF_INET or AF_INET6
 * @addr:	Network address, host bits zero
 * @prefix:	Prefix length
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, or 0 for any protocol (then
 *		@port_first and @port_last are 0)
 * @port_first:	First destination port, 0 for every port
 * @port_last:	Last destination port, 0 for every port
 */
typedef struct {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	unsigned int prefix;
	uint8_t proto;
	uint16_t port_first;
	uint16_t port_last;
} LpNftEgressAllow;

/*
 * LpNftEgressSet - one named set: the addresses of one family allowed for
 * one service (protocol and port range)
 * @name:	Set name, "v4_any", "v4_tcp_80", "v6_udp_1000_2000"
 * @family:	AF_INET or AF_INET6
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, or 0 for any
 * @port_first:	First port, 0 for every port
 * @port_last:	Last port, 0 for every port
 * @ranges:	GArray of LpNftEgressRange, sorted, disjoint, not adjacent
 */
typedef struct {
	char name[LP_NFT_EGRESS_SET_NAME_MAX];
	int family;
	uint8_t proto;
	uint16_t port_first;
	uint16_t port_last;
	GArray *ranges;
} LpNftEgressSet;

/*
 * LpNftEgressRange - an inclusive address range, network byte order
 * @first:	First address (4 or 16 bytes used)
 * @last:	Last address
 */
typedef struct {
	uint8_t first[16];
	uint8_t last[16];
} LpNftEgressRange;

void lp_nft_egress_allow_add(GArray *allows, int family, const void *addr,
			     unsigned int prefix, uint8_t proto,
			     uint16_t port_first, uint16_t port_last);
GPtrArray *lp_nft_egress_sets(const GArray *allows);
const char *lp_nft_egress_range_format(int family, const LpNftEgressRange *r,
				       char *buf, size_t len);

bool lp_nft_egress_apply(const GArray *allows, GError **error);

void lp_nft_egress_set_free(LpNftEgressSet *set);
bool lp_nft_egress_set_name_parse(const char *name, LpNftEgressSet *ret);

#endif /* LOWPORT_NFT_EGRESS_H */
