// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon.c - lowportd's life: options, start-up, signals, repair, shutdown
 *
 * DOC: Theory of Operation
 *
 * Start-up: parse options, load the policy, open the nftables engine,
 * reconcile the state directory with the kernel (reconcile.c), watch
 * nftables for outside changes, listen (socket activation or --socket),
 * then tell systemd READY=1 and run the main loop.
 *
 * Leases outlive the process on purpose: on SIGTERM, or when killed, the
 * rules and state files stay, so traffic keeps flowing while the helper
 * restarts; the next start adopts live leases and ends dead ones.
 *
 * SIGHUP reloads the policy and ends every lease it no longer allows. An
 * outside change to nftables (nft flush ruleset, a reload of
 * nftables.service) triggers a repair that rebuilds the table from the
 * leases held.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>

#include <glib.h>
#include <glib-unix.h>

#include "daemon/admission.h"
#include "daemon/daemon.h"
#include "daemon/firewalld.h"
#include "daemon/notify.h"
#include "daemon/reconcile.h"
#include "daemon/registry.h"
#include "daemon/server.h"
#include "daemon/state.h"
#include "netutils/nft/nft-monitor.h"

#define DAEMON_REPAIR_DELAY_MS 100

/**
 * daemon_new() - Allocate the context with defaults
 *
 * Return: new context
 */
static LpDaemon *daemon_new(void)
{
	LpDaemon *d = g_new0(LpDaemon, 1);

	d->request_timeout_s = LP_DAEMON_REQUEST_TIMEOUT_S;
	d->max_clients = LP_DAEMON_MAX_CLIENTS;
	return d;
}

/**
 * daemon_free() - Free the context; leases keep their rules and state
 * @d:		Context, or NULL
 */
static void daemon_free(LpDaemon *d)
{
	if (!d)
		return;
	lp_server_stop(d->server);
	if (d->repair_src)
		g_source_remove(d->repair_src);
	if (d->monitor_src)
		g_source_remove(d->monitor_src);
	lp_registry_free(d->registry);
	lp_steering_free(d->steering);
	lp_nft_monitor_free(d->monitor);
	lp_nft_free(d->nft);
	lp_policy_free(d->policy);
	if (d->loop)
		g_main_loop_unref(d->loop);
	g_free(d->socket_path);
	g_free(d->config_path);
	g_free(d->state_dir);
	g_free(d->bpf_dir);
	g_free(d);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpDaemon, daemon_free)

/**
 * daemon_parse_options() - Command line into the context
 * @d:		Context
 * @argc:	Argument count
 * @argv:	Arguments
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool daemon_parse_options(LpDaemon *d, int *argc, char ***argv,
				 GError **error)
{
	gboolean foreground = FALSE, version = FALSE;
	int timeout = d->request_timeout_s, max_clients = d->max_clients;
	const GOptionEntry entries[] = {
		{"socket", 0, 0, G_OPTION_ARG_FILENAME, &d->socket_path,
		 "Listen on PATH unless socket-activated", "PATH"},
		{"config", 0, 0, G_OPTION_ARG_FILENAME, &d->config_path,
		 "Policy file", "PATH"},
		{"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &d->state_dir,
		 "Lease state directory", "DIR"},
		{"bpf-dir", 0, 0, G_OPTION_ARG_FILENAME, &d->bpf_dir,
		 "Directory in the BPF filesystem for the steering program",
		 "DIR"},
		{"foreground", 0, 0, G_OPTION_ARG_NONE, &foreground,
		 "Stay in the foreground (always the case; for scripts)", NULL},
		{"request-timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
		 "Seconds a client has to send its request (1-300)", "S"},
		{"max-clients", 0, 0, G_OPTION_ARG_INT, &max_clients,
		 "Connections served at once (1-4096)", "N"},
		{"version", 0, 0, G_OPTION_ARG_NONE, &version,
		 "Print the version and exit", NULL},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- lowport privileged port helper");

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, argc, argv, error))
		return false;
	if (version) {
		printf("lowportd %s\n", PACKAGE_VERSION);
		exit(EXIT_SUCCESS);
	}
	if (timeout < 1 || timeout > 300 || max_clients < 1 ||
	    max_clients > 4096) {
		g_set_error(
			error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			"--request-timeout must be 1-300, --max-clients 1-4096");
		return false;
	}
	d->request_timeout_s = timeout;
	d->max_clients = max_clients;
	/* GOption does not free what it overwrites: defaults go in after */
	if (!d->socket_path)
		d->socket_path = g_strdup(LOWPORT_SOCKET_PATH);
	if (!d->config_path)
		d->config_path = g_strdup(LOWPORT_POLICY_PATH);
	if (!d->state_dir)
		d->state_dir = g_strdup(LOWPORT_STATE_DIR);
	if (!d->bpf_dir)
		d->bpf_dir = g_strdup(LOWPORT_BPF_DIR);
	return true;
}

/**
 * daemon_log_policy_warnings() - Log what the policy loader ignored
 * @policy:	Freshly loaded policy
 */
static void daemon_log_policy_warnings(const LpPolicy *policy)
{
	const char *const *w = lp_policy_warnings(policy);

	for (; w && *w; w++)
		g_warning("policy: %s", *w);
}

/**
 * lp_daemon_reload() - Reload the policy; end leases it no longer allows
 * @d:		Daemon
 */
void lp_daemon_reload(LpDaemon *d)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) all = NULL;
	LpPolicy *policy = lp_policy_load(d->config_path, &error);
	guint i;

	if (!policy) {
		g_warning("policy reload failed, keeping the old policy: %s",
			  error->message);
		return;
	}
	daemon_log_policy_warnings(policy);
	lp_policy_free(d->policy);
	d->policy = policy;
	lp_steering_configure(d->steering, lp_policy_datapath(d->policy));
	g_message("policy reloaded from %s", d->config_path);
	lp_firewalld_log_unknown();

	all = lp_registry_snapshot(d->registry);
	for (i = 0; i < all->len; i++) {
		LpLease *lease = all->pdata[i];
		LpCred cred = {.uid = lease->uid,
			       .gid = lease->gid,
			       .groups = (const gid_t *)lease->groups->data,
			       .n_groups = lease->groups->len};
		g_autoptr(GError) local = NULL;
		g_autofree char *reason = NULL;

		if (lp_admission_policy(d->policy, &cred, lease->mappings,
					&local))
			continue;
		reason = g_strdup_printf("no longer allowed by policy: %s",
					 local->message);
		lp_registry_end(d->registry, lease, reason);
	}
}

/**
 * daemon_on_repair() - Rebuild the table if an outside change broke it
 * @data:	Daemon
 *
 * Return: G_SOURCE_REMOVE
 */
static gboolean daemon_on_repair(gpointer data)
{
	LpDaemon *d = data;

	d->repair_src = 0;
	lp_reconcile_repair(d->registry, d->nft);
	return G_SOURCE_REMOVE;
}

/**
 * daemon_on_monitor() - nftables changed: repair soon if it wasn't us
 * @fd:		Monitor socket
 * @cond:	Condition
 * @data:	Daemon
 *
 * Return: G_SOURCE_CONTINUE
 */
static gboolean daemon_on_monitor(int fd, GIOCondition cond, gpointer data)
{
	g_autoptr(GError) error = NULL;
	LpDaemon *d = data;
	bool foreign = false;

	if (!lp_nft_monitor_read(d->monitor, &foreign, &error)) {
		g_warning("nftables monitor: %s; checking the table",
			  error->message);
		foreign = true;
	}
	if (foreign && !d->repair_src)
		d->repair_src = g_timeout_add(DAEMON_REPAIR_DELAY_MS,
					      daemon_on_repair, d);
	return G_SOURCE_CONTINUE;
}

/**
 * daemon_on_hup() - SIGHUP: reload the policy
 * @data:	Daemon
 *
 * Return: G_SOURCE_CONTINUE
 */
static gboolean daemon_on_hup(gpointer data)
{
	lp_daemon_reload(data);
	return G_SOURCE_CONTINUE;
}

/**
 * daemon_on_term() - SIGTERM/SIGINT: stop; leases stay in place
 * @data:	Daemon
 *
 * Return: G_SOURCE_CONTINUE
 */
static gboolean daemon_on_term(gpointer data)
{
	LpDaemon *d = data;

	lp_notify("STOPPING=1");
	g_main_loop_quit(d->loop);
	return G_SOURCE_CONTINUE;
}

/**
 * daemon_raise_fd_limit() - Raise the soft descriptor limit to the hard one
 *
 * Every lease holds a pidfd and a reservation socket per port; the usual
 * soft limit of 1024 would cap lowportd at a few hundred leases.
 */
static void daemon_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		g_warning("cannot raise the descriptor limit: %s",
			  g_strerror(errno));
}

/**
 * daemon_start() - Everything before the main loop
 * @d:		Context
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool daemon_start(LpDaemon *d, GError **error)
{
	daemon_raise_fd_limit();
	d->policy = lp_policy_load(d->config_path, error);
	if (!d->policy || !lp_state_prepare(d->state_dir, error))
		return false;
	daemon_log_policy_warnings(d->policy);
	d->nft = lp_nft_new(lp_policy_table_owner(d->policy) ==
					    LP_POLICY_TABLE_OWNER_NEVER
				    ? LP_NFT_OWNER_NEVER
				    : LP_NFT_OWNER_AUTO,
			    error);
	if (!d->nft)
		return false;
	d->steering = lp_steering_new(d->bpf_dir);
	lp_steering_configure(d->steering, lp_policy_datapath(d->policy));
	g_message("data path of TCP leases: %s (%s)",
		  lp_datapath_name(lp_steering_datapath(d->steering)),
		  lp_steering_reason(d->steering));
	d->registry = lp_registry_new(d->nft, d->state_dir, error);
	if (d->registry)
		lp_registry_set_steering(d->registry, d->steering);
	if (!d->registry ||
	    !lp_reconcile_start(d->registry, d->nft, d->state_dir, error))
		return false;
	d->monitor = lp_nft_monitor_new(d->nft, error);
	if (!d->monitor)
		return false;
	d->monitor_src = g_unix_fd_add(lp_nft_monitor_fd(d->monitor), G_IO_IN,
				       daemon_on_monitor, d);
	d->server = lp_server_start(d, error);
	if (!d->server)
		return false;
	d->loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGHUP, daemon_on_hup, d);
	g_unix_signal_add(SIGTERM, daemon_on_term, d);
	g_unix_signal_add(SIGINT, daemon_on_term, d);
	return true;
}

/**
 * lp_daemon_run() - lowportd from command line to exit status
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: exit status
 */
int lp_daemon_run(int argc, char **argv)
{
	g_autoptr(LpDaemon) d = daemon_new();
	g_autoptr(GError) error = NULL;

	signal(SIGPIPE, SIG_IGN);
	if (!daemon_parse_options(d, &argc, &argv, &error)) {
		g_printerr("lowportd: %s\n", error->message);
		return 2;
	}
	if (!daemon_start(d, &error)) {
		g_printerr("lowportd: %s\n", error->message);
		lp_notify("STATUS=failed to start");
		return 1;
	}
	g_message("lowportd %s ready: %u lease(s), policy %s", PACKAGE_VERSION,
		  lp_registry_size(d->registry), d->config_path);
	lp_firewalld_log_unknown();
	lp_notify("READY=1");
	g_main_loop_run(d->loop);
	g_message("lowportd stopping; %u lease(s) stay in place",
		  lp_registry_size(d->registry));
	return d->exit_code;
}
