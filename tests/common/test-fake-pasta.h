/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-fake-pasta.h - a stand-in pasta for the pasta front's tests
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_TEST_FAKE_PASTA_H
#define LOWPORT_TEST_FAKE_PASTA_H

/* Set in the stand-in pasta's environment: its mode */
#define LP_TEST_FAKE_PASTA_ENV "LP_TEST_FAKE_PASTA"
/* File the stand-in appends its argv and daemon PID to */
#define LP_TEST_FAKE_PASTA_LOG_ENV "LP_TEST_FAKE_LOG"

int lp_test_fake_pasta_main(int argc, char **argv);

#endif /* LOWPORT_TEST_FAKE_PASTA_H */
