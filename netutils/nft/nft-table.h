/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-table.h - table inet lowport: skeleton, PERSIST probe, check, rebuild
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_TABLE_H
#define LOWPORT_NFT_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "netutils/nft/nft.h"

bool lp_nft_table_probe_persist(LpNft *nft);
int lp_nft_table_get(LpNft *nft, uint32_t *ret_flags, uint32_t *ret_owner);
bool lp_nft_table_present(LpNft *nft, GError **error);
bool lp_nft_table_ensure(LpNft *nft, GError **error);
bool lp_nft_table_rebuild(LpNft *nft, GPtrArray *leases, GError **error);

#endif /* LOWPORT_NFT_TABLE_H */
