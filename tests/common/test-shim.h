/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-shim.h - what the shim's unit tests share: a network namespace per
 * test, files, a stand-in lowportd
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_TEST_SHIM_H
#define LOWPORT_TEST_SHIM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

#include "netutils/protocol.h"
#include "shim/core.h"

/* What the stand-in lowportd refuses with */
#define LP_TEST_SHIM_REFUSAL                                                   \
	"port 80/tcp on 0.0.0.0 is already forwarded for another user"
/* What it says while the user's own old lease holds the port */
#define LP_TEST_SHIM_OWN_CONFLICT                                              \
	"port 80/tcp on 0.0.0.0 is already forwarded by your lease "           \
	"0123456789abcdef"

/*
 * LpTestLowportd - where the stand-in lowportd listens and reports
 * @sock:	Socket path it listens on
 * @report:	File it writes what the first request said to: "netns=",
 *		"pid=" (the pidfd's process), then one line per mapping, then
 *		the listeners that came with it, if any ("listeners=N",
 *		"listener PORT INODE")
 * @count:	File it writes "REQUESTS SAME" to: requests it got, and how
 *		many of the later ones equal the first
 */
typedef struct {
	const char *sock;
	const char *report;
	const char *count;
} LpTestLowportd;

extern bool lp_test_shim_have_netns;

bool lp_test_shim_probe_netns(void);
void lp_test_shim_in_netns(gconstpointer data);
char *lp_test_shim_make_file(const char *dir, const char *name,
			     const char *text, mode_t mode);
void lp_test_shim_rm_tree(const char *path);
pid_t lp_test_shim_lowportd(const LpTestLowportd *l, int own, LpErrorCode code);
unsigned int lp_test_shim_lowportd_count(const char *count,
					 unsigned int *ret_same);
void lp_test_shim_output_is(const LpCoreRun *run, const char *text);
LpCoreBlock lp_test_shim_block(int proto, const char *addr, uint16_t size);

#endif /* LOWPORT_TEST_SHIM_H */
