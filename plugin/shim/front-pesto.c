// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * front-pesto.c - pesto front: what Podman 6 runs instead of pesto when
 * bridge networks publish through the rootless-netns pasta
 *
 * Copyright lowport authors
 *
 * DOC: Theory of Operation
 *
 * With [network] rootless_port_forwarder = "pasta", Podman 6 adds each
 * container's ports to the rootless-netns pasta with
 * "pesto --add -t 0.0.0.0/80:10.89.0.2/80 SOCKET" and takes them back with
 * "pesto --delete" and the same specs; it waits for pesto to exit and shows
 * its output (stdout and stderr share one pipe) if the status is not 0.
 * This front:
 *
 * 1. Scans argv (pesto-args.c). No --add/--delete, no privileged host
 *    port, or a spec we do not parse: exec of the real pesto, untouched.
 * 2. Finds the pasta behind SOCKET: the peer of a connection to it
 *    (SO_PEERCRED), as a pidfd, which must be a process of the user.
 * 3. --add: the core (core.c) picks backend ports, runs pesto with the
 *    privileged specs on them (same address, target, container ports) and
 *    asks lowportd for a lease tied to that pasta, not to pesto: it ends
 *    when the rootless netns goes. Refused: "pesto --delete" of what was
 *    added (undo), one line "lowport: WHY", exit 1, so Podman reports an
 *    error instead of a port that silently does not work.
 * 4. --delete: finds in lowportd's list of the user's leases the lease of
 *    that pasta for each privileged spec, deletes its backend ports from
 *    pasta, and releases the lease.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/addr.h"
#include "netutils/client.h"
#include "netutils/mapping.h"
#include "netutils/lease-info.h"
#include "netutils/pidfd.h"
#include "netutils/policy.h"
#include "netutils/procfs.h"
#include "netutils/util.h"
#include "shim/core.h"
#include "shim/front-pasta.h"
#include "shim/front-pesto.h"
#include "shim/pesto-args.h"

/* The rootless-netns pasta's PID file, next to its control socket */
#define FRONT_PESTO_PID_FILE "rootless-netns-conn.pid"
/* Bytes of a candidate's /proc/PID/cmdline searched for the socket path */
#define FRONT_PESTO_CMDLINE_MAX 16384

/* How long pasta may take to bind the ports pesto added, how often we look */
#define FRONT_PESTO_BIND_WAIT_MS 2000
#define FRONT_PESTO_BIND_POLL_MS 5

/* What pasta reports back through pesto when a port is taken */
#define FRONT_PESTO_EADDRINUSE_TEXT "in use"

/*
 * The real pesto: Podman's helper directories, then $PATH (Debian's passt
 * installs /usr/bin/pesto, and Podman 6.1 runs that one)
 */
const LpCoreHelper lp_front_pesto_helper = {
	.name = "pesto",
	.package = "passt",
	.search_path = true,
	.policy_key = "real-pesto",
	.policy_path = lp_policy_real_pesto,
};

/*
 * FrontPesto - one call of the pesto front
 * @core:	Core state (first: the core's callbacks cast it back)
 * @args:	Scanned, planned argv
 * @pasta:	pidfd of the pasta behind the socket, -1 if not found yet
 * @pasta_pid:	Its PID
 * @netns:	The rootless netns next to the socket, for lowportd
 */
typedef struct {
	LpCoreFront core;
	LpPestoArgs *args;
	int pasta;
	pid_t pasta_pid;
	char *netns;
} FrontPesto;

/**
 * front_pesto_serves() - Tell whether a PID is a pasta of ours on a socket
 * @pid:	Candidate
 * @path:	Control socket path
 * @ret_fd:	pidfd of it (caller closes)
 *
 * Return: 0 if @pid runs as our user and its argv names @path (pasta's
 *	   "-c PATH"), negative errno otherwise
 */
static int front_pesto_serves(pid_t pid, const char *path, int *ret_fd)
{
	g_autofree char *file = g_strdup_printf("/proc/%d/cmdline", (int)pid);
	char buf[FRONT_PESTO_CMDLINE_MAX + 1];
	lp_autofd int fd = -1, cf = -1;
	ssize_t n;
	size_t i;
	uid_t uid;
	int r;

	if (pid <= 0)
		return -ESRCH;
	fd = lp_pidfd_open(pid);
	if (fd < 0)
		return fd;
	r = lp_pidfd_get_uid(fd, &uid);
	if (r < 0)
		return r;
	if (uid != getuid())
		return -EPERM;
	cf = open(file, O_RDONLY | O_CLOEXEC);
	if (cf < 0)
		return -errno;
	n = read(cf, buf, FRONT_PESTO_CMDLINE_MAX);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	for (i = 0; i < (size_t)n; i += strlen(buf + i) + 1) {
		if (!strcmp(buf + i, path)) {
			if (lp_pidfd_is_alive(fd) != 1)
				return -ESRCH;
			*ret_fd = fd;
			fd = -1;
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * lp_front_pesto_peer() - The pasta serving a control socket, checked
 * @path:	Socket path
 * @ret_pid:	Its PID
 * @error:	LP_CORE_ERROR_REAL if nobody listens there or no process of
 *		ours with "-c @path" is found
 *
 * The peer's credentials (SO_PEERCRED) name the process that called
 * listen(): pasta does that before it daemonizes, so that PID may be gone
 * already; then the PID file next to the socket (Podman's --pid of the
 * rootless-netns pasta) names the daemon. Either must run as this user
 * with @path in its argv. Connects and closes at once.
 *
 * Return: a pidfd of the pasta (caller closes), negative errno on error
 */
int lp_front_pesto_peer(const char *path, pid_t *ret_pid, GError **error)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *pid_file = NULL;
	struct ucred cred = {0};
	socklen_t len = sizeof(cred);
	lp_autofd int s = -1;
	pid_t pid = 0;
	int fd = -1, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS,
			    "pesto socket path '%s' is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		r = -errno;
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
			    "no pasta answers on '%s': %s", path,
			    g_strerror(-r));
		return r;
	}
	r = front_pesto_serves(cred.pid, path, &fd);
	if (r < 0) {
		pid_file = g_build_filename(dir, FRONT_PESTO_PID_FILE, NULL);
		if (lp_front_pasta_read_pid(pid_file, &pid) == 0 &&
		    front_pesto_serves(pid, path, &fd) == 0)
			r = 0;
	}
	if (r < 0) {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
			    "no pasta of this user with '%s' found (socket "
			    "peer PID %d: %s)",
			    path, (int)cred.pid, g_strerror(-r));
		return r;
	}
	*ret_pid = pid ? pid : cred.pid;
	return fd;
}

/**
 * front_pesto_command() - LpCoreFrontOps.command: the rewritten argv
 * @f:		Core state of a FrontPesto
 * @backend:	First backend port of each block
 * @cmd:	Command to fill
 * @error:	LP_PORTSPEC_ERROR if a backend block does not fit
 *
 * Return: TRUE on success
 */
static gboolean front_pesto_command(LpCoreFront *f, const uint16_t *backend,
				    LpCoreCmd *cmd, GError **error)
{
	cmd->argv = lp_pesto_args_argv(((FrontPesto *)f)->args, NULL, backend,
				       error);
	return cmd->argv != NULL;
}

/**
 * front_pesto_port_used() - LpCoreFrontOps.port_used: named in argv
 * @f:		Core state of a FrontPesto
 * @proto:	Protocol
 * @port:	Port
 *
 * Return: true if some -t/-u spec forwards @port
 */
static bool front_pesto_port_used(LpCoreFront *f, int proto, unsigned int port)
{
	return lp_pesto_args_names_port(((FrontPesto *)f)->args, proto, port);
}

/**
 * front_pesto_lost_race() - LpCoreFrontOps.lost_race: a taken port
 * @f:		Core state of a FrontPesto
 * @run:	Failed run
 *
 * Return: true if the output says a port is in use
 */
static bool front_pesto_lost_race(LpCoreFront *f, const LpCoreRun *run)
{
	(void)f;
	return memmem(run->output->data, run->output->len,
		      FRONT_PESTO_EADDRINUSE_TEXT,
		      strlen(FRONT_PESTO_EADDRINUSE_TEXT)) != NULL;
}

/**
 * front_pesto_wait_bound() - Wait until pasta holds every backend block
 * @f:	Core state of a FrontPesto, after a run that exited 0
 *
 * pesto may return before pasta has bound the new ports, and lowportd
 * wants a listening socket of the user on each backend port. A port we
 * can no longer bind is taken (by pasta, since we checked it was free).
 * Waits at most FRONT_PESTO_BIND_WAIT_MS; lowportd explains if one is
 * still free then.
 */
static void front_pesto_wait_bound(const LpCoreFront *f)
{
	gint64 end = g_get_monotonic_time() + FRONT_PESTO_BIND_WAIT_MS * 1000;
	guint i = 0;

	while (i < f->blocks->len && g_get_monotonic_time() < end) {
		const LpCoreBlock *b =
			&g_array_index(f->blocks, LpCoreBlock, i);

		if (lp_core_ports_try_bind(b->proto, &b->addr, f->backend[i]) ==
		    -EADDRINUSE) {
			i++;
			continue;
		}
		g_usleep(FRONT_PESTO_BIND_POLL_MS * 1000);
	}
}

/**
 * front_pesto_lease_pidfd() - LpCoreFrontOps.lease_pidfd: the pasta
 * @f:		Core state of a FrontPesto
 * @run:	Run that exited 0
 * @error:	LP_CORE_ERROR_REAL if it cannot be duplicated
 *
 * Return: a new pidfd of the pasta behind the socket, negative errno
 */
static int front_pesto_lease_pidfd(LpCoreFront *f, const LpCoreRun *run,
				   GError **error)
{
	int fd;

	(void)run;
	front_pesto_wait_bound(f);
	fd = fcntl(((FrontPesto *)f)->pasta, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
			    "cannot follow pasta: %s", g_strerror(errno));
		return -errno;
	}
	return fd;
}

/**
 * front_pesto_undo() - LpCoreFrontOps.undo: "pesto --delete" what we added
 * @f:		Core state of a FrontPesto
 * @run:	Last run
 */
static void front_pesto_undo(LpCoreFront *f, const LpCoreRun *run)
{
	FrontPesto *p = (FrontPesto *)f;
	LpCoreCmd cmd = {.name = "pesto", .ready_fd = -1};
	LpCoreRun del = {.pidfd = -1};

	if (run->pid == 0 || run->status != 0 || !f->backend)
		return;
	cmd.argv = lp_pesto_args_argv(p->args, "--delete", f->backend, NULL);
	if (cmd.argv)
		lp_core_spawn_run(f->real, &cmd, LP_CORE_START_TIMEOUT_MS, &del,
				  NULL);
	lp_core_spawn_cmd_clear(&cmd);
	lp_core_spawn_run_clear(&del);
}

static const LpCoreFrontOps front_pesto_ops = {
	.command = front_pesto_command,
	.port_used = front_pesto_port_used,
	.lost_race = front_pesto_lost_race,
	.lease_pidfd = front_pesto_lease_pidfd,
	.undo = front_pesto_undo,
};

/**
 * front_pesto_find() - The user's lease of this pasta for a block
 * @p:		Front
 * @leases:	The user's leases, as lowportd lists them
 * @b:		Privileged block
 * @ret_id:	ID of the lease (points into @leases)
 *
 * Return: first backend port of the block, 0 if no lease holds it
 */
static uint16_t front_pesto_find(const FrontPesto *p, const GPtrArray *leases,
				 const LpCoreBlock *b, const char **ret_id)
{
	guint i, j;

	for (i = 0; i < leases->len; i++) {
		const LpLeaseInfo *l = leases->pdata[i];

		if (l->pid != p->pasta_pid)
			continue;
		for (j = 0; j < l->mappings->len; j++) {
			const LpMapping *m =
				&g_array_index(l->mappings, LpMapping, j);

			if (m->proto == b->proto &&
			    m->host_port == b->host_port &&
			    m->range == b->size &&
			    lp_addr_equal(&m->addr, &b->addr)) {
				*ret_id = l->id;
				return m->backend_port;
			}
		}
	}
	return 0;
}

/**
 * front_pesto_release() - Ask lowportd to end a lease
 * @id:	Lease ID
 */
static void front_pesto_release(const char *id)
{
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_RELEASE);
	g_autoptr(LpReply) reply = NULL;
	g_autoptr(GError) error = NULL;

	req->id = g_strdup(id);
	reply = lp_client_call(lp_client_socket_path(), req, -1,
			       LP_CLIENT_TIMEOUT_MS, &error);
	if (!reply || !lp_reply_check(reply, &error))
		g_printerr("lowport: cannot release lease %s: %s\n", id,
			   error->message);
}

/**
 * front_pesto_delete() - Step 4: delete the backend ports, end the leases
 * @p:		Front with a plan for --delete, pasta found
 * @error:	Why pesto could not be run
 *
 * A block with no lease is deleted as given (pesto finds nothing then);
 * so is every block if lowportd cannot list the leases (a warning says so).
 *
 * Return: pesto's exit status (output relayed), -1 on error
 */
static int front_pesto_delete(FrontPesto *p, GError **error)
{
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_LIST);
	g_autoptr(LpReply) reply = NULL;
	g_autoptr(GError) lerr = NULL;
	g_autoptr(GPtrArray) ids = g_ptr_array_new();
	const GArray *blocks = p->args->blocks;
	g_autofree uint16_t *backend = g_new0(uint16_t, blocks->len);
	LpCoreCmd cmd = {.name = "pesto", .ready_fd = -1};
	LpCoreRun run = {.pidfd = -1};
	const char *id;
	guint i;
	int status = -1;

	reply = lp_client_call(lp_client_socket_path(), req, -1,
			       LP_CLIENT_TIMEOUT_MS, &lerr);
	if (!reply || !lp_reply_check(reply, &lerr)) {
		/* the container goes anyway: delete what the specs say */
		g_printerr("lowport: cannot list the leases (%s); deleting the "
			   "ports as given\n",
			   lerr->message);
		g_clear_pointer(&reply, lp_reply_free);
	}
	for (i = 0; i < blocks->len; i++) {
		const LpCoreBlock *b = &g_array_index(blocks, LpCoreBlock, i);

		id = NULL;
		if (reply)
			backend[i] = front_pesto_find(p, reply->leases, b, &id);
		if (!backend[i])
			backend[i] = b->host_port;
		else if (!g_ptr_array_find_with_equal_func(ids, id, g_str_equal,
							   NULL))
			g_ptr_array_add(ids, (gpointer)id);
	}
	cmd.argv = lp_pesto_args_argv(p->args, NULL, backend, error);
	if (cmd.argv &&
	    lp_core_spawn_run(p->core.real, &cmd, LP_CORE_START_TIMEOUT_MS,
			      &run, error)) {
		for (i = 0; i < ids->len; i++)
			front_pesto_release(ids->pdata[i]);
		lp_core_relay(stdout, &run);
		status = run.status;
	}
	lp_core_spawn_cmd_clear(&cmd);
	lp_core_spawn_run_clear(&run);
	return status;
}

/**
 * front_pesto_prepare() - Steps 1 and 2: scan, plan, find pesto and pasta
 * @p:		Front, core set up
 * @argc:	Argument count
 * @argv:	Arguments
 * @error:	Why the call is refused
 *
 * Return: TRUE; no blocks in @p->args: pass through
 */
static gboolean front_pesto_prepare(FrontPesto *p, int argc, char **argv,
				    GError **error)
{
	g_autofree char *dir = NULL;

	p->args = lp_pesto_args_parse(argc, argv, error);
	if (!p->args ||
	    !lp_pesto_args_plan(p->args, p->core.unpriv_start, error) ||
	    !lp_core_locate(&p->core, error))
		return FALSE;
	if (!p->args->blocks->len)
		return TRUE;
	p->pasta = lp_front_pesto_peer(p->args->socket, &p->pasta_pid, error);
	if (p->pasta < 0)
		return FALSE;
	dir = g_path_get_dirname(p->args->socket);
	p->netns = g_build_filename(dir, "rootless-netns", NULL);
	p->core.netns = p->netns;
	p->core.lease_is_child = false;
	g_array_append_vals(p->core.blocks, p->args->blocks->data,
			    p->args->blocks->len);
	return TRUE;
}

/**
 * front_pesto_add() - Step 3: the core, then pesto's output and status
 * @p:		Front with a plan for --add
 * @error:	Why it failed; what pesto added is taken back by then
 *
 * Return: pesto's exit status (output relayed), -1 on error
 */
static int front_pesto_add(FrontPesto *p, GError **error)
{
	if (!lp_core_forward(&p->core, error))
		return -1;
	lp_core_relay(stdout, &p->core.run);
	return p->core.run.status;
}

/**
 * lp_front_pesto_main() - The pesto shim, from argv to exit status
 * @argc:	Argument count
 * @argv:	pesto's arguments as Podman passes them
 *
 * Return: pesto's status, its output relayed; 1 with "lowport: ..." on
 *	   stderr when lowport refused or failed. A pass-through does not
 *	   return unless exec fails.
 */
int lp_front_pesto_main(int argc, char **argv)
{
	FrontPesto p = {.pasta = -1};
	g_autoptr(GError) error = NULL;
	int status;

	lp_core_init(&p.core, &front_pesto_ops, &lp_front_pesto_helper,
		     lp_procfs_unpriv_start_or_default());
	if (!front_pesto_prepare(&p, argc, argv, &error)) {
		status = lp_core_fail(stderr, error);
	} else if (!p.args->blocks->len) {
		LpCoreCmd cmd = {.name = "pesto", .argv = argv, .ready_fd = -1};

		status = lp_core_passthrough(&p.core, &cmd, stderr);
	} else {
		status = p.args->op == LP_PESTO_OP_ADD
				 ? front_pesto_add(&p, &error)
				 : front_pesto_delete(&p, &error);
		if (status < 0)
			status = lp_core_fail(stderr, error);
	}
	lp_pesto_args_free(p.args);
	lp_closep(&p.pasta);
	g_free(p.netns);
	lp_core_clear(&p.core);
	return status;
}
