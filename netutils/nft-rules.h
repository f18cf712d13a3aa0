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

#include "nft-types.h"
#include "mapping.h"

#define LP_NFT_CHAIN_PREROUTING "prerouting"
#define LP_NFT_CHAIN_OUTPUT	"output"
#define LP_NFT_CHAIN_LEASES	"leases"
#define LP_NFT_LEASE_PREFIX	"lease-"

/* "lease-" ID plus NUL */
#define LP_NFT_CHAIN_NAME_MAX (sizeof(LP_NFT_LEASE_PREFIX) + LP_LEASE_ID_MAX)

/* Longest map key: IPv6 address . protocol . port, 4-byte aligned */
#define LP_NFT_KEY_MAX 24

/* "[address]:port/proto" of lp_nft_rules_port_desc(), NUL included */
#define LP_NFT_PORT_DESC_MAX (INET6_ADDRSTRLEN + 16)

/* Rule comment: "lease=<ID> uid=<UID>" */
#define LP_NFT_COMMENT_MAX 64

/* Table flag missing from the 6.1 UAPI headers (kernel 6.9) */
#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST 0x4
#endif

/*
 * LpNftMap - the dispatch maps of the table
 * @LP_NFT_MAP_ADDR4:	Leases scoped to one IPv4 address
 * @LP_NFT_MAP_ADDR6:	Leases scoped to one IPv6 address
 * @LP_NFT_MAP_ANY:	Leases on every address, or a family's wildcard
 */
typedef enum {
	LP_NFT_MAP_ADDR4,
	LP_NFT_MAP_ADDR6,
	LP_NFT_MAP_ANY,
	LP_NFT_MAP_MAX,
} LpNftMap;

bool lp_nft_rules_id_valid(const char *id);
bool lp_nft_rules_chain_id(const char *chain, char *ret_id);
const char *lp_nft_rules_map_name(LpNftMap map);
LpNftMap lp_nft_rules_map_of(const LpAddr *addr);

struct nftnl_table *lp_nft_rules_table(uint32_t flags);
struct nftnl_chain *lp_nft_rules_base_chain(const char *name, int hooknum);
struct nftnl_chain *lp_nft_rules_chain(const char *name);
struct nftnl_rule *lp_nft_rules_hook_rule(const char *chain);
struct nftnl_set *lp_nft_rules_map(LpNftMap map);
struct nftnl_rule *lp_nft_rules_dispatch(LpNftMap map);

struct nftnl_rule *lp_nft_rules_lease_rule(const char *id, uid_t uid,
					   const LpMapping *m, unsigned int i);
size_t lp_nft_rules_key(const LpMapping *m, unsigned int i, uint8_t *key);
struct nftnl_set *lp_nft_rules_elem(const char *id, const LpMapping *m,
				    unsigned int i, bool verdict);
struct nftnl_set *lp_nft_rules_elem_key(LpNftMap map, const void *key,
					size_t len);
const char *lp_nft_rules_port_desc(const LpMapping *m, unsigned int i,
				   char *buf, size_t len);
int lp_nft_rules_parse_comment(const struct nftnl_rule *r, char *ret_id,
			       uid_t *ret_uid);
int lp_nft_rules_parse_lease_rule(const struct nftnl_rule *r, LpMapping *ret);

#endif /* LOWPORT_NFT_RULES_H */
