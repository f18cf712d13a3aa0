/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft.h - the lease engine: table inet lowport over libnftnl + libmnl
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_H
#define LOWPORT_NFT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

#include "netutils/mapping.h"

#define LP_NFT_TABLE "lowport"

#define LP_NFT_ERROR (lp_nft_error_quark())
GQuark lp_nft_error_quark(void);

/* GError codes in LP_NFT_ERROR are positive errno values from the kernel */

/* Bounds: ports per lease (1-2 map elements each), leases per rebuild */
#define LP_NFT_LEASE_PORTS_MAX 1024
#define LP_NFT_LEASES_MAX      65536

typedef enum {
	LP_NFT_OWNER_AUTO,  /* OWNER|PERSIST if the kernel has PERSIST */
	LP_NFT_OWNER_NEVER, /* plain table; rebuilt after outside flush */
} LpNftOwnerMode;

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

typedef struct LpNft LpNft;

LpNft *lp_nft_new(LpNftOwnerMode owner, GError **error);
void lp_nft_free(LpNft *nft);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpNft, lp_nft_free)

bool lp_nft_table_present(LpNft *nft, GError **error);
bool lp_nft_ensure_table(LpNft *nft, GError **error);
bool lp_nft_lease_add(LpNft *nft, const LpNftLease *lease, GError **error);
bool lp_nft_lease_remove(LpNft *nft, const LpNftLease *lease, GError **error);
GPtrArray *lp_nft_lease_list(LpNft *nft, GError **error);
bool lp_nft_rebuild(LpNft *nft, GPtrArray *leases, GError **error);
bool lp_nft_owned(LpNft *nft);
uint32_t lp_nft_portid(LpNft *nft);

typedef struct LpNftMonitor LpNftMonitor;

LpNftMonitor *lp_nft_monitor_new(LpNft *nft, GError **error);
void lp_nft_monitor_free(LpNftMonitor *mon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpNftMonitor, lp_nft_monitor_free)
int lp_nft_monitor_fd(LpNftMonitor *mon);
bool lp_nft_monitor_read(LpNftMonitor *mon, bool *ret_foreign, GError **error);

#endif /* LOWPORT_NFT_H */
