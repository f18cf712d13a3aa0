/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pasta-probe.h - can connections steered onto pasta's listener be served?
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_PASTA_PROBE_H
#define LOWPORT_PASTA_PROBE_H

#include <stdbool.h>

/* Largest pasta binary read (bytes); a bigger file is not probed */
#define LP_PASTA_PROBE_MAX (64u << 20)

bool lp_pasta_probe_steerable(const char *path);
bool lp_pasta_probe_data(const void *data, size_t len);

#endif /* LOWPORT_PASTA_PROBE_H */
