/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-listeners.h - what the tests of handing listeners over share
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_TEST_LISTENERS_H
#define LOWPORT_TEST_LISTENERS_H

#include <stdint.h>
#include <sys/types.h>

void lp_test_listeners_check_report(const char *report);
unsigned int lp_test_listeners_holders(uint64_t inode);
uint64_t lp_test_listeners_inode(unsigned int port);
pid_t lp_test_listeners_target(void);
void lp_test_listeners_uplink(void);

#endif /* LOWPORT_TEST_LISTENERS_H */
