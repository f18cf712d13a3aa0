/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft.h - the nftables engine handle: one netlink socket, the table's
 *	   name, owner mode and error domain
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_H
#define LOWPORT_NFT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

struct mnl_socket;

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
 * LpNft - the engine; fields are for netutils/nft/ only
 * @nl:		Netlink socket, open for the engine's life
 * @seq:	Next sequence number
 * @portid:	Port ID of @nl
 * @mode:	Owner mode
 * @persist:	The kernel supports NFT_TABLE_F_PERSIST
 * @owned:	Table inet lowport is owned by @nl
 * @elems:	Lease elements in the maps as the engine last counted them,
 *		LP_NFT_ELEMS_UNKNOWN (-1) if it does not know (nft-hooks.c)
 */
typedef struct LpNft {
	struct mnl_socket *nl;
	uint32_t seq;
	uint32_t portid;
	LpNftOwnerMode mode;
	bool persist;
	bool owned;
	long elems;
} LpNft;

LpNft *lp_nft_new(LpNftOwnerMode owner, GError **error);
void lp_nft_free(LpNft *nft);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpNft, lp_nft_free)
bool lp_nft_owned(LpNft *nft);
uint32_t lp_nft_portid(LpNft *nft);
void lp_nft_set_errno(GError **error, int r, const char *what);

#endif /* LOWPORT_NFT_H */
