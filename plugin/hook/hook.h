/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hook.h - lowport-egress, the OCI hook applying io.lowport.egress
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_HOOK_H
#define LOWPORT_HOOK_H

#include <stdbool.h>

#include <glib.h>

#define LP_HOOK_ERROR (lp_hook_error_quark())
GQuark lp_hook_error_quark(void);

/* GError codes of LP_HOOK_ERROR */
#define LP_HOOK_ERROR_INPUT   1 /* OCI state, config.json, annotation */
#define LP_HOOK_ERROR_NETNS   2 /* the container's network namespace */
#define LP_HOOK_ERROR_RESOLVE 3 /* host names, resolv.conf */

/* Bounds: OCI state on stdin, config.json, the wait for stdin */
#define LP_HOOK_STATE_MAX	 65536
#define LP_HOOK_CONFIG_MAX	 (4 * 1024 * 1024)
#define LP_HOOK_STDIN_TIMEOUT_MS 10000

bool lp_hook_run(int state_fd, GError **error);

#endif /* LOWPORT_HOOK_H */
