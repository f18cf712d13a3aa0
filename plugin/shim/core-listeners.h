/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core-listeners.h - shim core: take the lease process's listening TCP
 * sockets on the backend ports, to hand them to lowportd
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CORE_LISTENERS_H
#define LOWPORT_CORE_LISTENERS_H

#include <stddef.h>

#include <glib.h>

#include "netutils/protocol.h"

/* Bound on the descriptor table entries of the lease's process read */
#define LP_CORE_LISTENERS_SCAN_MAX 65536

int lp_core_listeners_take(int pidfd, const GArray *mappings, int *fds,
			   size_t max);
size_t lp_core_listeners_collect(int pidfd, const GArray *mappings,
				 int fds[LP_LISTENERS_MAX]);
void lp_core_listeners_close(int *fds, size_t n);

#endif /* LOWPORT_CORE_LISTENERS_H */
