/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-conflict.h - say which lease holds a port another lease was refused
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_CONFLICT_H
#define LOWPORT_NFT_CONFLICT_H

#include <glib.h>

#include "netutils/nft/nft-lease.h"
#include "netutils/nft/nft-rules.h"
#include "netutils/nft/nft.h"

void lp_nft_conflict_explain(LpNft *nft, const LpNftLease *lease,
			     const LpNftKey *k, GError *error);

#endif /* LOWPORT_NFT_CONFLICT_H */
