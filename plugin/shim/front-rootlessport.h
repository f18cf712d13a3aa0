/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * front-rootlessport.h - rootlessport front: what Podman runs instead of
 * rootlessport on bridge networks
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_FRONT_ROOTLESSPORT_H
#define LOWPORT_FRONT_ROOTLESSPORT_H

#include <glib.h>

#include "shim/core.h"

/* Real rootlessport binary, overriding the policy and the search */
#define LP_FRONT_ROOTLESSPORT_ENV_REAL LP_CORE_ENV_REAL_PREFIX "ROOTLESSPORT"

extern const LpCoreHelper lp_front_rootlessport_helper;

GBytes *lp_front_rootlessport_read_input(int fd, GError **error);
void lp_front_rootlessport_relay(const LpCoreRun *run);
int lp_front_rootlessport_main(int argc, char **argv);

#endif /* LOWPORT_FRONT_ROOTLESSPORT_H */
