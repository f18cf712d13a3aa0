/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-elems.h - the map elements of a lease, checked and put in a batch
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_ELEMS_H
#define LOWPORT_NFT_ELEMS_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft-lease.h"
#include "netutils/nft/nft-rules.h"

/*
 * LpNftElems - the map elements of one lease, sorted by map, for a batch
 * @s:		Element container per map, NULL until the first element
 * @keys:	LpNftKey per element, per map, in container order
 * @what:	Description per element (char *), per map
 * @msg:	Batch message index of each map's container, -1 if none
 */
typedef struct {
	struct nftnl_set *s[LP_NFT_MAP_MAX];
	GArray *keys[LP_NFT_MAP_MAX];
	GPtrArray *what[LP_NFT_MAP_MAX];
	int msg[LP_NFT_MAP_MAX];
} LpNftElems;

void lp_nft_elems_clear(LpNftElems *el);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LpNftElems, lp_nft_elems_clear)
void lp_nft_elems_add(LpNftElems *el, const LpNftKey *k,
		      const LpNftLease *lease, bool add, uint16_t backend);
void lp_nft_elems_add_lease(LpNftElems *el, const LpNftLease *lease, bool add);
void lp_nft_elems_flush(LpNftElems *el, LpNftBatch *b, bool add,
			const char *id);
const LpNftKey *lp_nft_elems_failed(const LpNftElems *el, const LpNftBatch *b);
bool lp_nft_elems_lease_check(const LpNftLease *lease, GError **error);

#endif /* LOWPORT_NFT_ELEMS_H */
