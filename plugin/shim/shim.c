// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * shim.c - the pasta shim: what Podman runs instead of pasta
 *
 * Copyright lowport authors
 *
 * DOC: Theory of Operation
 *
 * Podman 5 runs "pasta ARGS" with CombinedOutput() and waits for it to
 * exit; exit 0 means pasta bound its ports and daemonized (research
 * podman_interfaces.md 1.3, 1.4). The shim (DESIGN.md "The request path",
 * steps 1-3):
 *
 * 1. Scans ARGS. --version/--help, calls without --netns, with no
 *    privileged host port (the rootless-netns pasta: --pid, no ports), or
 *    with a -t/-u value we do not parse are exec'd on the real pasta
 *    untouched: same argv, same process, no fork.
 * 2. Otherwise picks a free unprivileged backend block for every privileged
 *    -t/-u range (same address and protocol), rewrites only those, adds
 *    --pid FILE if absent, and runs the real pasta with its output in our
 *    pipe. If pasta lost a backend port to someone else meanwhile ("Address
 *    already in use"), it tries other ports, LP_SHIM_RETRIES times at most.
 *    Any other failure: pasta's output as is, pasta's exit status.
 * 3. Opens a pidfd on the daemonized pasta and sends lowportd one forward
 *    request with it. Granted: pasta's warnings (if any) go out, exit 0.
 *    A conflict with the user's own lease is the old pasta of a "podman
 *    restart" that has not quit yet (research podman_interfaces.md 1.6,
 *    Podman #27634): the same request is sent again, on a new connection,
 *    every LP_SHIM_OWN_LEASE_RETRY_MS for LP_SHIM_OWN_LEASE_WAIT_MS at
 *    most, while our pasta runs. Anything else: pasta is stopped (SIGTERM,
 *    then SIGKILL), and one line "lowport: WHY" goes to stderr, exit 1;
 *    Podman shows it as "pasta failed with exit code 1: lowport: WHY".
 *
 * Only the real pasta is ever started, with our pipe as stdout/stderr: when
 * we exit, no process of ours holds Podman's pipe. Before starting it we
 * become a child subreaper, so pasta's daemon is re-parented to us when
 * pasta's parent exits; on any failure every child left is stopped (a
 * pasta that timed out after forking, one that left no PID). On success we
 * exit and the daemon moves on to wherever it would have gone without us.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/client.h"
#include "netutils/pidfd.h"
#include "netutils/protocol.h"
#include "shim/shim-args.h"
#include "shim/shim-exec.h"
#include "shim/shim-ports.h"
#include "shim/shim.h"
#include "netutils/util.h"

/* What pasta prints when a port it should bind is taken */
#define SHIM_EADDRINUSE_TEXT "Address already in use"
/* lowportd's conflict with the user's own lease (another user's differs) */
#define SHIM_OWN_LEASE_TEXT "already forwarded by your lease"

/*
 * Shim - one run of the shim
 * @args:	Scanned argv
 * @plan:	Rewrite plan
 * @pasta:	Real pasta
 * @pid_file:	--pid file we added (removed at the end), NULL if argv has one
 * @tried:	LpShimBlock with the backend ports of failed attempts in
 *		@host_port, avoided by later attempts
 * @backend:	First backend port of each block of @plan
 * @run:	Last run of the real pasta
 * @pidfd:	pidfd of the daemonized pasta, -1 if none
 */
typedef struct {
	LpShimArgs *args;
	LpShimPlan *plan;
	char *pasta;
	char *pid_file;
	GArray *tried;
	uint16_t *backend;
	LpShimRun run;
	int pidfd;
} Shim;

/**
 * shim_clear() - Free what a shim run holds, remove our PID file
 * @s:	Shim
 */
static void shim_clear(Shim *s)
{
	if (s->pid_file)
		unlink(s->pid_file);
	g_free(s->pid_file);
	lp_shim_plan_free(s->plan);
	lp_shim_args_free(s->args);
	g_free(s->pasta);
	if (s->tried)
		g_array_unref(s->tried);
	g_free(s->backend);
	lp_shim_run_clear(&s->run);
	lp_closep(&s->pidfd);
}

/**
 * lp_shim_unpriv_start() - Read net.ipv4.ip_unprivileged_port_start
 *
 * Return: first port an unprivileged process may bind, or
 *	   LP_SHIM_UNPRIV_DEFAULT if /proc cannot tell
 */
unsigned int lp_shim_unpriv_start(void)
{
	g_autofree char *text = NULL;
	guint64 v;

	if (!g_file_get_contents(
		    "/proc/sys/net/ipv4/ip_unprivileged_port_start", &text,
		    NULL, NULL) ||
	    !g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, 65536, &v,
					NULL))
		return LP_SHIM_UNPRIV_DEFAULT;
	return (unsigned int)v;
}

/**
 * shim_port_used() - LpShimPortUsedFn: named in argv, or tried before
 * @proto:	Protocol
 * @port:	Port
 * @data:	Shim
 *
 * Return: true if @port must not be a backend port
 */
static bool shim_port_used(int proto, unsigned int port, void *data)
{
	const Shim *s = data;
	guint i;

	if (lp_shim_args_names_port(s->args, proto, port))
		return true;
	for (i = 0; i < s->tried->len; i++) {
		const LpShimBlock *b = &g_array_index(s->tried, LpShimBlock, i);

		if (b->proto == proto && b->host_port <= port &&
		    port < (unsigned int)b->host_port + b->size)
			return true;
	}
	return false;
}

/**
 * shim_pick() - Pick backend ports, above the ephemeral range if possible
 * @s:			Shim
 * @unpriv_start:	First unprivileged port
 * @error:		LP_SHIM_ERROR_PORTS if none are free
 *
 * Return: TRUE with @s->backend filled
 */
static gboolean shim_pick(Shim *s, unsigned int unpriv_start, GError **error)
{
	const LpShimBlock *blocks = (LpShimBlock *)s->plan->blocks->data;
	guint n = s->plan->blocks->len;
	LpShimPortWindow w;

	lp_shim_ports_window(unpriv_start, true, &w);
	w.used = shim_port_used;
	w.used_data = s;
	if (lp_shim_ports_pick(&w, blocks, n, s->backend, NULL))
		return TRUE;
	lp_shim_ports_window(unpriv_start, false, &w);
	w.used = shim_port_used;
	w.used_data = s;
	return lp_shim_ports_pick(&w, blocks, n, s->backend, error);
}

/**
 * shim_remember_tried() - Avoid this attempt's backend ports from now on
 * @s:	Shim
 */
static void shim_remember_tried(Shim *s)
{
	guint i;

	for (i = 0; i < s->plan->blocks->len; i++) {
		LpShimBlock b = g_array_index(s->plan->blocks, LpShimBlock, i);

		b.host_port = s->backend[i];
		g_array_append_val(s->tried, b);
	}
}

/**
 * shim_lost_race() - Tell whether pasta failed on a taken port
 * @run:	Finished run
 *
 * Return: true if it failed saying "Address already in use"
 */
static bool shim_lost_race(const LpShimRun *run)
{
	return run->status != 0 &&
	       memmem(run->output->data, run->output->len, SHIM_EADDRINUSE_TEXT,
		      strlen(SHIM_EADDRINUSE_TEXT));
}

/**
 * shim_start_pasta() - Run the real pasta on rewritten argv
 * @s:			Shim with @plan and @pasta
 * @unpriv_start:	First unprivileged port
 * @error:		Set if pasta could not be run at all
 *
 * Return: TRUE if pasta ran; @s->run tells how it ended
 */
static gboolean shim_start_pasta(Shim *s, unsigned int unpriv_start,
				 GError **error)
{
	unsigned int attempt;

	s->backend = g_new0(uint16_t, MAX(s->plan->blocks->len, 1U));
	for (attempt = 0;; attempt++) {
		g_auto(GStrv) argv = NULL;

		lp_shim_run_clear(&s->run);
		if (!shim_pick(s, unpriv_start, error))
			return FALSE;
		argv = lp_shim_plan_argv(s->plan, s->backend, s->pid_file,
					 error);
		if (!argv)
			return FALSE;
		if (!lp_shim_exec_run(s->pasta, argv, LP_SHIM_PASTA_TIMEOUT_MS,
				      &s->run, error))
			return FALSE;
		if (attempt == LP_SHIM_RETRIES || !shim_lost_race(&s->run))
			return TRUE;
		shim_remember_tried(s);
	}
}

/**
 * shim_open_pasta() - Open a pidfd on the daemonized pasta
 * @s:		Shim, pasta exited 0
 * @error:	LP_SHIM_ERROR_PASTA on failure
 *
 * Return: TRUE with @s->pidfd set
 */
static gboolean shim_open_pasta(Shim *s, GError **error)
{
	const char *path = s->pid_file ? s->pid_file : s->args->pid_file;
	pid_t pid;
	int r;

	r = lp_shim_exec_read_pid(path, &pid);
	if (r < 0) {
		g_set_error(error, LP_SHIM_ERROR, LP_SHIM_ERROR_PASTA,
			    "pasta started but left no PID in '%s' (%s)", path,
			    g_strerror(-r));
		return FALSE;
	}
	s->pidfd = lp_pidfd_open(pid);
	if (s->pidfd < 0) {
		g_set_error(error, LP_SHIM_ERROR, LP_SHIM_ERROR_PASTA,
			    "pasta (PID %d) is gone right after it started: %s",
			    (int)pid, g_strerror(-s->pidfd));
		return FALSE;
	}
	return TRUE;
}

/**
 * shim_request_once() - Ask lowportd to forward the privileged ports
 * @s:		Shim with @pidfd
 * @error:	LP_CLIENT_ERROR, LP_PROTOCOL_ERROR, or LP_REPLY_ERROR with
 *		lowportd's reason
 *
 * Return: TRUE if lowportd granted the lease
 */
static gboolean shim_request_once(const Shim *s, GError **error)
{
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_FORWARD);
	g_autoptr(LpReply) reply = NULL;

	req->netns = g_strdup(s->args->netns);
	g_array_unref(req->mappings);
	req->mappings = lp_shim_plan_mappings(s->plan, s->backend);
	reply = lp_client_call(lp_client_socket_path(), req, s->pidfd,
			       LP_CLIENT_TIMEOUT_MS, error);
	return reply && lp_reply_check(reply, error);
}

/**
 * shim_own_lease() - Tell whether lowportd refused for the user's own lease
 * @error:	Refusal
 *
 * Return: true for "conflict" with the user's own lease, false for any
 *	   other refusal (another user's lease above all)
 */
static bool shim_own_lease(const GError *error)
{
	return g_error_matches(error, LP_REPLY_ERROR, LP_ERR_CONFLICT) &&
	       strstr(error->message, SHIM_OWN_LEASE_TEXT);
}

/**
 * shim_pause() - Wait before asking again, unless pasta quit or time is up
 * @pidfd:	pidfd of our pasta
 * @end:	Monotonic time after which we stop asking
 *
 * Return: true to ask again
 */
static bool shim_pause(int pidfd, gint64 end)
{
	struct pollfd pfd = {pidfd, POLLIN, 0};
	gint64 now = g_get_monotonic_time();
	int r;

	if (now >= end)
		return false;
	r = poll(
		&pfd, 1,
		(int)MIN(LP_SHIM_OWN_LEASE_RETRY_MS, (end - now + 999) / 1000));
	return r == 0 || (r < 0 && errno == EINTR);
}

/**
 * shim_request() - Ask lowportd, waiting out the user's own old lease
 * @s:		Shim with @pidfd
 * @error:	As shim_request_once(), from the last answer
 *
 * Return: TRUE if lowportd granted the lease
 */
static gboolean shim_request(const Shim *s, GError **error)
{
	g_autoptr(GError) err = NULL;
	gint64 end = 0;

	while (!shim_request_once(s, &err)) {
		if (!shim_own_lease(err))
			break;
		if (!end)
			end = g_get_monotonic_time() +
			      LP_SHIM_OWN_LEASE_WAIT_MS *
				      G_TIME_SPAN_MILLISECOND;
		if (!shim_pause(s->pidfd, end))
			break;
		g_clear_error(&err);
	}
	if (!err)
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&err));
	return FALSE;
}

/**
 * shim_sweep() - Leave no pasta running after a failure
 * @s:	Shim
 *
 * Stops the PID in pasta's PID file if it is our child, then every other
 * child (see lp_shim_exec_sweep()).
 */
static void shim_sweep(const Shim *s)
{
	const char *path = s->pid_file ? s->pid_file : s->args->pid_file;
	pid_t pid;

	if (path && lp_shim_exec_read_pid(path, &pid) == 0)
		lp_shim_exec_stop_child(pid, LP_SHIM_STOP_TIMEOUT_MS);
	lp_shim_exec_sweep(LP_SHIM_STOP_TIMEOUT_MS);
}

/**
 * shim_forward() - Steps 2 and 3: start pasta, get the lease
 * @s:			Shim with @args, @plan and @pasta
 * @unpriv_start:	First unprivileged port
 * @error:		Why it failed; pasta is stopped by then
 *
 * Whatever fails, no pasta of ours is left running.
 *
 * Return: TRUE if pasta runs and the lease is granted, or if pasta itself
 *	   failed (@s->run.status != 0); FALSE on error
 */
static gboolean shim_forward(Shim *s, unsigned int unpriv_start, GError **error)
{
	int r;

	if (!s->args->pid_file) {
		r = lp_shim_exec_pid_file(&s->pid_file);
		if (r < 0) {
			g_set_error(error, LP_SHIM_ERROR, LP_SHIM_ERROR_PASTA,
				    "cannot create a PID file for pasta: %s",
				    g_strerror(-r));
			return FALSE;
		}
	}
	/* if this fails, orphans go to init as without us: not fatal */
	lp_shim_exec_adopt_orphans();
	if (shim_start_pasta(s, unpriv_start, error)) {
		if (s->run.status != 0) {
			shim_sweep(s);
			return TRUE;
		}
		if (shim_open_pasta(s, error) && shim_request(s, error))
			return TRUE;
	}
	if (s->pidfd >= 0)
		lp_shim_exec_stop(s->pidfd, LP_SHIM_STOP_TIMEOUT_MS);
	shim_sweep(s);
	return FALSE;
}

/**
 * shim_fail() - Print the one "lowport: ..." line, on one line
 * @error:	What went wrong
 *
 * Return: 1, the exit status for a refusal
 */
static int shim_fail(const GError *error)
{
	g_autofree char *msg = g_strdup(error->message);

	g_strdelimit(msg, "\r\n", ' ');
	fprintf(stderr, "lowport: %s\n", msg);
	return 1;
}

/**
 * shim_relay() - Pass pasta's output on unchanged
 * @run:	Finished run
 */
static void shim_relay(const LpShimRun *run)
{
	if (run->output->len)
		fwrite(run->output->data, 1, run->output->len, stderr);
	fflush(stderr);
}

/**
 * shim_prepare() - Step 1: scan argv, decide, find the real pasta
 * @s:		Shim
 * @argc:	Argument count
 * @argv:	Arguments
 * @unpriv_start:	First unprivileged port
 * @error:	Why the call is refused
 *
 * Sets $LOWPORT_SHIM_SEEN so a copy of the shim that we run by mistake
 * skips us and itself.
 *
 * Return: TRUE with @s->pasta set, @s->plan NULL for a pass-through
 */
static gboolean shim_prepare(Shim *s, int argc, char **argv,
			     unsigned int unpriv_start, GError **error)
{
	g_autoptr(GArray) self = lp_shim_exec_self_ids();
	g_autofree char *seen = lp_shim_exec_seen_env(self);

	s->args = lp_shim_args_parse(argc, argv, error);
	if (!s->args ||
	    !lp_shim_plan_build(s->args, unpriv_start, &s->plan, error))
		return FALSE;
	s->pasta = lp_shim_exec_find_pasta(self, error);
	if (!s->pasta)
		return FALSE;
	g_setenv(LP_SHIM_ENV_SEEN, seen, TRUE);
	return TRUE;
}

/**
 * lp_shim_main() - The shim, from argv to exit status
 * @argc:	Argument count
 * @argv:	pasta's arguments as Podman passes them
 *
 * Return: 0 when pasta runs and its privileged ports are forwarded;
 *	   pasta's own status when pasta failed (its output relayed); 1 with
 *	   "lowport: ..." on stderr when lowport refused or failed. A
 *	   pass-through does not return unless exec fails.
 */
int lp_shim_main(int argc, char **argv)
{
	unsigned int unpriv_start = lp_shim_unpriv_start();
	g_autoptr(GError) error = NULL;
	Shim s = {.pidfd = -1};
	int status = 0;

	s.tried = g_array_new(FALSE, TRUE, sizeof(LpShimBlock));
	if (!shim_prepare(&s, argc, argv, unpriv_start, &error)) {
		status = shim_fail(error);
	} else if (!s.plan) {
		execv(s.pasta, argv);
		g_set_error(&error, LP_SHIM_ERROR, LP_SHIM_ERROR_PASTA,
			    "cannot run the real pasta '%s': %s", s.pasta,
			    g_strerror(errno));
		status = shim_fail(error);
	} else if (!shim_forward(&s, unpriv_start, &error)) {
		status = shim_fail(error);
	} else {
		shim_relay(&s.run);
		status = s.run.status;
	}
	shim_clear(&s);
	return status;
}
