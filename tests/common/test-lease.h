/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-lease.h - leases and processes for the lowportd unit tests
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_TEST_LEASE_H
#define LOWPORT_TEST_LEASE_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/lease.h"

LpMapping lp_test_mapping(int proto, const char *addr, uint16_t host_port,
			  uint16_t backend_port, uint16_t range);
LpLease *lp_test_lease(const char *id, uid_t uid, pid_t pid, const LpMapping *m,
		       unsigned int n);
pid_t lp_test_child(void);
void lp_test_reap(pid_t pid);
void lp_test_skip(gconstpointer why);

#endif /* LOWPORT_TEST_LEASE_H */
