// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core-spawn.c - shim core: run the real helper, capture its output
 *
 * Copyright lowport authors
 *
 * Podman runs pasta with CombinedOutput(): it returns only when every
 * holder of the output pipe has closed it. So the real helper never gets
 * Podman's stdout or stderr: it writes into our pipe, we wait until it has
 * started (its parent exited, or it wrote its ready byte) and until every
 * process of it let go of the pipe (a daemon dup2()s /dev/null over it),
 * and the front relays the output. Nothing the helper leaves running holds
 * the caller's pipes when the shim exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/util.h"
#include "shim/core.h"
#include "shim/core-spawn.h"

extern char **environ;

/* Bytes read from a pipe at a time */
#define SPAWN_READ_CHUNK 4096

/*
 * SpawnChild - one running real helper
 * @pid:	Its PID
 * @pidfd:	pidfd of it (our child)
 * @out:	Read end of its stdout/stderr pipe
 * @rdy:	Read end of its ready pipe, -1 if none
 * @deadline:	Monotonic time by which it must have started
 * @grace_end:	Once it started: when we stop waiting for the pipe to close
 * @exited:	It exited and was reaped
 * @ready:	It wrote on its ready pipe
 * @eof:	The output pipe is closed by every writer
 * @status:	Wait status, once @exited
 */
typedef struct {
	pid_t pid;
	int pidfd;
	int out;
	int rdy;
	gint64 deadline;
	gint64 grace_end;
	bool exited;
	bool ready;
	bool eof;
	int status;
} SpawnChild;

/**
 * lp_core_spawn_cmd_clear() - Free what a command holds
 * @cmd:	Command, may be zeroed
 */
void lp_core_spawn_cmd_clear(LpCoreCmd *cmd)
{
	g_strfreev(cmd->argv);
	cmd->argv = NULL;
	if (cmd->input)
		g_bytes_unref(cmd->input);
	cmd->input = NULL;
}

/**
 * lp_core_spawn_run_clear() - Free what a run result holds
 * @run:	Result, may be zeroed (a zero @pidfd is not closed)
 */
void lp_core_spawn_run_clear(LpCoreRun *run)
{
	if (run->output)
		g_byte_array_unref(run->output);
	run->output = NULL;
	if (run->ready_bytes)
		g_byte_array_unref(run->ready_bytes);
	run->ready_bytes = NULL;
	if (run->pidfd > 0)
		lp_closep(&run->pidfd);
	run->pidfd = -1;
}

/**
 * spawn_floor() - First descriptor number free of the command's own
 * @cmd:	Command
 *
 * Return: one above @ready_fd, every pass-through descriptor and stderr
 */
static int spawn_floor(const LpCoreCmd *cmd)
{
	int floor = MAX(cmd->ready_fd, STDERR_FILENO) + 1;
	unsigned int i;

	for (i = 0; i < cmd->n_pass_fds; i++)
		floor = MAX(floor, cmd->pass_fds[i] + 1);
	return floor;
}

/**
 * spawn_lift() - Move one of our descriptors to @floor or above
 * @fd:		Descriptor (close-on-exec), replaced in place
 * @floor:	Lowest number allowed
 *
 * The child's file actions dup2() onto the command's own numbers: none of
 * our descriptors may sit there.
 *
 * Return: 0 on success, negative errno on failure
 */
static int spawn_lift(int *fd, int floor)
{
	int nfd;

	if (*fd >= floor)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, floor);
	if (nfd < 0)
		return -errno;
	close(*fd);
	*fd = nfd;
	return 0;
}

/**
 * spawn_input() - A memfd holding the helper's stdin
 * @input:	Bytes
 * @floor:	Lowest descriptor number for it
 *
 * Return: the memfd, at offset 0, close-on-exec; negative errno on failure
 */
static int spawn_input(GBytes *input, int floor)
{
	lp_autofd int fd = memfd_create("lowport-stdin", MFD_CLOEXEC);
	gsize len, done = 0;
	const char *p = g_bytes_get_data(input, &len);
	ssize_t n;
	int r;

	if (fd < 0)
		return -errno;
	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (gsize)n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	r = spawn_lift(&fd, floor);
	if (r < 0)
		return r;
	return lp_steal_fd(&fd);
}

/**
 * spawn_pass() - Let the pass-through descriptors survive exec
 * @cmd:	Command
 *
 * Return: 0 on success, negative errno if one is not open
 */
static int spawn_pass(const LpCoreCmd *cmd)
{
	unsigned int i;
	int fl;

	if (cmd->n_pass_fds > LP_CORE_PASS_FDS_MAX)
		return -EINVAL;
	for (i = 0; i < cmd->n_pass_fds; i++) {
		fl = fcntl(cmd->pass_fds[i], F_GETFD);
		if (fl < 0 ||
		    fcntl(cmd->pass_fds[i], F_SETFD, fl & ~FD_CLOEXEC) < 0)
			return -errno;
	}
	return 0;
}

/**
 * spawn_pipe() - A close-on-exec pipe above @floor
 * @p:		Read and write end
 * @floor:	Lowest descriptor number
 *
 * Return: 0 on success, negative errno on failure (nothing left open)
 */
static int spawn_pipe(int p[2], int floor)
{
	int r;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r = spawn_lift(&p[0], floor);
	if (!r)
		r = spawn_lift(&p[1], floor);
	if (r < 0) {
		lp_closep(&p[0]);
		lp_closep(&p[1]);
	}
	return r;
}

/*
 * SpawnFds - our ends of the helper's descriptors while it starts
 * @out:	Output pipe, read and write end
 * @rdy:	Ready pipe, read and write end, -1 if none
 * @in:		memfd of its stdin, -1 if inherited
 */
typedef struct {
	int out[2];
	int rdy[2];
	int in;
} SpawnFds;

/**
 * spawn_fds_clear() - Close what is left of our descriptors
 * @f:	Descriptors
 */
static void spawn_fds_clear(SpawnFds *f)
{
	lp_closep(&f->out[0]);
	lp_closep(&f->out[1]);
	lp_closep(&f->rdy[0]);
	lp_closep(&f->rdy[1]);
	lp_closep(&f->in);
}

/**
 * spawn_fds_open() - Open the descriptors the helper gets from us
 * @cmd:	Command
 * @f:		Descriptors, all -1 on entry
 *
 * Return: 0 on success, negative errno on failure
 */
static int spawn_fds_open(const LpCoreCmd *cmd, SpawnFds *f)
{
	int floor = spawn_floor(cmd);
	int r;

	r = spawn_pass(cmd);
	if (!r)
		r = spawn_pipe(f->out, floor);
	if (!r && cmd->ready_fd >= 0)
		r = spawn_pipe(f->rdy, floor);
	if (!r && cmd->input) {
		f->in = spawn_input(cmd->input, floor);
		r = f->in < 0 ? f->in : 0;
	}
	return r;
}

/**
 * spawn_start() - Start the real helper on our descriptors
 * @path:	Binary
 * @cmd:	Command
 * @c:		Child state to fill (@pid, @pidfd, @out, @rdy)
 * @error:	LP_CORE_ERROR_REAL on failure
 *
 * Return: TRUE on success
 */
static gboolean spawn_start(const char *path, const LpCoreCmd *cmd,
			    SpawnChild *c, GError **error)
{
	SpawnFds f = {{-1, -1}, {-1, -1}, -1};
	posix_spawn_file_actions_t fa;
	int r;

	r = -spawn_fds_open(cmd, &f);
	if (r)
		goto fail;
	posix_spawn_file_actions_init(&fa);
	/* dup2() clears CLOEXEC on the targets; our own ends close at exec */
	if (f.in >= 0)
		posix_spawn_file_actions_adddup2(&fa, f.in, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, f.out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, f.out[1], STDERR_FILENO);
	if (cmd->ready_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, f.rdy[1], cmd->ready_fd);
	r = posix_spawn(&c->pid, path, &fa, NULL, cmd->argv, environ);
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
	c->out = lp_steal_fd(&f.out[0]);
	c->rdy = lp_steal_fd(&f.rdy[0]);
	spawn_fds_clear(&f);
	return TRUE;
fail:
	spawn_fds_clear(&f);
	g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
		    "cannot run the real %s '%s': %s",
		    cmd->name ? cmd->name : "helper", path, g_strerror(r));
	return FALSE;
}

/**
 * spawn_read() - Read what is in a pipe
 * @fd:		Pipe's read end; set to -1 at end of file
 * @buf:	Bytes kept, appended up to @max
 * @max:	Most bytes kept in @buf
 *
 * Return: bytes read, 0 at end of file or on a transient error
 */
static gssize spawn_read(int *fd, GByteArray *buf, guint max)
{
	guint8 chunk[SPAWN_READ_CHUNK];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		lp_closep(fd);
		return 0;
	}
	if (buf->len < max)
		g_byte_array_append(buf, chunk, MIN((guint)n, max - buf->len));
	return n;
}

/**
 * spawn_started() - The helper exited or said it is ready: start the grace
 * @c:	Child
 */
static void spawn_started(SpawnChild *c)
{
	c->grace_end = g_get_monotonic_time() +
		       LP_CORE_PIPE_GRACE_MS * G_TIME_SPAN_MILLISECOND;
}

/**
 * spawn_reap() - Collect the child's exit status
 * @c:	Child whose pidfd is readable
 */
static void spawn_reap(SpawnChild *c)
{
	while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
		;
	c->exited = true;
	spawn_started(c);
}

/**
 * spawn_poll() - Wait once for output, readiness or exit, and handle it
 * @c:		Child, not yet started or its pipe still open
 * @run:	Result, output and ready bytes filled in
 * @until:	Monotonic time to wait until
 */
static void spawn_poll(SpawnChild *c, LpCoreRun *run, gint64 until)
{
	bool started = c->exited || c->ready;
	struct pollfd pfd[3];
	int i_out = -1, i_rdy = -1, i_pid = -1;
	gint64 now = g_get_monotonic_time();
	nfds_t n = 0;

	if (!c->eof) {
		i_out = (int)n;
		pfd[n++] = (struct pollfd){c->out, POLLIN, 0};
	}
	if (!started && c->rdy >= 0) {
		i_rdy = (int)n;
		pfd[n++] = (struct pollfd){c->rdy, POLLIN, 0};
	}
	if (!started) {
		i_pid = (int)n;
		pfd[n++] = (struct pollfd){c->pidfd, POLLIN, 0};
	}
	if (poll(pfd, n, (int)((until - now + 999) / 1000)) <= 0)
		return;
	if (i_out >= 0 && pfd[i_out].revents) {
		spawn_read(&c->out, run->output, LP_CORE_OUTPUT_MAX);
		c->eof = c->out < 0;
	}
	if (i_rdy >= 0 && pfd[i_rdy].revents &&
	    spawn_read(&c->rdy, run->ready_bytes, LP_CORE_READY_MAX) > 0) {
		c->ready = true;
		spawn_started(c);
	}
	if (i_pid >= 0 && pfd[i_pid].revents && !c->ready)
		spawn_reap(c);
}

/**
 * spawn_wait() - Wait until the helper started and the pipe closed
 * @c:		Child
 * @run:	Result, output filled in
 *
 * Return: true once the child exited or is ready (the pipe may still be
 *	   open if its grace time ran out), false if @deadline passed first
 */
static bool spawn_wait(SpawnChild *c, LpCoreRun *run)
{
	while (!(c->exited || c->ready) || !c->eof) {
		bool started = c->exited || c->ready;
		gint64 until = started ? c->grace_end : c->deadline;

		if (g_get_monotonic_time() >= until)
			return started;
		spawn_poll(c, run, until);
	}
	return true;
}

/**
 * spawn_status() - Fill the result of a finished wait
 * @c:		Child, started
 * @ret:	Result
 */
static void spawn_status(SpawnChild *c, LpCoreRun *ret)
{
	if (c->ready) {
		ret->ready = true;
		ret->pidfd = lp_steal_fd(&c->pidfd);
	} else if (WIFSIGNALED(c->status)) {
		ret->status = 128 + WTERMSIG(c->status);
	} else {
		ret->status = WEXITSTATUS(c->status);
	}
}

/**
 * lp_core_spawn_run() - Run the real helper and wait until it started
 * @path:	Binary
 * @cmd:	Arguments, stdin, descriptors
 * @timeout_ms:	Bound on its start; then it is killed
 * @ret:	Exit status or readiness, and output; lp_core_spawn_run_clear()
 * @error:	LP_CORE_ERROR_REAL if it cannot be run or hangs
 *
 * Standard input is @cmd->input, or inherited; stdout and stderr go to one
 * pipe we read, so nothing the helper leaves running holds the caller's
 * pipes. Started means: exited (any status), or, with a @cmd->ready_fd,
 * wrote there (it then keeps running). On timeout only the helper's own
 * process is killed: a daemon it forked already is re-parented to the
 * caller if that is a subreaper (lp_core_reap_adopt_orphans()), and
 * lp_core_reap_sweep() stops it.
 *
 * Return: TRUE if the helper started
 */
gboolean lp_core_spawn_run(const char *path, const LpCoreCmd *cmd,
			   unsigned int timeout_ms, LpCoreRun *ret,
			   GError **error)
{
	SpawnChild c = {.pidfd = -1, .out = -1, .rdy = -1};
	gboolean ok = TRUE;

	*ret = (LpCoreRun){
		.output = g_byte_array_new(),
		.ready_bytes = g_byte_array_new(),
		.pidfd = -1,
	};
	if (!spawn_start(path, cmd, &c, error))
		return FALSE;
	ret->pid = c.pid;
	c.deadline =
		g_get_monotonic_time() + timeout_ms * G_GINT64_CONSTANT(1000);
	if (!spawn_wait(&c, ret)) {
		/* a child it forked is re-parented: lp_core_reap_sweep() */
		pidfd_send_signal(c.pidfd, SIGKILL, NULL, 0);
		while (waitpid(c.pid, NULL, 0) < 0 && errno == EINTR)
			;
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
			    "the real %s '%s' did not finish starting "
			    "within %u s",
			    cmd->name ? cmd->name : "helper", path,
			    timeout_ms / 1000);
		ok = FALSE;
	} else {
		spawn_status(&c, ret);
	}
	lp_closep(&c.pidfd);
	lp_closep(&c.out);
	lp_closep(&c.rdy);
	return ok;
}

/**
 * lp_core_spawn_pass_ready() - Ready gate: pass the helper's ready message
 * @cmd:	Command it ran with; our own @ready_fd is the caller's
 * @run:	Run that ended ready
 *
 * Writes what the helper wrote to our @cmd->ready_fd and closes it: the
 * caller (Podman) learns the helper is ready only now, once lowportd has
 * admitted the lease.
 *
 * Return: 0 on success (or nothing to pass), negative errno on failure
 */
int lp_core_spawn_pass_ready(const LpCoreCmd *cmd, const LpCoreRun *run)
{
	gsize done = 0;
	int fd = cmd->ready_fd;
	ssize_t n;

	if (fd < 0 || !run->ready)
		return 0;
	while (done < run->ready_bytes->len) {
		n = write(fd, run->ready_bytes->data + done,
			  run->ready_bytes->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (gsize)n;
	}
	return close(fd) < 0 ? -errno : 0;
}

/**
 * lp_core_spawn_exec() - Become the real helper (a pass-through)
 * @path:	Binary
 * @cmd:	Arguments, stdin (@input replays what we read), descriptors;
 *		@ready_fd is passed as it is
 *
 * Return: only on failure, negative errno
 */
int lp_core_spawn_exec(const char *path, const LpCoreCmd *cmd)
{
	int r = spawn_pass(cmd), in;

	if (r < 0)
		return r;
	if (cmd->input) {
		in = spawn_input(cmd->input, STDERR_FILENO + 1);
		if (in < 0)
			return in;
		if (dup2(in, STDIN_FILENO) < 0) {
			r = -errno;
			close(in);
			return r;
		}
		close(in);
	}
	execv(path, cmd->argv);
	return -errno;
}
