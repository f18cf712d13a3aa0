/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core-reap.h - shim core: stop the real helper, adopt and sweep orphans
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CORE_REAP_H
#define LOWPORT_CORE_REAP_H

#include <sys/types.h>

int lp_core_reap_stop(int pidfd, unsigned int timeout_ms);
int lp_core_reap_adopt_orphans(void);
int lp_core_reap_stop_child(pid_t pid, unsigned int timeout_ms);
int lp_core_reap_sweep(unsigned int timeout_ms);

#endif /* LOWPORT_CORE_REAP_H */
