/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-lease.h - leases in table inet lowport: add, list, remove
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_LEASE_H
#define LOWPORT_NFT_LEASE_H

#include <stdbool.h>
#include <sys/types.h>

#include <glib.h>

#include "netutils/mapping.h"
#include "netutils/nft/nft.h"

/*
 * LpNftLease - a lease as the kernel holds it
 * @id:		Lease ID
 * @uid:	Owner uid; listed from the element comments
 *		"lease=<id> uid=<uid>"
 * @mappings:	GArray of LpMapping; from a kernel listing one per port
 *		(range 1), sorted, an IPv4 and IPv6 wildcard pair of the same
 *		port and backend folded into one on every address
 */
typedef struct {
	char id[LP_LEASE_ID_MAX + 1];
	uid_t uid;
	GArray *mappings;
} LpNftLease;

LpNftLease *lp_nft_lease_new(const char *id, uid_t uid);
void lp_nft_lease_free(LpNftLease *lease);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpNftLease, lp_nft_lease_free)

bool lp_nft_lease_add(LpNft *nft, const LpNftLease *lease, GError **error);
bool lp_nft_lease_remove(LpNft *nft, const LpNftLease *lease, GError **error);
int lp_nft_lease_others(LpNft *nft, const char *id, bool *ret);
GPtrArray *lp_nft_lease_list(LpNft *nft, GError **error);

#endif /* LOWPORT_NFT_LEASE_H */
