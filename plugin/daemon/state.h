/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.h - lease state files in the state directory
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_STATE_H
#define LOWPORT_STATE_H

#include <stdbool.h>

#include <glib.h>

#include "daemon/lease.h"

/* Bound on one state file */
#define LP_STATE_FILE_MAX (256 * 1024)

bool lp_state_prepare(const char *state_dir, GError **error);
bool lp_state_save(const char *state_dir, const LpLease *lease, GError **error);
bool lp_state_remove(const char *state_dir, const char *id, GError **error);
GPtrArray *lp_state_load_all(const char *state_dir, GError **error);

#endif /* LOWPORT_STATE_H */
