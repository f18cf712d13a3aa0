// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core-reap.c - shim core: stop the real helper, adopt and sweep orphans
 *
 * Copyright lowport authors
 *
 * Before a front starts the real helper, the shim becomes a child
 * subreaper: a daemon the helper forks is re-parented to us when the
 * helper's parent exits. On any failure the shim stops every child it has
 * (the helper it ran, the daemons those forked), so nothing of ours is left
 * running; on success it exits and they move on to where they would have
 * gone without us.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/procfs.h"
#include "netutils/util.h"
#include "shim/core-reap.h"

/* Scans of /proc for children to stop before giving up on new ones */
#define REAP_SWEEP_ROUNDS 3

/* glibc 2.36 has waitid() but not this idtype (linux/wait.h clashes) */
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/**
 * reap_wait_exit() - Wait for a pidfd to become readable (process gone)
 * @pidfd:	pidfd
 * @timeout_ms:	Bound
 *
 * Return: true if the process exited
 */
static bool reap_wait_exit(int pidfd, unsigned int timeout_ms)
{
	gint64 end =
		g_get_monotonic_time() + timeout_ms * G_GINT64_CONSTANT(1000);
	struct pollfd pfd = {pidfd, POLLIN, 0};
	gint64 now;

	while ((now = g_get_monotonic_time()) < end) {
		int r = poll(&pfd, 1, (int)((end - now + 999) / 1000));

		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
	return false;
}

/**
 * lp_core_reap_stop() - Make sure a process is gone: SIGTERM, then SIGKILL
 * @pidfd:	pidfd of the process (the helper, or a daemon it forked)
 * @timeout_ms:	Bound on each wait
 *
 * Return: 0 once it exited, -ETIMEDOUT if it survived SIGKILL's wait, other
 *	   negative errno if it cannot be signalled
 */
int lp_core_reap_stop(int pidfd, unsigned int timeout_ms)
{
	if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0)
		return errno == ESRCH ? 0 : -errno;
	if (reap_wait_exit(pidfd, timeout_ms))
		return 0;
	if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0)
		return errno == ESRCH ? 0 : -errno;
	return reap_wait_exit(pidfd, timeout_ms) ? 0 : -ETIMEDOUT;
}

/**
 * lp_core_reap_adopt_orphans() - Become the reaper of orphaned descendants
 *
 * PR_SET_CHILD_SUBREAPER: when the helper's parent exits, a daemon it forked
 * is re-parented to us instead of init, so lp_core_reap_sweep() can find
 * it if the helper failed us. When we exit, it moves on to our nearest
 * subreaper ancestor or init, where it would have gone without us. Call
 * it before starting the helper; it is kept across execve(), so never before a
 * pass-through exec.
 *
 * Return: 0 on success, negative errno on failure
 */
int lp_core_reap_adopt_orphans(void)
{
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0;
}

/**
 * reap_children() - Our child processes, zombies included
 *
 * Return: GArray of pid_t (g_array_unref() it), NULL if /proc does not
 *	   show our own PID namespace (its PIDs would name other processes)
 */
static GArray *reap_children(void)
{
	g_autofree char *self = g_file_read_link("/proc/self", NULL);
	GArray *kids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	g_autoptr(GDir) d = NULL;
	const char *name;
	guint64 v;

	if (!self ||
	    !g_ascii_string_to_unsigned(self, 10, 1, G_MAXINT32, &v, NULL) ||
	    (pid_t)v != getpid() || !(d = g_dir_open("/proc", 0, NULL))) {
		g_array_unref(kids);
		return NULL;
	}
	while ((name = g_dir_read_name(d))) {
		LpProcStat st;
		pid_t pid;

		if (!g_ascii_string_to_unsigned(name, 10, 1, G_MAXINT32, &v,
						NULL))
			continue;
		pid = (pid_t)v;
		if (lp_procfs_stat(pid, &st) < 0 || st.ppid != getpid())
			continue;
		g_array_append_val(kids, pid);
	}
	return kids;
}

/**
 * lp_core_reap_stop_child() - Stop and reap a process if it is our child
 * @pid:	PID, e.g. from a PID file or /proc
 * @timeout_ms:	Bound on each wait of lp_core_reap_stop()
 *
 * Anything that is not our child (a PID reused meanwhile, a file naming
 * some other process) is left alone.
 *
 * Return: 0 once it is gone, -ECHILD if it is not our child, other
 *	   negative errno as lp_core_reap_stop()
 */
int lp_core_reap_stop_child(pid_t pid, unsigned int timeout_ms)
{
	lp_autofd int fd = pidfd_open(pid, 0);
	siginfo_t si;
	int r;

	if (fd < 0)
		return -errno;
	/* the pidfd pins the process: this check holds for what we signal */
	if (waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return -errno;
	r = lp_core_reap_stop(fd, timeout_ms);
	if (r == 0)
		waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG);
	return r;
}

/**
 * reap_stop_all() - Stop a list of children
 * @kids:	GArray of pid_t
 * @timeout_ms:	Bound on each wait of lp_core_reap_stop()
 *
 * Return: how many are gone now
 */
static int reap_stop_all(const GArray *kids, unsigned int timeout_ms)
{
	int n = 0;
	guint i;

	for (i = 0; i < kids->len; i++) {
		if (lp_core_reap_stop_child(g_array_index(kids, pid_t, i),
					    timeout_ms) == 0)
			n++;
	}
	return n;
}

/**
 * lp_core_reap_sweep() - Stop every child of this process
 * @timeout_ms:	Bound on each wait of lp_core_reap_stop()
 *
 * For the shim's failure paths: its only children are the real helper it
 * ran and, as a subreaper, the daemons those forked. Scans /proc until no
 * child is left; a child forked while we scan is found on the next round.
 * Gives up when a round stops none (a child survived SIGKILL's wait), or
 * after REAP_SWEEP_ROUNDS rounds.
 *
 * Return: number of children stopped, -ENOENT if /proc cannot tell,
 *	   -EBUSY if some are left
 */
int lp_core_reap_sweep(unsigned int timeout_ms)
{
	unsigned int round;
	int n = 0, r;

	for (round = 0;; round++) {
		g_autoptr(GArray) kids = reap_children();

		if (!kids)
			return -ENOENT;
		if (!kids->len)
			return n;
		if (round == REAP_SWEEP_ROUNDS)
			return -EBUSY;
		r = reap_stop_all(kids, timeout_ms);
		if (!r)
			return -EBUSY;
		n += r;
	}
}
