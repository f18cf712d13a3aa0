/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shim-exec.h - find the real pasta, run it, read its PID file, stop it
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_SHIM_EXEC_H
#define LOWPORT_SHIM_EXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include <glib.h>

/* Podman's default engine.helper_binaries_dir on Linux, in order */
#define LP_SHIM_PODMAN_HELPER_DIRS                                             \
	"/usr/local/libexec/podman", "/usr/local/lib/podman",                  \
		"/usr/libexec/podman", "/usr/lib/podman"

/* Real pasta binary, overriding the policy and the search */
#define LP_SHIM_ENV_REAL_PASTA "LOWPORT_REAL_PASTA"
/* Policy file read for [lowport] real-pasta, default LOWPORT_POLICY_PATH */
#define LP_SHIM_ENV_POLICY "LOWPORT_POLICY"
/*
 * "DEV:INO,..." of lowport shims already on this exec chain: a copy of the
 * shim earlier in the search path must not send us back to ourselves
 */
#define LP_SHIM_ENV_SEEN "LOWPORT_SHIM_SEEN"

/* Most bytes of pasta's output kept (the rest is read and dropped) */
#define LP_SHIM_OUTPUT_MAX (64 * 1024)
/* How long the daemonized pasta may keep our pipe after its parent exits */
#define LP_SHIM_PIPE_GRACE_MS 2000

/*
 * LpShimFileId - identity of an executable (stat() of it, symlinks followed)
 */
typedef struct {
	dev_t dev;
	ino_t ino;
} LpShimFileId;

/*
 * LpShimRun - how one run of the real pasta ended
 * @status:	Exit code, or 128 + signal number
 * @output:	Its stdout and stderr, interleaved as written, at most
 *		LP_SHIM_OUTPUT_MAX bytes
 */
typedef struct {
	int status;
	GByteArray *output;
} LpShimRun;

void lp_shim_run_clear(LpShimRun *run);

GArray *lp_shim_exec_self_ids(void);
char *lp_shim_exec_seen_env(const GArray *ids);
char *lp_shim_exec_search(const char *const *dirs, const char *path_env,
			  const GArray *skip);
char *lp_shim_exec_find_pasta(const GArray *self, GError **error);

int lp_shim_exec_pid_file(char **ret_path);
int lp_shim_exec_read_pid(const char *path, pid_t *ret_pid);
gboolean lp_shim_exec_run(const char *path, char *const *argv,
			  unsigned int timeout_ms, LpShimRun *ret,
			  GError **error);
int lp_shim_exec_stop(int pidfd, unsigned int timeout_ms);
int lp_shim_exec_adopt_orphans(void);
int lp_shim_exec_stop_child(pid_t pid, unsigned int timeout_ms);
int lp_shim_exec_sweep(unsigned int timeout_ms);

#endif /* LOWPORT_SHIM_EXEC_H */
