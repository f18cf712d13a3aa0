/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * front-pasta.h - pasta front: what Podman runs instead of pasta
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_FRONT_PASTA_H
#define LOWPORT_FRONT_PASTA_H

#include <sys/types.h>

#include "shim/core-find.h"

/* Real pasta binary, overriding the policy and the search */
#define LP_FRONT_PASTA_ENV_REAL LP_CORE_ENV_REAL_PREFIX "PASTA"

extern const LpCoreHelper lp_front_pasta_helper;

int lp_front_pasta_pid_file(char **ret_path);
int lp_front_pasta_read_pid(const char *path, pid_t *ret_pid);
int lp_front_pasta_main(int argc, char **argv);

#endif /* LOWPORT_FRONT_PASTA_H */
