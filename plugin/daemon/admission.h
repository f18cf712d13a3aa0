/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * admission.h - may this peer forward these ports? Every check, in order
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_ADMISSION_H
#define LOWPORT_ADMISSION_H

#include <stdbool.h>

#include <glib.h>

#include "daemon/lease.h"
#include "daemon/peer.h"
#include "daemon/registry.h"
#include "netutils/policy.h"
#include "netutils/protocol.h"
#include "netutils/request.h"

LpLease *lp_admission_check(LpRegistry *reg, const LpPolicy *policy,
			    const LpPeer *peer, const LpRequest *req,
			    int *pidfd, GError **error);
bool lp_admission_policy(const LpPolicy *policy, const LpCred *cred,
			 const GArray *mappings, GError **error);

#endif /* LOWPORT_ADMISSION_H */
