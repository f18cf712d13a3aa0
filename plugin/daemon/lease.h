/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lease.h - the LpLease object: construction, description, conversions
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_LEASE_H
#define LOWPORT_LEASE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

#include "daemon/listener.h"
#include "netutils/mapping.h"
#include "netutils/nft/nft.h"
#include "netutils/protocol.h"
#include "netutils/lease-info.h"
#include "netutils/nft/nft-lease.h"

/* Most leases one lowportd holds (and state files it reads) */
#define LP_LEASE_MAX_HELD 16384

/*
 * LpLease - one admitted forward request
 * @id:		Lease ID, also the element comment "lease=ID"
 * @uid:	Owner
 * @gid:	Owner's primary gid at admission (policy reload decisions)
 * @groups:	Owner's supplementary gids at admission (gid_t)
 * @pid:	Process whose exit ends the lease (pasta)
 * @starttime:	Its start time (/proc/PID/stat field 22), PID-reuse guard
 * @netns:	Netns path the client named (informational)
 * @front:	Shim front that asked for it (pasta, rootlessport, pesto)
 * @created:	Unix time of admission
 * @mappings:	GArray of LpMapping
 * @pidfd:	pidfd of @pid (-1 if none)
 * @watched:	@pidfd is in the registry's pidfd watch (registry.c)
 * @reservations: GArray of int, sockets holding the privileged ports
 * @listeners:	GArray of LpListener handed over with the request, held
 *		only until they are in the steering map (steering.c)
 */
typedef struct LpLease {
	char id[LP_LEASE_ID_MAX + 1];
	uid_t uid;
	gid_t gid;
	GArray *groups;
	pid_t pid;
	uint64_t starttime;
	char *netns;
	LpFront front;
	int64_t created;
	GArray *mappings;
	int pidfd;
	bool watched;
	GArray *reservations;
	GArray *listeners;
} LpLease;

LpLease *lp_lease_new(void);
void lp_lease_free(LpLease *lease);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpLease, lp_lease_free)

unsigned int lp_lease_ports(const LpLease *lease);
char *lp_lease_describe(const LpLease *lease);
bool lp_lease_uses(const LpLease *lease, LpDatapath datapath);
LpNftLease *lp_lease_to_nft(const LpLease *lease);
LpLeaseInfo *lp_lease_to_info(const LpLease *lease);

#endif /* LOWPORT_LEASE_H */
