/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shim-ports.h - pick free unprivileged backend ports for the pasta shim
 *
 * Copyright lowport authors
 *
 * Each privileged block gets a contiguous block of backend ports on the same
 * host address and protocol. A candidate is free if we can bind() every
 * port of it right now, as the user pasta runs as; the test sockets are
 * closed at once, so pasta can still lose a race (the shim then retries).
 */
#ifndef LOWPORT_SHIM_PORTS_H
#define LOWPORT_SHIM_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "netutils/addr.h"
#include "shim/shim-args.h"

/*
 * LpShimPortUsedFn - tell whether a port is taken by other means than a
 * socket (named elsewhere in argv, picked in an earlier attempt)
 */
typedef bool (*LpShimPortUsedFn)(int proto, unsigned int port, void *data);

/*
 * LpShimPortWindow - where backend ports may come from
 * @lo:		Lowest backend port
 * @hi:		Highest backend port, >= @lo
 * @start:	Where the search begins, in [@lo, @hi]; it wraps around
 * @used:	Extra test, may be NULL
 * @used_data:	Argument for @used
 */
typedef struct {
	unsigned int lo;
	unsigned int hi;
	unsigned int start;
	LpShimPortUsedFn used;
	void *used_data;
} LpShimPortWindow;

int lp_shim_ports_try_bind(int proto, const LpAddr *addr, unsigned int port);
void lp_shim_ports_window(unsigned int unpriv_start, bool above_ephemeral,
			  LpShimPortWindow *ret);
gboolean lp_shim_ports_pick(const LpShimPortWindow *w,
			    const LpShimBlock *blocks, guint n_blocks,
			    uint16_t *ret_backend, GError **error);

#endif /* LOWPORT_SHIM_PORTS_H */
