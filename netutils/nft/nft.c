// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft.c - the nftables engine handle: one netlink socket for its life
 *
 * DOC: Theory of Operation
 *
 * One netlink socket per LpNft, kept for its whole life: an OWNER table
 * can only be changed through the socket that owns it, and the kernel
 * drops ownership (PERSIST) or the table (OWNER alone) when it closes.
 *
 * The engine is cut by concern: GET requests and dumps (nft-query.c),
 * batches and their ACKs (nft-batch.c, nft-acks.c), the table skeleton,
 * its probe, check and rebuild (nft-table.c), the map elements of a lease
 * (nft-elems.c), leases added, listed and removed (nft-lease.c), and who
 * holds a refused port (nft-conflict.c). The objects themselves are built
 * in nft-rules.c.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <time.h>

#include <glib.h>

#include "netutils/nft/nft-socket.h"
#include "netutils/nft/nft-table.h"
#include "netutils/nft/nft.h"

G_DEFINE_QUARK(lp_nft_error, lp_nft_error)

/**
 * lp_nft_set_errno() - Set an LP_NFT_ERROR from a negative errno
 * @error:	Return location for a GError
 * @r:		Negative errno
 * @what:	What failed, "listing leases"
 */
void lp_nft_set_errno(GError **error, int r, const char *what)
{
	g_set_error(error, LP_NFT_ERROR, -r, "nftables: %s failed: %s", what,
		    g_strerror(-r));
}

/**
 * lp_nft_new() - Open the engine: one netlink socket for its whole life
 * @owner:	Owner mode of the table
 * @error:	Return location for a GError
 *
 * Return: new engine, free with lp_nft_free(), NULL on error
 */
LpNft *lp_nft_new(LpNftOwnerMode owner, GError **error)
{
	g_autoptr(LpNft) nft = g_new0(LpNft, 1);
	int r;

	r = lp_nft_socket_open(&nft->nl, 0);
	if (r < 0) {
		lp_nft_set_errno(error, r, "opening netlink socket");
		return NULL;
	}
	nft->portid = mnl_socket_get_portid(nft->nl);
	nft->seq = (uint32_t)time(NULL);
	nft->mode = owner;
	nft->elems = -1; /* LP_NFT_ELEMS_UNKNOWN */
	if (owner == LP_NFT_OWNER_AUTO)
		nft->persist = lp_nft_table_probe_persist(nft);
	return g_steal_pointer(&nft);
}

/**
 * lp_nft_free() - Close the engine
 * @nft:	Engine, may be NULL
 *
 * An owned table without PERSIST disappears with the socket; with
 * PERSIST it stays, unowned, for the next lp_nft_table_ensure().
 */
void lp_nft_free(LpNft *nft)
{
	if (!nft)
		return;
	if (nft->nl)
		mnl_socket_close(nft->nl);
	g_free(nft);
}

/**
 * lp_nft_owned() - Tell whether our socket owns table inet lowport
 * @nft:	Engine
 *
 * Return: true after ensure/rebuild took ownership (mode AUTO, kernel
 *	   with PERSIST)
 */
bool lp_nft_owned(LpNft *nft)
{
	return nft->owned;
}

/**
 * lp_nft_portid() - Netlink port ID of the engine's socket
 * @nft:	Engine
 *
 * Notifications of the transactions we commit carry it as nlmsg_pid.
 *
 * Return: port ID, fixed for the engine's life
 */
uint32_t lp_nft_portid(LpNft *nft)
{
	return nft->portid;
}
