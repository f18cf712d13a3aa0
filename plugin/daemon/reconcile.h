/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reconcile.h - bring kernel rules, state files and live processes together
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_RECONCILE_H
#define LOWPORT_RECONCILE_H

#include <stdbool.h>

#include <glib.h>

#include "daemon/lease.h"
#include "daemon/registry.h"
#include "netutils/nft/nft.h"
#include "netutils/nft/nft-lease.h"

bool lp_reconcile_same_rules(const LpNftLease *k, const LpLease *lease);
void lp_reconcile_split(GPtrArray *saved, GPtrArray *live, GPtrArray *dead);
bool lp_reconcile_start(LpRegistry *reg, LpNft *nft, const char *state_dir,
			GError **error);
void lp_reconcile_repair(LpRegistry *reg, LpNft *nft);

#endif /* LOWPORT_RECONCILE_H */
