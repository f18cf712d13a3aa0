/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.h - lowportd: the process context the top-level modules share
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_DAEMON_H
#define LOWPORT_DAEMON_H

#include <glib.h>

#include "daemon/registry.h"
#include "daemon/steering.h"
#include "netutils/nft/nft.h"
#include "netutils/policy.h"
#include "netutils/nft/nft-monitor.h"

/* Defaults of the bounds a client can push against */
#define LP_DAEMON_REQUEST_TIMEOUT_S 5
#define LP_DAEMON_MAX_CLIENTS	    128

typedef struct LpServer LpServer;

/*
 * LpDaemon - the one context of a lowportd process
 * @socket_path:	--socket
 * @config_path:	--config, the policy file
 * @state_dir:		--state-dir
 * @bpf_dir:		--bpf-dir, where the steering program is pinned
 * @request_timeout_s:	Seconds a client has to send its request
 * @max_clients:	Connections served at once
 * @loop:		Main loop
 * @exit_code:		Exit status of lp_daemon_run()
 * @policy:		Policy in force
 * @nft:		nftables engine
 * @monitor:		nftables change monitor
 * @monitor_src:	Its main loop source
 * @repair_src:		Pending repair timer, 0 if none
 * @steering:		The BPF steering data path of TCP leases
 * @registry:		The leases held
 * @server:		The listening socket and its clients
 */
typedef struct {
	char *socket_path;
	char *config_path;
	char *state_dir;
	char *bpf_dir;
	unsigned int request_timeout_s;
	unsigned int max_clients;

	GMainLoop *loop;
	int exit_code;
	LpPolicy *policy;
	LpNft *nft;
	LpNftMonitor *monitor;
	guint monitor_src;
	guint repair_src;
	LpSteering *steering;
	LpRegistry *registry;
	LpServer *server;
} LpDaemon;

int lp_daemon_run(int argc, char **argv);
void lp_daemon_reload(LpDaemon *d);

#endif /* LOWPORT_DAEMON_H */
