/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core-lease.h - shim core: ask lowportd for the lease
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CORE_LEASE_H
#define LOWPORT_CORE_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "netutils/protocol.h"
#include "shim/core-ports.h"

/*
 * On "podman restart" the old helper may still be exiting, and lowportd
 * refuses us while its lease lasts, saying "retry": ask again this often,
 * for this long at most, while our own lease process runs
 */
#define LP_CORE_LEASE_OWN_RETRY_MS 100
#define LP_CORE_LEASE_OWN_WAIT_MS  3000

/*
 * LpCoreLeaseAsk - one forward request of the shim
 * @front:	Which front asks (lowportd records and lists it)
 * @netns:	Network namespace of the container, may be NULL
 * @mappings:	GArray of LpMapping
 * @pidfd:	pidfd of the process the lease is tied to
 * @listeners:	Its listening TCP sockets on backend ports, sent after
 *		@pidfd (the caller closes them)
 * @n_listeners: Their number, at most LP_LISTENERS_MAX
 */
typedef struct {
	LpFront front;
	const char *netns;
	const GArray *mappings;
	int pidfd;
	const int *listeners;
	size_t n_listeners;
} LpCoreLeaseAsk;

LpFront lp_core_lease_front(const char *name);
GArray *lp_core_lease_mappings(const GArray *blocks, const uint16_t *backend);
gboolean lp_core_lease_request(const LpCoreLeaseAsk *ask, GError **error);

#endif /* LOWPORT_CORE_LEASE_H */
