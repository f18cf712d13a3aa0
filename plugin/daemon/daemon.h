/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.h - lowportd: the process context every daemon module shares
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_DAEMON_H
#define LOWPORT_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#include <glib.h>

#include "netutils/nft/nft-lease.h"
#include "netutils/nft/nft-monitor.h"
#include "netutils/nft/nft-table.h"
#include "netutils/nft/nft.h"
#include "netutils/policy.h"
#include "netutils/protocol.h"
#include "netutils/reply.h"
#include "netutils/request.h"

/* Defaults of the bounds a client can push against */
#define LP_DAEMON_REQUEST_TIMEOUT_S 5
#define LP_DAEMON_MAX_CLIENTS	    128
#define LP_DAEMON_MAX_LEASES	    16384

/*
 * LpPeer - who is on the other end of a connection, from the kernel
 * @pid:	SO_PEERCRED pid (at connect time; for logs only)
 * @uid:	SO_PEERCRED uid
 * @gid:	SO_PEERCRED gid
 * @groups:	SO_PEERGROUPS supplementary groups (gid_t)
 */
typedef struct {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	GArray *groups;
} LpPeer;

typedef struct LpLease LpLease;

/*
 * LpDaemon - the one context of a lowportd process
 */
typedef struct {
	char *socket_path;
	char *config_path;
	char *state_dir;
	unsigned int request_timeout_s;
	unsigned int max_clients;

	GMainLoop *loop;
	int exit_code;
	LpPolicy *policy;
	LpNft *nft;
	LpNftMonitor *monitor;
	guint monitor_src;
	guint repair_src;

	GHashTable *leases;	     /* id -> LpLease */
	struct LpPidWatch *pidwatch; /* pidfds of the leases */
	GHashTable *reserved;	     /* reservation socket inode -> NULL */

	int listen_fd;
	guint listen_src;
	unsigned int n_clients;
	GHashTable *per_uid; /* uid + 1 -> open connections */
	GPtrArray *pending;  /* LpNftLease whose removal failed */
	guint pending_src;
} LpDaemon;

/* GError domain whose codes are LpErrorCode: errors that become replies */
#define LP_DAEMON_ERROR (lp_daemon_error_quark())
GQuark lp_daemon_error_quark(void);

int lp_daemon_run(int argc, char **argv);

char *lp_user_label(uid_t uid);
void lp_log_event(const char *event, uid_t uid, const char *lease_id,
		  const char *fmt, ...) G_GNUC_PRINTF(4, 5);

LpReply *lp_daemon_handle(LpDaemon *d, const LpPeer *peer, const LpRequest *req,
			  int *pidfd);
void lp_daemon_reload(LpDaemon *d);
void lp_daemon_repair(LpDaemon *d);
bool lp_reconcile(LpDaemon *d, GError **error);

#endif /* LOWPORT_DAEMON_H */
