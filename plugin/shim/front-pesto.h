/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * front-pesto.h - pesto front: what Podman 6 runs instead of pesto when
 * bridge networks publish through the rootless-netns pasta
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_FRONT_PESTO_H
#define LOWPORT_FRONT_PESTO_H

#include <sys/types.h>

#include <glib.h>

#include "shim/core.h"

/* Real pesto binary, overriding the policy and the search */
#define LP_FRONT_PESTO_ENV_REAL LP_CORE_ENV_REAL_PREFIX "PESTO"

extern const LpCoreHelper lp_front_pesto_helper;

int lp_front_pesto_peer(const char *path, pid_t *ret_pid, GError **error);
int lp_front_pesto_main(int argc, char **argv);

#endif /* LOWPORT_FRONT_PESTO_H */
