/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * steering.h - the BPF sk_lookup data path of TCP leases
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_STEERING_H
#define LOWPORT_STEERING_H

#include <stdbool.h>

#include <glib.h>

#include "daemon/lease.h"
#include "netutils/mapping.h"
#include "netutils/policy.h"

typedef struct LpSteering LpSteering;

LpSteering *lp_steering_new(const char *bpf_dir);
void lp_steering_free(LpSteering *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpSteering, lp_steering_free)
void lp_steering_configure(LpSteering *s, LpPolicyDatapath mode);
LpDatapath lp_steering_datapath(const LpSteering *s);
const char *lp_steering_reason(const LpSteering *s);
bool lp_steering_plan(LpSteering *s, LpLease *lease, GError **error);
bool lp_steering_add(LpSteering *s, LpLease *lease, GError **error);
void lp_steering_remove(LpSteering *s, const LpLease *lease);
unsigned int lp_steering_missing(LpSteering *s, const LpLease *lease);
void lp_steering_prune(LpSteering *s, GPtrArray *leases);

#endif /* LOWPORT_STEERING_H */
