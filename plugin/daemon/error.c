// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * error.c - the GError domain of errors that become replies to a client
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <glib.h>

#include "daemon/error.h"

G_DEFINE_QUARK(lp_daemon_error_quark, lp_daemon_error)
G_DEFINE_QUARK(lp_daemon_error_retry_quark, lp_daemon_error_retry)
