/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core-ports.h - shim core: pick free unprivileged backend ports
 *
 * Copyright lowport authors
 *
 * Each privileged block gets a contiguous block of backend ports on the same
 * host address and protocol. A candidate is free if we can bind() every
 * port of it right now, as the user the helper runs as; the test sockets
 * are closed at once, so the helper can still lose a race (the core then
 * retries).
 */
#ifndef LOWPORT_CORE_PORTS_H
#define LOWPORT_CORE_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "netutils/addr.h"

/*
 * LpCoreBlock - privileged host ports that need one contiguous backend block
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Host address of the forward (backend ports bind there too)
 * @host_port:	First privileged host port
 * @size:	Number of ports, at least 1
 */
typedef struct {
	int proto;
	LpAddr addr;
	uint16_t host_port;
	uint16_t size;
} LpCoreBlock;

/*
 * LpCorePortUsedFn - tell whether a port is taken by other means than a
 * socket (named elsewhere in argv, picked in an earlier attempt)
 */
typedef bool (*LpCorePortUsedFn)(int proto, unsigned int port, void *data);

/*
 * LpCorePortWindow - where backend ports may come from
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
	LpCorePortUsedFn used;
	void *used_data;
} LpCorePortWindow;

int lp_core_ports_try_bind(int proto, const LpAddr *addr, unsigned int port);
void lp_core_ports_window(unsigned int unpriv_start, bool above_ephemeral,
			  LpCorePortWindow *ret);
gboolean lp_core_ports_pick(const LpCorePortWindow *w,
			    const LpCoreBlock *blocks, guint n_blocks,
			    uint16_t *ret_backend, GError **error);

gboolean lp_core_ports_add_block(GArray *blocks, const LpCoreBlock *b,
				 GError **error);
gboolean lp_core_ports_check_overlap(const GArray *blocks, GError **error);

#endif /* LOWPORT_CORE_PORTS_H */
