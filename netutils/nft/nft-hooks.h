/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-hooks.h - the nat chains of table inet lowport, present only while
 *		 a lease element is
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_HOOKS_H
#define LOWPORT_NFT_HOOKS_H

#include <stdbool.h>

#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft.h"

/* Lease element count of LpNft.elems when the engine does not know it */
#define LP_NFT_ELEMS_UNKNOWN (-1L)

/* Number of nat chains: leases, prerouting, output */
#define LP_NFT_HOOKS_N 3

/*
 * LpNftHooks - what lp_nft_hooks_read() found of the nat chains
 * @rules:	Rules of each chain, -1 if the chain (or the table) is missing
 *
 * Read before the batch that uses it is started: a batch needs the
 * sequence numbers of its messages in a row.
 */
typedef struct {
	int rules[LP_NFT_HOOKS_N];
} LpNftHooks;

/*
 * enum LpNftHooksState - what a check found of the nat chains
 * @LP_NFT_HOOKS_NONE:		No nat chain exists
 * @LP_NFT_HOOKS_ALL:		All exist, each with its rules
 * @LP_NFT_HOOKS_PARTIAL:	Anything else: one missing, or a rule missing
 *				or added
 */
enum LpNftHooksState {
	LP_NFT_HOOKS_NONE,
	LP_NFT_HOOKS_ALL,
	LP_NFT_HOOKS_PARTIAL,
};

void lp_nft_hooks_batch_create(LpNftBatch *b);
int lp_nft_hooks_read(LpNft *nft, LpNftHooks *h);
void lp_nft_hooks_batch_add(LpNftBatch *b, const LpNftHooks *h);
void lp_nft_hooks_batch_del(LpNftBatch *b, const LpNftHooks *h);
int lp_nft_hooks_state(const LpNftHooks *h);
void lp_nft_hooks_count(LpNft *nft, long delta);

#endif /* LOWPORT_NFT_HOOKS_H */
