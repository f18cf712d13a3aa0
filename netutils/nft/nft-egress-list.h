/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-egress-list.h - read table inet lowport_egress back from the kernel
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_EGRESS_LIST_H
#define LOWPORT_NFT_EGRESS_LIST_H

#include <stdint.h>

#include <glib.h>

#include "netutils/nft/nft-egress.h"

/*
 * LpNftEgressState - the table as the kernel holds it
 * @sets:		GPtrArray of LpNftEgressSet with their ranges
 * @rejected:		Packets the reject rules counted
 * @rejected_bytes:	Their bytes
 * @reject_rules:	Reject rules found (2 in a complete table)
 */
typedef struct {
	GPtrArray *sets;
	uint64_t rejected;
	uint64_t rejected_bytes;
	unsigned int reject_rules;
} LpNftEgressState;

void lp_nft_egress_list_free(LpNftEgressState *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpNftEgressState, lp_nft_egress_list_free)
LpNftEgressState *lp_nft_egress_list_read(GError **error);

#endif /* LOWPORT_NFT_EGRESS_LIST_H */
