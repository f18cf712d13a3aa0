// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core.c - shim core: from a front's privileged ports to a granted lease
 *
 * Copyright lowport authors
 *
 * DOC: Theory of Operation
 *
 * A front scans the helper's call and fills an LpCoreFront: the privileged
 * blocks, the network namespace, its operations. Calls with no privileged
 * port go to the real helper untouched (lp_core_passthrough(): same
 * process, no fork). Otherwise lp_core_forward():
 *
 * 1. Becomes a child subreaper (core-reap.c), so daemons of the helper are
 *    re-parented to us and can be stopped if anything fails.
 * 2. Picks a free backend block for every privileged block (core-ports.c),
 *    above the ephemeral range if possible, has the front build the call
 *    for them, and runs the real helper with its output in our pipe
 *    (core-spawn.c). If the helper lost a backend port to someone else
 *    meanwhile, it tries other ports, LP_CORE_RETRIES times at most. Any
 *    other failure of the helper: its output and status go back as they
 *    are (the front relays them), nothing of it is left running.
 * 3. Asks lowportd for the lease, with a pidfd of the process the front
 *    names (core-lease.c) and, if the front says that process lets us,
 *    copies of its listening TCP sockets on the backend ports
 *    (core-listeners.c), closed again as soon as lowportd answered; a
 *    conflict with the user's own lease is waited out while that process
 *    runs.
 * 4. Ready gate: if the helper signals readiness on a descriptor, passes
 *    its message on only now that the lease is granted.
 *
 * On any failure after step 1, the lease's process (if ours) is stopped
 * (SIGTERM, then SIGKILL), the front undoes what else the run did, every
 * child left is stopped, and the front prints one line "lowport: WHY"
 * (lp_core_fail()), which Podman shows in its error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/pidfd.h"
#include "netutils/util.h"
#include "shim/core.h"
#include "shim/core-lease.h"
#include "shim/core-listeners.h"
#include "shim/core-reap.h"

G_DEFINE_QUARK(lp_core_error, lp_core_error)

/**
 * lp_core_init() - Set up a front's core state
 * @f:			Front
 * @ops:		Its operations
 * @helper:		The real helper it stands in for
 * @unpriv_start:	First unprivileged port
 */
void lp_core_init(LpCoreFront *f, const LpCoreFrontOps *ops,
		  const LpCoreHelper *helper, unsigned int unpriv_start)
{
	*f = (LpCoreFront){
		.ops = ops,
		.helper = helper,
		.unpriv_start = unpriv_start,
		.blocks = g_array_new(FALSE, TRUE, sizeof(LpCoreBlock)),
		.lease_is_child = true,
		.tried = g_array_new(FALSE, TRUE, sizeof(LpCoreBlock)),
		.cmd = {.ready_fd = -1},
		.run = {.pidfd = -1},
		.pidfd = -1,
	};
}

/**
 * lp_core_clear() - Free what a front's core state holds
 * @f:	Front, set up with lp_core_init()
 */
void lp_core_clear(LpCoreFront *f)
{
	g_array_unref(f->blocks);
	g_array_unref(f->tried);
	g_free(f->real);
	g_free(f->backend);
	lp_core_spawn_cmd_clear(&f->cmd);
	lp_core_spawn_run_clear(&f->run);
	lp_closep(&f->pidfd);
}

/**
 * lp_core_locate() - Find the real helper, and tell it about us
 * @f:		Front
 * @error:	LP_CORE_ERROR_REAL if there is none
 *
 * Sets $LOWPORT_SHIM_SEEN so a copy of the shim that we run by mistake
 * skips us and itself.
 *
 * Return: TRUE with @f->real set
 */
gboolean lp_core_locate(LpCoreFront *f, GError **error)
{
	g_autoptr(GArray) self = lp_core_find_self_ids();
	g_autofree char *seen = lp_core_find_seen_env(self);

	f->real = lp_core_find_real(f->helper, self, error);
	if (!f->real)
		return FALSE;
	g_setenv(LP_CORE_ENV_SEEN, seen, TRUE);
	return TRUE;
}

/**
 * lp_core_passthrough() - Become the real helper, the call untouched
 * @f:		Front, located
 * @cmd:	The call as it came (argv, stdin read so far, descriptors)
 * @out:	Where the error line goes
 *
 * Return: only if exec failed: 1, with "lowport: ..." on @out
 */
int lp_core_passthrough(const LpCoreFront *f, const LpCoreCmd *cmd, FILE *out)
{
	g_autoptr(GError) error = NULL;
	int r = lp_core_spawn_exec(f->real, cmd);

	g_set_error(&error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
		    "cannot run the real %s '%s': %s", f->helper->name, f->real,
		    g_strerror(-r));
	return lp_core_fail(out, error);
}

/**
 * core_port_used() - LpCorePortUsedFn: named by the call, or tried before
 * @proto:	Protocol
 * @port:	Port
 * @data:	LpCoreFront
 *
 * Return: true if @port must not be a backend port
 */
static bool core_port_used(int proto, unsigned int port, void *data)
{
	LpCoreFront *f = data;
	guint i;

	if (f->ops->port_used && f->ops->port_used(f, proto, port))
		return true;
	for (i = 0; i < f->tried->len; i++) {
		const LpCoreBlock *b = &g_array_index(f->tried, LpCoreBlock, i);

		if (b->proto == proto && b->host_port <= port &&
		    port < (unsigned int)b->host_port + b->size)
			return true;
	}
	return false;
}

/**
 * core_pick() - Pick backend ports, above the ephemeral range if possible
 * @f:		Front
 * @error:	LP_CORE_ERROR_PORTS if none are free
 *
 * Return: TRUE with @f->backend filled
 */
static gboolean core_pick(LpCoreFront *f, GError **error)
{
	const LpCoreBlock *blocks = (LpCoreBlock *)f->blocks->data;
	guint n = f->blocks->len;
	LpCorePortWindow w;

	lp_core_ports_window(f->unpriv_start, true, &w);
	w.used = core_port_used;
	w.used_data = f;
	if (lp_core_ports_pick(&w, blocks, n, f->backend, NULL))
		return TRUE;
	lp_core_ports_window(f->unpriv_start, false, &w);
	w.used = core_port_used;
	w.used_data = f;
	return lp_core_ports_pick(&w, blocks, n, f->backend, error);
}

/**
 * core_remember_tried() - Avoid this attempt's backend ports from now on
 * @f:	Front
 */
static void core_remember_tried(LpCoreFront *f)
{
	guint i;

	for (i = 0; i < f->blocks->len; i++) {
		LpCoreBlock b = g_array_index(f->blocks, LpCoreBlock, i);

		b.host_port = f->backend[i];
		g_array_append_val(f->tried, b);
	}
}

/**
 * core_lost_race() - Tell whether the helper failed on a taken port
 * @f:	Front, after a run
 *
 * Return: true if it failed and the front says a backend port was taken
 */
static bool core_lost_race(LpCoreFront *f)
{
	return !f->run.ready && f->run.status != 0 && f->ops->lost_race &&
	       f->ops->lost_race(f, &f->run);
}

/**
 * core_start() - Run the real helper on the rewritten call
 * @f:		Front, located
 * @error:	Set if the helper could not be run at all
 *
 * Return: TRUE if it ran; @f->run tells how it ended
 */
static gboolean core_start(LpCoreFront *f, GError **error)
{
	unsigned int attempt;

	f->backend = g_new0(uint16_t, MAX(f->blocks->len, 1U));
	for (attempt = 0;; attempt++) {
		lp_core_spawn_run_clear(&f->run);
		lp_core_spawn_cmd_clear(&f->cmd);
		f->cmd = (LpCoreCmd){.name = f->helper->name, .ready_fd = -1};
		if (!core_pick(f, error) ||
		    !f->ops->command(f, f->backend, &f->cmd, error))
			return FALSE;
		if (!lp_core_spawn_run(f->real, &f->cmd,
				       LP_CORE_START_TIMEOUT_MS, &f->run,
				       error))
			return FALSE;
		if (attempt == LP_CORE_RETRIES || !core_lost_race(f))
			return TRUE;
		core_remember_tried(f);
	}
}

/**
 * core_lease() - Ask lowportd for the lease on the process the front names
 * @f:		Front whose helper started
 * @error:	Why there is no lease
 *
 * Return: TRUE if lowportd granted it
 */
static gboolean core_lease(LpCoreFront *f, GError **error)
{
	g_autoptr(GArray) mappings = NULL;
	int listeners[LP_LISTENERS_MAX];
	LpCoreLeaseAsk ask = {0};
	gboolean ok;

	if (f->ops->lease_pidfd) {
		f->pidfd = f->ops->lease_pidfd(f, &f->run, error);
	} else if (f->run.ready) {
		f->pidfd = fcntl(f->run.pidfd, F_DUPFD_CLOEXEC, 3);
		if (f->pidfd < 0)
			g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
				    "cannot follow the real %s: %s",
				    f->helper->name, g_strerror(errno));
	} else {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
			    "the real %s exited at once", f->helper->name);
	}
	if (f->pidfd < 0)
		return FALSE;
	mappings = lp_core_lease_mappings(f->blocks, f->backend);
	ask.front = lp_core_lease_front(f->helper->name);
	ask.netns = f->netns;
	ask.mappings = mappings;
	ask.pidfd = f->pidfd;
	if (f->ops->listeners && f->ops->listeners(f))
		ask.n_listeners = lp_core_listeners_collect(f->pidfd, mappings,
							    listeners);
	ask.listeners = listeners;
	ok = lp_core_lease_request(&ask, error);
	lp_core_listeners_close(listeners, ask.n_listeners);
	return ok;
}

/**
 * core_cleanup() - Leave nothing of ours running after a failure
 * @f:	Front
 */
static void core_cleanup(LpCoreFront *f)
{
	if (f->pidfd >= 0 && f->lease_is_child)
		lp_core_reap_stop(f->pidfd, LP_CORE_STOP_TIMEOUT_MS);
	if (f->run.pidfd >= 0)
		lp_core_reap_stop(f->run.pidfd, LP_CORE_STOP_TIMEOUT_MS);
	if (f->ops->undo)
		f->ops->undo(f, &f->run);
	lp_core_reap_sweep(LP_CORE_STOP_TIMEOUT_MS);
}

/**
 * lp_core_forward() - Run the real helper on backend ports, get the lease
 * @f:		Front with @blocks, @netns and @ops, located
 * @error:	Why it failed; nothing of ours is left running by then
 *
 * Return: TRUE if the helper runs and the lease is granted (and the ready
 *	   message passed on), or if the helper itself failed
 *	   (@f->run.status != 0, to relay); FALSE on error
 */
gboolean lp_core_forward(LpCoreFront *f, GError **error)
{
	int r;

	/* if this fails, orphans go to init as without us: not fatal */
	lp_core_reap_adopt_orphans();
	if (core_start(f, error)) {
		if (!f->run.ready && f->run.status != 0) {
			core_cleanup(f);
			return TRUE;
		}
		if (core_lease(f, error)) {
			r = lp_core_spawn_pass_ready(&f->cmd, &f->run);
			if (r == 0)
				return TRUE;
			g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
				    "cannot pass on that the real %s is "
				    "ready: %s",
				    f->helper->name, g_strerror(-r));
		}
	}
	core_cleanup(f);
	return FALSE;
}

/**
 * lp_core_fail() - Print the one "lowport: ..." line, on one line
 * @out:	Where it goes (pasta: stderr; rootlessport: stdout)
 * @error:	What went wrong
 *
 * Return: 1, the exit status for a refusal
 */
int lp_core_fail(FILE *out, const GError *error)
{
	g_autofree char *msg = g_strdup(error->message);

	g_strdelimit(msg, "\r\n", ' ');
	fprintf(out, "lowport: %s\n", msg);
	fflush(out);
	return 1;
}

/**
 * lp_core_relay() - Pass the helper's output on unchanged
 * @out:	Where it goes
 * @run:	Finished run
 */
void lp_core_relay(FILE *out, const LpCoreRun *run)
{
	if (run->output->len)
		fwrite(run->output->data, 1, run->output->len, out);
	fflush(out);
}
