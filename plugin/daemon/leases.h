/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * leases.h - the leases lowportd holds: kernel rules, reservations, watches
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_LEASES_H
#define LOWPORT_LEASES_H

#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

#include "daemon/daemon.h"
#include "netutils/mapping.h"
#include "netutils/protocol.h"
#include "netutils/lease-info.h"

/*
 * LpLease - one admitted forward request
 * @id:		Lease ID, also the chain name suffix
 * @uid:	Owner
 * @gid:	Owner's primary gid at admission (policy reload decisions)
 * @groups:	Owner's supplementary gids at admission (gid_t)
 * @pid:	Process whose exit ends the lease (pasta)
 * @starttime:	Its start time (/proc/PID/stat field 22), PID-reuse guard
 * @netns:	Netns path the client named (informational)
 * @created:	Unix time of admission
 * @mappings:	GArray of LpMapping
 * @pidfd:	pidfd of @pid (-1 if none)
 * @watched:	@pidfd is in the daemon's pidwatch set
 * @reservations: GArray of int, sockets holding the privileged ports
 * @daemon:	Back pointer for the pidfd watch
 */
struct LpLease {
	char id[LP_LEASE_ID_MAX + 1];
	uid_t uid;
	gid_t gid;
	GArray *groups;
	pid_t pid;
	uint64_t starttime;
	char *netns;
	int64_t created;
	GArray *mappings;
	int pidfd;
	bool watched;
	GArray *reservations;
	LpDaemon *daemon;
};

LpLease *lp_lease_new(void);
void lp_lease_free(LpLease *lease);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpLease, lp_lease_free)

unsigned int lp_lease_ports(const LpLease *lease);
char *lp_lease_describe(const LpLease *lease);
LpNftLease *lp_lease_to_nft(const LpLease *lease);
LpLeaseInfo *lp_lease_to_info(const LpLease *lease);

bool lp_leases_admit(LpDaemon *d, LpLease *lease, GError **error);
void lp_leases_adopt(LpDaemon *d, LpLease *lease);
void lp_leases_end(LpDaemon *d, LpLease *lease, const char *reason);
unsigned int lp_leases_count_ports(LpDaemon *d, uid_t uid);
LpLease *lp_leases_find_overlap(LpDaemon *d, const LpMapping *m,
				uint16_t *ret_port);
bool lp_leases_is_reservation(LpDaemon *d, uint64_t inode);
GPtrArray *lp_leases_snapshot(LpDaemon *d);
void lp_leases_on_exit(gpointer key, gpointer data);
void lp_leases_retry_removal(LpDaemon *d, LpNftLease *n);

#endif /* LOWPORT_LEASES_H */
