// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * shim-exec.c - find the real pasta, run it, read its PID file, stop it
 *
 * Copyright lowport authors
 *
 * Podman runs pasta with CombinedOutput(): it returns only when every
 * holder of the output pipe has closed it (research podman_interfaces.md
 * 1.4). So the real pasta never gets Podman's pipe: it writes into ours,
 * we wait for its parent to exit and for its daemonized child to let go of
 * the pipe (it dup2()s /dev/null over it), and relay the output ourselves.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/policy.h"
#include "shim/shim-args.h"
#include "shim/shim-exec.h"
#include "netutils/util.h"

extern char **environ;

/* Longest LOWPORT_SHIM_SEEN value read, and most entries in it */
#define SHIM_SEEN_MAX	  4096
#define SHIM_SEEN_IDS_MAX 16
/* $PATH when unset (what most shells default to) */
#define SHIM_DEFAULT_PATH                                                      \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* Bytes read from the pipe at a time */
#define SHIM_READ_CHUNK 4096
/* Longest PID file accepted */
#define SHIM_PID_FILE_MAX 32
/* Bytes of /proc/PID/stat read: enough for pid, comm (at most 64) and ppid */
#define SHIM_STAT_MAX 256
/* Scans of /proc for children to stop before giving up on new ones */
#define SHIM_SWEEP_ROUNDS 3

/* glibc 2.36 has waitid() but not this idtype (linux/wait.h clashes) */
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/**
 * lp_shim_run_clear() - Free what a run result holds
 * @run:	Result, may be zeroed
 */
void lp_shim_run_clear(LpShimRun *run)
{
	if (run->output)
		g_byte_array_unref(run->output);
	run->output = NULL;
}

/**
 * shim_id_of() - Identity of a file, symlinks followed
 * @path:	Path
 * @ret:	Identity
 *
 * Return: 0 on success, negative errno on failure
 */
static int shim_id_of(const char *path, LpShimFileId *ret)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	*ret = (LpShimFileId){st.st_dev, st.st_ino};
	return 0;
}

/**
 * shim_id_in() - Tell whether an identity is in a list
 * @ids:	GArray of LpShimFileId
 * @id:		Identity
 *
 * Return: true if found
 */
static bool shim_id_in(const GArray *ids, const LpShimFileId *id)
{
	guint i;

	for (i = 0; i < ids->len; i++) {
		const LpShimFileId *x = &g_array_index(ids, LpShimFileId, i);

		if (x->dev == id->dev && x->ino == id->ino)
			return true;
	}
	return false;
}

/**
 * shim_parse_seen() - Add the identities in LOWPORT_SHIM_SEEN to a list
 * @ids:	GArray of LpShimFileId to append to
 * @text:	"DEV:INO,DEV:INO,...", malformed entries ignored
 */
static void shim_parse_seen(GArray *ids, const char *text)
{
	g_auto(GStrv) items = NULL;
	guint i;

	if (strnlen(text, SHIM_SEEN_MAX + 1) > SHIM_SEEN_MAX)
		return;
	items = g_strsplit(text, ",", SHIM_SEEN_IDS_MAX + 1);
	for (i = 0; items[i] && i < SHIM_SEEN_IDS_MAX; i++) {
		guint64 dev, ino;
		LpShimFileId id;

		if (sscanf(items[i], "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
			   &dev, &ino) != 2)
			continue;
		id = (LpShimFileId){(dev_t)dev, (ino_t)ino};
		if (!shim_id_in(ids, &id))
			g_array_append_val(ids, id);
	}
}

/**
 * lp_shim_exec_self_ids() - Binaries that must not be run as the real pasta
 *
 * Return: GArray of LpShimFileId: this executable (/proc/self/exe) first if
 *	   it can be found, then those in $LOWPORT_SHIM_SEEN; free with
 *	   g_array_unref()
 */
GArray *lp_shim_exec_self_ids(void)
{
	GArray *ids = g_array_new(FALSE, TRUE, sizeof(LpShimFileId));
	const char *seen = g_getenv(LP_SHIM_ENV_SEEN);
	LpShimFileId self;

	if (shim_id_of("/proc/self/exe", &self) == 0)
		g_array_append_val(ids, self);
	if (seen)
		shim_parse_seen(ids, seen);
	return ids;
}

/**
 * lp_shim_exec_seen_env() - Value of LOWPORT_SHIM_SEEN for the real pasta
 * @ids:	GArray of LpShimFileId, from lp_shim_exec_self_ids()
 *
 * Return: "DEV:INO,..." of at most SHIM_SEEN_IDS_MAX entries; g_free() it
 */
char *lp_shim_exec_seen_env(const GArray *ids)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < ids->len && i < SHIM_SEEN_IDS_MAX; i++) {
		const LpShimFileId *x = &g_array_index(ids, LpShimFileId, i);

		g_string_append_printf(
			s, "%s%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
			i ? "," : "", (guint64)x->dev, (guint64)x->ino);
	}
	return g_string_free(s, FALSE);
}

/**
 * shim_usable() - Tell whether a file can be run as the real pasta
 * @path:	Candidate
 * @skip:	GArray of LpShimFileId that are lowport shims
 *
 * Return: 0 if it is an executable regular file and no shim, -ELOOP if it
 *	   is a shim, other negative errno if it cannot be run
 */
static int shim_usable(const char *path, const GArray *skip)
{
	LpShimFileId id;
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (access(path, X_OK) < 0)
		return -errno;
	id = (LpShimFileId){st.st_dev, st.st_ino};
	return shim_id_in(skip, &id) ? -ELOOP : 0;
}

/**
 * shim_search_dir() - Look for an executable "pasta" in one directory
 * @dir:	Directory, absolute (others are ignored, as Go's LookPath
 *		refuses relative results)
 * @skip:	GArray of LpShimFileId to pass over
 *
 * Return: path of the binary (g_free() it), or NULL
 */
static char *shim_search_dir(const char *dir, const GArray *skip)
{
	g_autofree char *path = NULL;

	if (!dir || dir[0] != '/')
		return NULL;
	path = g_build_filename(dir, "pasta", NULL);
	return shim_usable(path, skip) == 0 ? g_steal_pointer(&path) : NULL;
}

/**
 * lp_shim_exec_search() - Find the next "pasta" that is not a lowport shim
 * @dirs:	NULL-terminated directories searched first (Podman's helper
 *		directories); empty and relative entries are skipped
 * @path_env:	$PATH-style list searched next, may be NULL
 * @skip:	GArray of LpShimFileId that are lowport shims
 *
 * Return: path of the first executable regular file named "pasta" whose
 *	   identity is not in @skip (g_free() it), or NULL
 */
char *lp_shim_exec_search(const char *const *dirs, const char *path_env,
			  const GArray *skip)
{
	g_auto(GStrv) path_dirs = NULL;
	char *found;
	guint i;

	for (i = 0; dirs && dirs[i]; i++) {
		if ((found = shim_search_dir(dirs[i], skip)))
			return found;
	}
	if (!path_env)
		return NULL;
	path_dirs = g_strsplit(path_env, ":", -1);
	for (i = 0; path_dirs[i]; i++) {
		if ((found = shim_search_dir(path_dirs[i], skip)))
			return found;
	}
	return NULL;
}

/**
 * shim_configured() - Check a real pasta named by the environment or policy
 * @path:	Configured path
 * @where:	Where it was configured, for the message
 * @self:	GArray of LpShimFileId that are lowport shims
 * @error:	LP_SHIM_ERROR_PASTA if it cannot be used
 *
 * Return: copy of @path, NULL on error
 */
static char *shim_configured(const char *path, const char *where,
			     const GArray *self, GError **error)
{
	int r = shim_usable(path, self);

	if (r == 0)
		return g_strdup(path);
	g_set_error(error, LP_SHIM_ERROR, LP_SHIM_ERROR_PASTA,
		    "real pasta '%s' (%s) %s", path, where,
		    r == -ELOOP ? "is the lowport pasta shim itself"
				: g_strerror(-r));
	return NULL;
}

/**
 * shim_policy_pasta() - [lowport] real-pasta of the policy, if readable
 *
 * A missing, unreadable or broken policy is no error here: lowportd
 * reports those.
 *
 * Return: the path (g_free() it), or NULL
 */
static char *shim_policy_pasta(void)
{
	const char *path = g_getenv(LP_SHIM_ENV_POLICY);
	g_autoptr(LpPolicy) policy = NULL;

	policy = lp_policy_load(path && *path ? path : LOWPORT_POLICY_PATH,
				NULL);
	if (!policy || !lp_policy_real_pasta(policy))
		return NULL;
	return g_strdup(lp_policy_real_pasta(policy));
}

/**
 * lp_shim_exec_find_pasta() - Find the real pasta
 * @self:	GArray of LpShimFileId that are lowport shims
 * @error:	LP_SHIM_ERROR_PASTA if none is found or the configured one
 *		cannot be run
 *
 * Order: $LOWPORT_REAL_PASTA; [lowport] real-pasta in the policy; "pasta"
 * in $CONTAINERS_HELPER_BINARY_DIR, Podman's four default helper
 * directories and $PATH, skipping lowport shims.
 *
 * Return: path (g_free() it), NULL on error
 */
char *lp_shim_exec_find_pasta(const GArray *self, GError **error)
{
	const char *dirs[] = {g_getenv("CONTAINERS_HELPER_BINARY_DIR"),
			      LP_SHIM_PODMAN_HELPER_DIRS, NULL};
	const char *env = g_getenv(LP_SHIM_ENV_REAL_PASTA);
	const char *path_env = g_getenv("PATH");
	g_autofree char *configured = NULL;
	char *found;

	if (env && *env) {
		return shim_configured(env, "from $" LP_SHIM_ENV_REAL_PASTA,
				       self, error);
	}
	if ((configured = shim_policy_pasta())) {
		return shim_configured(configured, "from [lowport] real-pasta",
				       self, error);
	}
	found = lp_shim_exec_search(dirs[0] ? dirs : dirs + 1,
				    path_env ? path_env : SHIM_DEFAULT_PATH,
				    self);
	if (found)
		return found;
	g_set_error(error, LP_SHIM_ERROR, LP_SHIM_ERROR_PASTA,
		    "cannot find the real pasta (no other 'pasta' in Podman's "
		    "helper directories or $PATH); install passt, or set "
		    "real-pasta in [lowport] of %s",
		    LOWPORT_POLICY_PATH);
	return NULL;
}

/**
 * lp_shim_exec_pid_file() - Create an empty file for pasta's --pid
 * @ret_path:	Its path, g_free() it; the caller removes the file
 *
 * In $XDG_RUNTIME_DIR if set, else /tmp; mode 0600.
 *
 * Return: 0 on success, negative errno on failure
 */
int lp_shim_exec_pid_file(char **ret_path)
{
	const char *dir = g_getenv("XDG_RUNTIME_DIR");
	g_autofree char *path = NULL;
	int fd;

	if (!dir || dir[0] != '/')
		dir = "/tmp";
	path = g_build_filename(dir, "lowport-pasta-XXXXXX", NULL);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	*ret_path = g_steal_pointer(&path);
	return 0;
}

/**
 * lp_shim_exec_read_pid() - Read the PID pasta wrote into its --pid file
 * @path:	File
 * @ret_pid:	PID
 *
 * Return: 0 on success, -EIO if the file holds no PID (a single positive
 *	   decimal number and optional newline), other negative errno if it
 *	   cannot be read
 */
int lp_shim_exec_read_pid(const char *path, pid_t *ret_pid)
{
	char buf[SHIM_PID_FILE_MAX + 1];
	lp_autofd int fd = -1;
	guint64 v;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, SHIM_PID_FILE_MAX);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (!g_ascii_string_to_unsigned(buf, 10, 1, G_MAXINT32, &v, NULL))
		return -EIO;
	*ret_pid = (pid_t)v;
	return 0;
}

/*
 * ShimChild - one running real pasta
 * @pid:	Its PID
 * @pidfd:	pidfd of it (our child)
 * @out:	Read end of its stdout/stderr pipe
 * @deadline:	Monotonic time by which it must have exited
 * @grace_end:	Once it exited: when we stop waiting for the pipe to close
 * @exited:	It exited and was reaped
 * @eof:	The pipe is closed by every writer
 * @status:	Wait status, once @exited
 */
typedef struct {
	pid_t pid;
	int pidfd;
	int out;
	gint64 deadline;
	gint64 grace_end;
	bool exited;
	bool eof;
	int status;
} ShimChild;

/**
 * shim_spawn() - Start the real pasta with stdout and stderr on a pipe
 * @path:	Binary
 * @argv:	Arguments, argv[0] included
 * @c:		Child state to fill (@pid, @pidfd, @out)
 * @error:	LP_SHIM_ERROR_PASTA on failure
 *
 * Return: TRUE on success
 */
static gboolean shim_spawn(const char *path, char *const *argv, ShimChild *c,
			   GError **error)
{
	posix_spawn_file_actions_t fa;
	lp_autofd int rd = -1, wr = -1;
	int p[2], r;

	if (pipe2(p, O_CLOEXEC) < 0) {
		r = errno;
		goto fail;
	}
	rd = p[0];
	wr = p[1];
	posix_spawn_file_actions_init(&fa);
	/* dup2() clears CLOEXEC on 1 and 2; rd and wr close at exec */
	posix_spawn_file_actions_adddup2(&fa, wr, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, wr, STDERR_FILENO);
	r = posix_spawn(&c->pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		goto fail;
	c->pidfd = pidfd_open(c->pid, 0);
	if (c->pidfd < 0) {
		r = errno;
		kill(c->pid, SIGKILL); /* our unreaped child: no PID reuse */
		waitpid(c->pid, NULL, 0);
		goto fail;
	}
	c->out = lp_steal_fd(&rd);
	return TRUE;
fail:
	g_set_error(error, LP_SHIM_ERROR, LP_SHIM_ERROR_PASTA,
		    "cannot run the real pasta '%s': %s", path, g_strerror(r));
	return FALSE;
}

/**
 * shim_child_read() - Read what is in the pipe
 * @c:		Child
 * @run:	Result, output appended up to LP_SHIM_OUTPUT_MAX
 */
static void shim_child_read(ShimChild *c, LpShimRun *run)
{
	guint8 buf[SHIM_READ_CHUNK];
	ssize_t n = read(c->out, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		c->eof = true;
		return;
	}
	if (run->output->len < LP_SHIM_OUTPUT_MAX) {
		g_byte_array_append(
			run->output, buf,
			MIN((guint)n, LP_SHIM_OUTPUT_MAX - run->output->len));
	}
}

/**
 * shim_child_reap() - Collect the child's exit status
 * @c:	Child whose pidfd is readable
 */
static void shim_child_reap(ShimChild *c)
{
	while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
		;
	c->exited = true;
	c->grace_end = g_get_monotonic_time() +
		       LP_SHIM_PIPE_GRACE_MS * G_TIME_SPAN_MILLISECOND;
}

/**
 * shim_child_wait() - Wait for pasta's parent to exit and the pipe to close
 * @c:		Child
 * @run:	Result, output filled in
 *
 * Return: true once the child exited (the pipe may still be open if its
 *	   grace time ran out), false if @deadline passed first
 */
static bool shim_child_wait(ShimChild *c, LpShimRun *run)
{
	while (!c->exited || !c->eof) {
		gint64 now = g_get_monotonic_time();
		gint64 until = c->exited ? c->grace_end : c->deadline;
		struct pollfd pfd[2];
		nfds_t n = 0;

		if (now >= until)
			return c->exited;
		if (!c->eof)
			pfd[n++] = (struct pollfd){c->out, POLLIN, 0};
		if (!c->exited)
			pfd[n++] = (struct pollfd){c->pidfd, POLLIN, 0};
		if (poll(pfd, n, (int)((until - now + 999) / 1000)) <= 0)
			continue;
		if (!c->eof && pfd[0].revents)
			shim_child_read(c, run);
		if (!c->exited && pfd[n - 1].fd == c->pidfd &&
		    pfd[n - 1].revents)
			shim_child_reap(c);
	}
	return true;
}

/**
 * lp_shim_exec_run() - Run the real pasta and wait until it daemonized
 * @path:	Binary
 * @argv:	Arguments, argv[0] included
 * @timeout_ms:	Bound on pasta's start; then it is killed
 * @ret:	Exit status and output; lp_shim_run_clear() it
 * @error:	LP_SHIM_ERROR_PASTA if it cannot be run or hangs
 *
 * Standard input is inherited; stdout and stderr go to one pipe we read,
 * so nothing pasta leaves running holds the caller's pipes. On timeout only
 * pasta's own process is killed: a daemon it forked already is re-parented
 * to the caller if that is a subreaper (lp_shim_exec_adopt_orphans()), and
 * lp_shim_exec_sweep() stops it.
 *
 * Return: TRUE if pasta ran and exited (with any status)
 */
gboolean lp_shim_exec_run(const char *path, char *const *argv,
			  unsigned int timeout_ms, LpShimRun *ret,
			  GError **error)
{
	ShimChild c = {.pidfd = -1, .out = -1};
	gboolean ok = TRUE;

	*ret = (LpShimRun){.output = g_byte_array_new()};
	if (!shim_spawn(path, argv, &c, error))
		return FALSE;
	c.deadline =
		g_get_monotonic_time() + timeout_ms * G_GINT64_CONSTANT(1000);
	if (!shim_child_wait(&c, ret)) {
		/* a child it forked is re-parented: lp_shim_exec_sweep() */
		pidfd_send_signal(c.pidfd, SIGKILL, NULL, 0);
		while (waitpid(c.pid, NULL, 0) < 0 && errno == EINTR)
			;
		g_set_error(error, LP_SHIM_ERROR, LP_SHIM_ERROR_PASTA,
			    "the real pasta '%s' did not finish starting "
			    "within %u s",
			    path, timeout_ms / 1000);
		ok = FALSE;
	} else if (WIFSIGNALED(c.status)) {
		ret->status = 128 + WTERMSIG(c.status);
	} else {
		ret->status = WEXITSTATUS(c.status);
	}
	lp_closep(&c.pidfd);
	lp_closep(&c.out);
	return ok;
}

/**
 * shim_wait_exit() - Wait for a pidfd to become readable (process gone)
 * @pidfd:	pidfd
 * @timeout_ms:	Bound
 *
 * Return: true if the process exited
 */
static bool shim_wait_exit(int pidfd, unsigned int timeout_ms)
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
 * lp_shim_exec_stop() - Make sure a process is gone: SIGTERM, then SIGKILL
 * @pidfd:	pidfd of the daemonized pasta
 * @timeout_ms:	Bound on each wait
 *
 * Return: 0 once it exited, -ETIMEDOUT if it survived SIGKILL's wait, other
 *	   negative errno if it cannot be signalled
 */
int lp_shim_exec_stop(int pidfd, unsigned int timeout_ms)
{
	if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0)
		return errno == ESRCH ? 0 : -errno;
	if (shim_wait_exit(pidfd, timeout_ms))
		return 0;
	if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0)
		return errno == ESRCH ? 0 : -errno;
	return shim_wait_exit(pidfd, timeout_ms) ? 0 : -ETIMEDOUT;
}

/**
 * lp_shim_exec_adopt_orphans() - Become the reaper of orphaned descendants
 *
 * PR_SET_CHILD_SUBREAPER: when pasta's parent exits, its daemonized child
 * is re-parented to us instead of init, so lp_shim_exec_sweep() can find
 * it if pasta failed us. When we exit, it moves on to our nearest
 * subreaper ancestor or init, where it would have gone without us. Call
 * it before starting pasta; it is kept across execve(), so never before a
 * pass-through exec.
 *
 * Return: 0 on success, negative errno on failure
 */
int lp_shim_exec_adopt_orphans(void)
{
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0;
}

/**
 * shim_ppid_of() - Parent PID of a process, from /proc/PID/stat
 * @name:	PID as a /proc entry name
 *
 * Return: its parent's PID, or -1 if unknown
 */
static pid_t shim_ppid_of(const char *name)
{
	g_autofree char *path = g_build_filename("/proc", name, "stat", NULL);
	char buf[SHIM_STAT_MAX + 1];
	lp_autofd int fd = -1;
	const char *p;
	int ppid;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, SHIM_STAT_MAX)) <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold spaces and ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/**
 * shim_children() - Our child processes, zombies included
 *
 * Return: GArray of pid_t (g_array_unref() it), NULL if /proc does not
 *	   show our own PID namespace (its PIDs would name other processes)
 */
static GArray *shim_children(void)
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
		pid_t pid;

		if (!g_ascii_string_to_unsigned(name, 10, 1, G_MAXINT32, &v,
						NULL) ||
		    shim_ppid_of(name) != getpid())
			continue;
		pid = (pid_t)v;
		g_array_append_val(kids, pid);
	}
	return kids;
}

/**
 * lp_shim_exec_stop_child() - Stop and reap a process if it is our child
 * @pid:	PID, e.g. from pasta's PID file or /proc
 * @timeout_ms:	Bound on each wait of lp_shim_exec_stop()
 *
 * Anything that is not our child (a PID reused meanwhile, a file naming
 * some other process) is left alone.
 *
 * Return: 0 once it is gone, -ECHILD if it is not our child, other
 *	   negative errno as lp_shim_exec_stop()
 */
int lp_shim_exec_stop_child(pid_t pid, unsigned int timeout_ms)
{
	lp_autofd int fd = pidfd_open(pid, 0);
	siginfo_t si;
	int r;

	if (fd < 0)
		return -errno;
	/* the pidfd pins the process: this check holds for what we signal */
	if (waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return -errno;
	r = lp_shim_exec_stop(fd, timeout_ms);
	if (r == 0)
		waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG);
	return r;
}

/**
 * shim_stop_all() - Stop a list of children
 * @kids:	GArray of pid_t
 * @timeout_ms:	Bound on each wait of lp_shim_exec_stop()
 *
 * Return: how many are gone now
 */
static int shim_stop_all(const GArray *kids, unsigned int timeout_ms)
{
	int n = 0;
	guint i;

	for (i = 0; i < kids->len; i++) {
		if (lp_shim_exec_stop_child(g_array_index(kids, pid_t, i),
					    timeout_ms) == 0)
			n++;
	}
	return n;
}

/**
 * lp_shim_exec_sweep() - Stop every child of this process
 * @timeout_ms:	Bound on each wait of lp_shim_exec_stop()
 *
 * For the shim's failure paths: its only children are the real pasta it
 * ran and, as a subreaper, the daemons those forked. Scans /proc until no
 * child is left; a child forked while we scan is found on the next round.
 * Gives up when a round stops none (a child survived SIGKILL's wait), or
 * after SHIM_SWEEP_ROUNDS rounds.
 *
 * Return: number of children stopped, -ENOENT if /proc cannot tell,
 *	   -EBUSY if some are left
 */
int lp_shim_exec_sweep(unsigned int timeout_ms)
{
	unsigned int round;
	int n = 0, r;

	for (round = 0;; round++) {
		g_autoptr(GArray) kids = shim_children();

		if (!kids)
			return -ENOENT;
		if (!kids->len)
			return n;
		if (round == SHIM_SWEEP_ROUNDS)
			return -EBUSY;
		r = shim_stop_all(kids, timeout_ms);
		if (!r)
			return -EBUSY;
		n += r;
	}
}
