/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl-check.h - lowportctl check: is this host and user set up for lowport
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CTL_CHECK_H
#define LOWPORT_CTL_CHECK_H

#include <glib.h>

#include "ctl/ctl.h"

/* Bound on "podman info" (its first run may set up storage) */
#define LP_CTL_CHECK_PODMAN_TIMEOUT_MS 30000
/* Bound on "podman --version" and "pasta --version" */
#define LP_CTL_CHECK_VERSION_TIMEOUT_MS 10000
/* Most output kept from a command run by the check */
#define LP_CTL_CHECK_OUTPUT_MAX (64 * 1024)

gboolean lp_ctl_check_host(const LpCtl *ctl, GError **error);

#endif /* LOWPORT_CTL_CHECK_H */
