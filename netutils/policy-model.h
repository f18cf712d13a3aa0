/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy-model.h - what a loaded policy holds, for netutils/policy*.c only;
 *		    allocated in policy.c
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_POLICY_MODEL_H
#define LOWPORT_POLICY_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "netutils/policy.h"

/*
 * LpPolicyPorts - an inclusive port range of a grant
 * @first:	First port, 1..65535
 * @last:	Last port, >= @first
 */
typedef struct {
	uint16_t first;
	uint16_t last;
} LpPolicyPorts;

/*
 * LpPolicyGrant - one [allow NAME] group
 * @group:		Group name as written, "allow NAME"
 * @uids:		uid_t of users that resolved
 * @gids:		gid_t of groups that resolved
 * @ports:		LpPolicyPorts
 * @tcp:		tcp granted
 * @udp:		udp granted
 * @addrs:		LpAddr the grant covers, NULL for every scope
 * @max_forwards:	Most forwarded ports per user
 */
typedef struct {
	char *group;
	GArray *uids;
	GArray *gids;
	GArray *ports;
	bool tcp;
	bool udp;
	GArray *addrs;
	unsigned int max_forwards;
} LpPolicyGrant;

/*
 * struct LpPolicy - a loaded policy
 * @grants:		LpPolicyGrant, in file order
 * @warnings:		NULL-terminated messages about ignored names
 * @real_pasta:		[lowport] real-pasta, or NULL
 * @real_rootlessport: [lowport] real-rootlessport, or NULL
 * @real_pesto:		[lowport] real-pesto, or NULL
 * @table_owner:	[lowport] table-owner
 * @datapath:		[lowport] datapath
 */
struct LpPolicy {
	GPtrArray *grants;
	GPtrArray *warnings;
	char *real_pasta;
	char *real_rootlessport;
	char *real_pesto;
	LpPolicyTableOwner table_owner;
	LpPolicyDatapath datapath;
};

LpPolicyGrant *lp_policy_grant_new(const char *group);

#endif /* LOWPORT_POLICY_MODEL_H */
