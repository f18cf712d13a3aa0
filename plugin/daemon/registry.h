/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * registry.h - the leases lowportd holds: kernel rules, reservations, watches
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_REGISTRY_H
#define LOWPORT_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

#include "daemon/lease.h"
#include "daemon/steering.h"
#include "netutils/mapping.h"
#include "netutils/nft/nft.h"
#include "netutils/nft/nft-lease.h"

typedef struct LpRegistry LpRegistry;

LpRegistry *lp_registry_new(LpNft *nft, const char *state_dir, GError **error);
void lp_registry_free(LpRegistry *reg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpRegistry, lp_registry_free)
void lp_registry_set_steering(LpRegistry *reg, LpSteering *steering);
LpSteering *lp_registry_steering(LpRegistry *reg);

bool lp_registry_admit(LpRegistry *reg, LpLease *lease, GError **error);
void lp_registry_adopt(LpRegistry *reg, LpLease *lease);
void lp_registry_end(LpRegistry *reg, LpLease *lease, const char *reason);

guint lp_registry_size(LpRegistry *reg);
LpLease *lp_registry_lookup(LpRegistry *reg, const char *id);
unsigned int lp_registry_count_ports(LpRegistry *reg, uid_t uid);
unsigned int lp_registry_count_leases(LpRegistry *reg, uid_t uid);
const LpLease *lp_registry_find_overlap(LpRegistry *reg, const LpMapping *m,
					uint16_t *ret_port);
bool lp_registry_is_reservation(LpRegistry *reg, uint64_t inode);
GPtrArray *lp_registry_snapshot(LpRegistry *reg);

void lp_registry_retry_removal(LpRegistry *reg, LpNftLease *n);
guint lp_registry_pending(LpRegistry *reg);
void lp_registry_forget_pending(LpRegistry *reg);

#endif /* LOWPORT_REGISTRY_H */
