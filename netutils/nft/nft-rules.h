/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-rules.h - libnftnl objects of table inet lowport (no I/O)
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_RULES_H
#define LOWPORT_NFT_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "netutils/nft/nft-types.h"
#include "netutils/mapping.h"

#define LP_NFT_CHAIN_PREROUTING "prerouting"
#define LP_NFT_CHAIN_OUTPUT	"output"
#define LP_NFT_CHAIN_LEASES	"leases"

/* Longest map key: IPv6 address . protocol . port, 4-byte aligned */
#define LP_NFT_KEY_MAX 24

/* Map data: the backend port, inet_service in network byte order */
#define LP_NFT_DATA_LEN 2

/* Element keys one port of a mapping needs: two for every address */
#define LP_NFT_KEYS_PER_PORT 2

/* Key description of lp_nft_rules_key_desc(), NUL included */
#define LP_NFT_KEY_DESC_MAX (INET6_ADDRSTRLEN + 40)

/* Element comment: "lease=<ID> uid=<UID>" */
#define LP_NFT_COMMENT_MAX 64

/* Table flag missing from the 6.1 UAPI headers (kernel 6.9) */
#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST 0x4
#endif

/*
 * LpNftMap - the data maps of the table: key -> backend port
 * @LP_NFT_MAP_ADDR4:	ipv4_addr . inet_proto . inet_service, leases on
 *			one IPv4 address
 * @LP_NFT_MAP_ADDR6:	ipv6_addr . inet_proto . inet_service, leases on
 *			one IPv6 address
 * @LP_NFT_MAP_ANY:	nf_proto . inet_proto . inet_service, leases on a
 *			family's wildcard or on every address (both families)
 */
typedef enum {
	LP_NFT_MAP_ADDR4,
	LP_NFT_MAP_ADDR6,
	LP_NFT_MAP_ANY,
	LP_NFT_MAP_MAX,
} LpNftMap;

/*
 * LpNftKey - the key of one map element
 * @map:	Map the key belongs to
 * @len:	Key length in bytes
 * @key:	Key bytes: fields padded to 4 bytes, network byte order
 */
typedef struct {
	LpNftMap map;
	uint32_t len;
	uint8_t key[LP_NFT_KEY_MAX];
} LpNftKey;

bool lp_nft_rules_id_valid(const char *id);
const char *lp_nft_rules_map_name(LpNftMap map);

struct nftnl_table *lp_nft_rules_table(uint32_t flags);
struct nftnl_chain *lp_nft_rules_base_chain(const char *name, int hooknum);
struct nftnl_chain *lp_nft_rules_chain(const char *name);
struct nftnl_rule *lp_nft_rules_hook_rule(const char *chain);
struct nftnl_set *lp_nft_rules_map(LpNftMap map);
struct nftnl_rule *lp_nft_rules_dnat(LpNftMap map);

unsigned int lp_nft_rules_keys(const LpMapping *m, unsigned int i,
			       LpNftKey ret[LP_NFT_KEYS_PER_PORT]);
struct nftnl_set *lp_nft_rules_elems(LpNftMap map);
void lp_nft_rules_elem_add(struct nftnl_set *s, const LpNftKey *k,
			   const char *id, uid_t uid, uint16_t backend);
const char *lp_nft_rules_key_desc(const LpNftKey *k, char *buf, size_t len);
int lp_nft_rules_parse_elem(LpNftMap map, struct nftnl_set_elem *e,
			    char *ret_id, uid_t *ret_uid, LpMapping *ret);

#endif /* LOWPORT_NFT_RULES_H */
