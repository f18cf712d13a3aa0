/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core-lease.h - shim core: ask lowportd for the lease
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CORE_LEASE_H
#define LOWPORT_CORE_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "shim/core-ports.h"

/*
 * On "podman restart" the old helper quits about a second after its netns
 * is gone, and lowportd refuses us while its lease lasts: retry that
 * refusal (never another user's) this often, for this long, while the
 * lease's process runs
 */
#define LP_CORE_LEASE_OWN_RETRY_MS 100
#define LP_CORE_LEASE_OWN_WAIT_MS  3000

GArray *lp_core_lease_mappings(const GArray *blocks, const uint16_t *backend);
bool lp_core_lease_own_conflict(const GError *error);
gboolean lp_core_lease_request(const char *netns, const GArray *mappings,
			       int pidfd, GError **error);

#endif /* LOWPORT_CORE_LEASE_H */
