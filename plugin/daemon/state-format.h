/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state-format.h - the versioned format of a lease state file
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_STATE_FORMAT_H
#define LOWPORT_STATE_FORMAT_H

#include <stddef.h>

#include <glib.h>

#include "daemon/lease.h"

/* The "format" member of every state file from version 2 on */
#define LP_STATE_FORMAT_NAME "lowportd-lease"
/* Version lp_state_format_encode() writes */
#define LP_STATE_FORMAT_VERSION 2
/* Version of the files without a "version" member (lowport 0.x) */
#define LP_STATE_FORMAT_LEGACY 1

char *lp_state_format_encode(const LpLease *lease);
LpLease *lp_state_format_decode(const char *text, size_t len,
				unsigned int *ret_version, GError **error);

#endif /* LOWPORT_STATE_FORMAT_H */
