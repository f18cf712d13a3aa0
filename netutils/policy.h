/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.h - the administrator's policy (lowport.conf, GKeyFile)
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_POLICY_H
#define LOWPORT_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

#include "netutils/addr.h"
#include "netutils/mapping.h"

#define LP_POLICY_ERROR (lp_policy_error_quark())
GQuark lp_policy_error_quark(void);

typedef enum {
	LP_POLICY_ERROR_PARSE, /* the file is not valid */
	LP_POLICY_ERROR_USER,  /* user matches no [allow] group */
	LP_POLICY_ERROR_PORT,  /* user matches, port/proto/address not */
} LpPolicyError;

/* max-forwards when a matching group does not set it */
#define LP_POLICY_MAX_FORWARDS_DEFAULT 16
/* Bounds on the file itself */
#define LP_POLICY_FILE_MAX   (1024 * 1024)
#define LP_POLICY_GROUPS_MAX 1024
/* Most items in one comma-separated list (users, groups, ports, ...) */
#define LP_POLICY_LIST_MAX 256

/*
 * LpPolicyTableOwner - [lowport] table-owner: whether lowportd may create
 * its table with the kernel's OWNER flag; the daemon maps it to LpNftOwnerMode
 */
typedef enum {
	LP_POLICY_TABLE_OWNER_AUTO,  /* "auto" (default) */
	LP_POLICY_TABLE_OWNER_NEVER, /* "never" */
} LpPolicyTableOwner;

/*
 * LpPolicyDatapath - [lowport] datapath: how TCP leases are carried
 */
typedef enum {
	LP_POLICY_DATAPATH_AUTO,  /* "auto" (default): steer TCP mappings whose
				   * listener was handed over when steering
				   * works, else NAT */
	LP_POLICY_DATAPATH_STEER, /* "steer": like auto, but a TCP mapping that
				   * cannot be steered is refused */
	LP_POLICY_DATAPATH_NAT,	  /* "nat": never steer */
} LpPolicyDatapath;

/*
 * LpCred - who is asking: uid, primary gid and supplementary groups as the
 * kernel reported them for the peer (SO_PEERCRED, SO_PEERGROUPS)
 */
typedef struct {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
} LpCred;

typedef struct LpPolicy LpPolicy;

LpPolicy *lp_policy_load(const char *path, GError **error);
LpPolicy *lp_policy_load_data(const char *data, size_t len, GError **error);
void lp_policy_free(LpPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpPolicy, lp_policy_free)

const char *const *lp_policy_warnings(const LpPolicy *policy);

bool lp_policy_check(const LpPolicy *policy, const LpCred *cred, int proto,
		     const LpAddr *addr, uint16_t port, GError **error);
bool lp_policy_check_mapping(const LpPolicy *policy, const LpCred *cred,
			     const LpMapping *m, GError **error);
unsigned int lp_policy_max_forwards(const LpPolicy *policy, const LpCred *cred);
const char *lp_policy_real_pasta(const LpPolicy *policy);
const char *lp_policy_real_rootlessport(const LpPolicy *policy);
const char *lp_policy_real_pesto(const LpPolicy *policy);
LpPolicyTableOwner lp_policy_table_owner(const LpPolicy *policy);
LpPolicyDatapath lp_policy_datapath(const LpPolicy *policy);
const char *lp_policy_datapath_name(LpPolicyDatapath datapath);
char *lp_policy_describe(const LpPolicy *policy, const LpCred *cred);

#endif /* LOWPORT_POLICY_H */
