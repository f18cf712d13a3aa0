/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-netns.h - tests and benchmarks run in a network namespace of their own
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_TEST_NETNS_H
#define LOWPORT_TEST_NETNS_H

#include <stdbool.h>

const char *lp_test_enter_netns(void);
void lp_test_assert_netns(void);
bool lp_test_rootless(void);

#endif /* LOWPORT_TEST_NETNS_H */
