// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * front-pasta.c - pasta front: what Podman runs instead of pasta
 *
 * Copyright lowport authors
 *
 * DOC: Theory of Operation
 *
 * Podman 5 runs "pasta ARGS" with CombinedOutput() and waits for it to
 * exit; exit 0 means pasta bound its ports and daemonized. This front:
 *
 * 1. Scans ARGS (pasta-args.c) and plans the rewrite (pasta-plan.c).
 *    --version/--help, calls without --netns, with no privileged host port
 *    (the rootless-netns pasta: --pid, no ports), or with a -t/-u value we
 *    do not parse are exec'd on the real pasta untouched: same argv, same
 *    process, no fork.
 * 2. Otherwise adds --pid FILE if absent and hands the privileged blocks
 *    to the core (core.c), which picks backend ports, has this front
 *    rewrite only those -t/-u ranges (same address and container ports),
 *    runs pasta, retries on "Address already in use", and asks lowportd
 *    for a lease on the daemonized pasta named in the PID file.
 * 3. Granted: pasta's output (warnings, if any) goes to stderr, exit 0.
 *    pasta failed: its output as is, its exit status. Refused or failed
 *    otherwise: pasta is stopped, one line "lowport: WHY" goes to stderr,
 *    exit 1; Podman shows it as "pasta failed with exit code 1: lowport:
 *    WHY".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/pidfd.h"
#include "netutils/policy.h"
#include "netutils/procfs.h"
#include "netutils/util.h"
#include "shim/core.h"
#include "shim/core-reap.h"
#include "shim/front-pasta.h"
#include "shim/pasta-args.h"
#include "shim/pasta-plan.h"
#include "shim/pasta-probe.h"

/* What pasta prints when a port it should bind is taken */
#define FRONT_PASTA_EADDRINUSE_TEXT "Address already in use"
/* Longest PID file accepted */
#define FRONT_PASTA_PID_FILE_MAX 32

/* The real pasta: Podman finds it in its helper directories, then $PATH */
const LpCoreHelper lp_front_pasta_helper = {
	.name = "pasta",
	.package = "passt",
	.search_path = true,
	.policy_key = "real-pasta",
	.policy_path = lp_policy_real_pasta,
};

/*
 * FrontPasta - one call of the pasta front
 * @core:	Core state (first: the core's callbacks cast it back)
 * @args:	Scanned argv
 * @plan:	Rewrite plan, NULL for a pass-through
 * @pid_file:	--pid file we added (removed at the end), NULL if argv has one
 */
typedef struct {
	LpCoreFront core;
	LpPastaArgs *args;
	LpPastaPlan *plan;
	char *pid_file;
} FrontPasta;

/**
 * lp_front_pasta_pid_file() - Create an empty file for pasta's --pid
 * @ret_path:	Its path, g_free() it; the caller removes the file
 *
 * In $XDG_RUNTIME_DIR if set, else /tmp; mode 0600.
 *
 * Return: 0 on success, negative errno on failure
 */
int lp_front_pasta_pid_file(char **ret_path)
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
 * lp_front_pasta_read_pid() - Read the PID pasta wrote into its --pid file
 * @path:	File
 * @ret_pid:	PID
 *
 * Return: 0 on success, -EIO if the file holds no PID (a single positive
 *	   decimal number and optional newline), other negative errno if it
 *	   cannot be read
 */
int lp_front_pasta_read_pid(const char *path, pid_t *ret_pid)
{
	char buf[FRONT_PASTA_PID_FILE_MAX + 1];
	lp_autofd int fd = -1;
	guint64 v;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, FRONT_PASTA_PID_FILE_MAX);
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

/**
 * front_pasta_pid_path() - The PID file pasta writes
 * @p:	Front
 *
 * Return: ours, or the one in argv (NULL if neither)
 */
static const char *front_pasta_pid_path(const FrontPasta *p)
{
	return p->pid_file ? p->pid_file : p->args->pid_file;
}

/**
 * front_pasta_command() - LpCoreFrontOps.command: the rewritten argv
 * @f:		Core state of a FrontPasta
 * @backend:	First backend port of each block
 * @cmd:	Command to fill (@argv)
 * @error:	LP_PORTSPEC_ERROR if a backend block does not fit
 *
 * Return: TRUE on success
 */
static gboolean front_pasta_command(LpCoreFront *f, const uint16_t *backend,
				    LpCoreCmd *cmd, GError **error)
{
	FrontPasta *p = (FrontPasta *)f;

	cmd->argv = lp_pasta_plan_argv(p->plan, backend, p->pid_file, error);
	return cmd->argv != NULL;
}

/**
 * front_pasta_port_used() - LpCoreFrontOps.port_used: named in argv
 * @f:		Core state of a FrontPasta
 * @proto:	Protocol
 * @port:	Port
 *
 * Return: true if some -t/-u argument forwards @port
 */
static bool front_pasta_port_used(LpCoreFront *f, int proto, unsigned int port)
{
	return lp_pasta_args_names_port(((FrontPasta *)f)->args, proto, port);
}

/**
 * front_pasta_lost_race() - LpCoreFrontOps.lost_race: a taken port
 * @f:		Core state of a FrontPasta
 * @run:	Failed run
 *
 * Return: true if pasta said "Address already in use"
 */
static bool front_pasta_lost_race(LpCoreFront *f, const LpCoreRun *run)
{
	(void)f;
	return memmem(run->output->data, run->output->len,
		      FRONT_PASTA_EADDRINUSE_TEXT,
		      strlen(FRONT_PASTA_EADDRINUSE_TEXT)) != NULL;
}

/**
 * front_pasta_lease_pidfd() - LpCoreFrontOps.lease_pidfd: the daemon
 * @f:		Core state of a FrontPasta
 * @run:	Run that exited 0
 * @error:	LP_CORE_ERROR_REAL if the PID file names no running process
 *
 * Return: pidfd of the daemonized pasta, negative errno on error
 */
static int front_pasta_lease_pidfd(LpCoreFront *f, const LpCoreRun *run,
				   GError **error)
{
	const char *path = front_pasta_pid_path((FrontPasta *)f);
	pid_t pid;
	int r, fd;

	(void)run;
	r = lp_front_pasta_read_pid(path, &pid);
	if (r < 0) {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
			    "pasta started but left no PID in '%s' (%s)", path,
			    g_strerror(-r));
		return r;
	}
	fd = lp_pidfd_open(pid);
	if (fd < 0) {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
			    "pasta (PID %d) is gone right after it started: %s",
			    (int)pid, g_strerror(-fd));
	}
	return fd;
}

/**
 * front_pasta_undo() - LpCoreFrontOps.undo: stop the daemon in the PID file
 * @f:		Core state of a FrontPasta
 * @run:	Last run
 *
 * Only if it is our child (lp_core_reap_stop_child()); the core's sweep
 * stops every other child afterwards.
 */
static void front_pasta_undo(LpCoreFront *f, const LpCoreRun *run)
{
	const char *path = front_pasta_pid_path((FrontPasta *)f);
	pid_t pid;

	(void)run;
	if (path && lp_front_pasta_read_pid(path, &pid) == 0)
		lp_core_reap_stop_child(pid, LP_CORE_STOP_TIMEOUT_MS);
}

/**
 * front_pasta_listeners() - Hand over the pasta daemon's listeners?
 * @f:		Front
 *
 * The daemon holds them (core-listeners.c); whether this pasta serves
 * connections steered onto them: pasta-probe.c.
 *
 * Return: true if they may go to lowportd
 */
static bool front_pasta_listeners(LpCoreFront *f)
{
	return lp_pasta_probe_steerable(f->real);
}

static const LpCoreFrontOps front_pasta_ops = {
	.command = front_pasta_command,
	.port_used = front_pasta_port_used,
	.lost_race = front_pasta_lost_race,
	.lease_pidfd = front_pasta_lease_pidfd,
	.undo = front_pasta_undo,
	.listeners = front_pasta_listeners,
};

/**
 * front_pasta_prepare() - Step 1: scan argv, decide, find the real pasta
 * @p:		Front, core set up
 * @argc:	Argument count
 * @argv:	Arguments
 * @error:	Why the call is refused
 *
 * Return: TRUE with the real pasta found, @p->plan NULL for a pass-through
 */
static gboolean front_pasta_prepare(FrontPasta *p, int argc, char **argv,
				    GError **error)
{
	p->args = lp_pasta_args_parse(argc, argv, error);
	if (!p->args || !lp_pasta_plan_build(p->args, p->core.unpriv_start,
					     &p->plan, error))
		return FALSE;
	if (!lp_core_locate(&p->core, error))
		return FALSE;
	p->core.netns = p->args->netns;
	if (p->plan) {
		g_array_append_vals(p->core.blocks, p->plan->blocks->data,
				    p->plan->blocks->len);
	}
	return TRUE;
}

/**
 * front_pasta_forward() - Steps 2 and 3: PID file, then the core
 * @p:		Front with a plan
 * @error:	Why it failed; pasta is stopped by then
 *
 * Return: as lp_core_forward()
 */
static gboolean front_pasta_forward(FrontPasta *p, GError **error)
{
	int r;

	if (!p->args->pid_file) {
		r = lp_front_pasta_pid_file(&p->pid_file);
		if (r < 0) {
			g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
				    "cannot create a PID file for pasta: %s",
				    g_strerror(-r));
			return FALSE;
		}
	}
	return lp_core_forward(&p->core, error);
}

/**
 * front_pasta_clear() - Free what a call holds, remove our PID file
 * @p:	Front
 */
static void front_pasta_clear(FrontPasta *p)
{
	if (p->pid_file)
		unlink(p->pid_file);
	g_free(p->pid_file);
	lp_pasta_plan_free(p->plan);
	lp_pasta_args_free(p->args);
	lp_core_clear(&p->core);
}

/**
 * lp_front_pasta_main() - The pasta shim, from argv to exit status
 * @argc:	Argument count
 * @argv:	pasta's arguments as Podman passes them
 *
 * Return: 0 when pasta runs and its privileged ports are forwarded;
 *	   pasta's own status when pasta failed (its output relayed); 1 with
 *	   "lowport: ..." on stderr when lowport refused or failed. A
 *	   pass-through does not return unless exec fails.
 */
int lp_front_pasta_main(int argc, char **argv)
{
	FrontPasta p = {0};
	g_autoptr(GError) error = NULL;
	int status;

	lp_core_init(&p.core, &front_pasta_ops, &lp_front_pasta_helper,
		     lp_procfs_unpriv_start_or_default());
	if (!front_pasta_prepare(&p, argc, argv, &error)) {
		status = lp_core_fail(stderr, error);
	} else if (!p.plan) {
		LpCoreCmd cmd = {.name = "pasta", .argv = argv, .ready_fd = -1};

		status = lp_core_passthrough(&p.core, &cmd, stderr);
	} else if (!front_pasta_forward(&p, &error)) {
		status = lp_core_fail(stderr, error);
	} else {
		lp_core_relay(stderr, &p.core.run);
		status = p.core.run.status;
	}
	front_pasta_clear(&p);
	return status;
}
