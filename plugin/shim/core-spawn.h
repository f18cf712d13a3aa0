/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core-spawn.h - shim core: run the real helper, capture its output
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CORE_SPAWN_H
#define LOWPORT_CORE_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include <glib.h>

/* Most bytes of the helper's output kept (the rest is read and dropped) */
#define LP_CORE_OUTPUT_MAX (64 * 1024)
/* Most bytes of its ready message kept (rootlessport writes "1") */
#define LP_CORE_READY_MAX 64
/* How long a daemon of the helper may keep our pipe after the run ended */
#define LP_CORE_PIPE_GRACE_MS 2000
/* Most file descriptors a front passes through */
#define LP_CORE_PASS_FDS_MAX 8

/*
 * LpCoreCmd - how to run the real helper once
 * @name:	Its name, for messages ("pasta")
 * @argv:	Arguments, argv[0] included, NULL-terminated
 * @input:	What its stdin reads, then end of file (rootlessport's JSON
 *		config); NULL: it inherits ours
 * @pass_fds:	Descriptors it gets as they are, same numbers (rootlessport's
 *		ExitFD 3); every other descriptor of ours is close-on-exec
 * @n_pass_fds:	Entries in @pass_fds, at most LP_CORE_PASS_FDS_MAX
 * @ready_fd:	Descriptor number on which the helper says it is ready by
 *		writing (rootlessport's ReadyFD 4): it gets a pipe of ours
 *		there, the run ends at the first byte, and the ready gate
 *		passes what it wrote on to our own @ready_fd later (see
 *		lp_core_spawn_pass_ready()); -1: the run ends when the helper
 *		exits (pasta, which daemonizes; pesto)
 */
typedef struct {
	const char *name;
	char **argv;
	GBytes *input;
	int pass_fds[LP_CORE_PASS_FDS_MAX];
	unsigned int n_pass_fds;
	int ready_fd;
} LpCoreCmd;

/*
 * LpCoreRun - how one run of the real helper ended
 * @status:	Exit code, or 128 + signal number (meaningless if @ready)
 * @output:	Its stdout and stderr, interleaved as written, at most
 *		LP_CORE_OUTPUT_MAX bytes
 * @ready:	It wrote on its ready descriptor and still runs
 * @ready_bytes: What it wrote there, at most LP_CORE_READY_MAX bytes
 * @pid:	Its PID, 0 if it never started
 * @pidfd:	pidfd of it while it runs (@ready), else -1
 */
typedef struct {
	int status;
	GByteArray *output;
	bool ready;
	GByteArray *ready_bytes;
	pid_t pid;
	int pidfd;
} LpCoreRun;

void lp_core_spawn_cmd_clear(LpCoreCmd *cmd);
void lp_core_spawn_run_clear(LpCoreRun *run);
gboolean lp_core_spawn_run(const char *path, const LpCoreCmd *cmd,
			   unsigned int timeout_ms, LpCoreRun *ret,
			   GError **error);
int lp_core_spawn_pass_ready(const LpCoreCmd *cmd, const LpCoreRun *run);
int lp_core_spawn_exec(const char *path, const LpCoreCmd *cmd);

#endif /* LOWPORT_CORE_SPAWN_H */
