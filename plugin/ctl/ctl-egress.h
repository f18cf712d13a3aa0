/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl-egress.h - lowportctl egress: a container's egress allowlist as applied
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CTL_EGRESS_H
#define LOWPORT_CTL_EGRESS_H

#include <glib.h>

#include "ctl/ctl.h"

/* Bound on "podman inspect" */
#define LP_CTL_EGRESS_PODMAN_TIMEOUT_MS 30000
/* Most output kept from "podman inspect" */
#define LP_CTL_EGRESS_OUTPUT_MAX 4096

gboolean lp_ctl_egress(const LpCtl *ctl, const char *container, GError **error);

#endif /* LOWPORT_CTL_EGRESS_H */
