/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * admission.h - may this peer forward these ports? Every check of DESIGN.md
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_ADMISSION_H
#define LOWPORT_ADMISSION_H

#include <stdbool.h>

#include <glib.h>

#include "daemon/daemon.h"
#include "daemon/leases.h"

LpLease *lp_admission_check(LpDaemon *d, const LpPeer *peer,
			    const LpRequest *req, int *pidfd, GError **error);
bool lp_admission_policy(LpDaemon *d, const LpCred *cred,
			 const GArray *mappings, GError **error);
bool lp_firewalld_strict(void);

#endif /* LOWPORT_ADMISSION_H */
