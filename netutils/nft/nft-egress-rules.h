/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-egress-rules.h - libnftnl objects of table inet lowport_egress (no I/O)
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_EGRESS_RULES_H
#define LOWPORT_NFT_EGRESS_RULES_H

#include <stdint.h>

#include <glib.h>

#include "netutils/nft/nft-egress.h"
#include "netutils/nft/nft-types.h"

struct nftnl_table *lp_nft_egress_rules_table(void);
struct nftnl_chain *lp_nft_egress_rules_chain(void);
struct nftnl_set *lp_nft_egress_rules_set(const LpNftEgressSet *set,
					  uint32_t id);
struct nftnl_set *lp_nft_egress_rules_elems(const LpNftEgressSet *set);
GPtrArray *lp_nft_egress_rules_build(const GPtrArray *sets);

#endif /* LOWPORT_NFT_EGRESS_RULES_H */
