// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy.c - the administrator's policy (lowport.conf, GKeyFile): the loaded
 *	      object, its loading and its settings
 *
 * Copyright lowport authors
 */
/**
 * DOC: Theory of Operation
 *
 * The policy is read here, checked as text (policy-text.c), parsed
 * (policy-parse.c), evaluated for requests (policy-eval.c) and described
 * for lowportctl (policy-describe.c).
 *
 * The policy is a GKeyFile. Nothing is allowed unless an [allow NAME] group
 * grants it; one optional [lowport] group holds helper settings. Unknown
 * groups and keys, duplicate groups and duplicate keys are load errors: a
 * typo in a security policy must neither grant nor deny silently.
 *
 * GKeyFile has no trailing comments; this file strips them itself before
 * GKeyFile sees the text: on any line that is not a comment, " #" or "\t#"
 * starts a comment that runs to the end of the line.
 *
 * User and group names are resolved to ids once, at load. A name that does
 * not resolve is recorded as a warning (lp_policy_warnings()) and ignored,
 * so that a policy naming a deleted user, or the default policy on a host
 * without group "lowport", still loads; numeric ids always work. Logging
 * those warnings is the caller's business (the daemon logs them, the shim
 * only needs real-pasta and stays quiet).
 *
 * A request (cred, proto, address, port) is granted if any [allow] group
 * matching the cred (uid in users, or primary or supplementary gid in
 * groups) lists the protocol and port and covers the address scope:
 *
 *   no addresses key: every scope
 *   every address (AF_UNSPEC): both 0.0.0.0 and :: listed
 *   IPv4 wildcard: 0.0.0.0 listed; IPv6 wildcard: :: listed
 *   one address: that address listed (0.0.0.0 and :: do not cover it)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/policy-model.h"
#include "netutils/policy-parse.h"
#include "netutils/policy-text.h"
#include "netutils/policy.h"
#include "netutils/util.h"

G_DEFINE_QUARK(lp_policy_error, lp_policy_error)

/**
 * policy_grant_free() - Free a grant
 * @g:	Grant, may be NULL
 */
static void policy_grant_free(LpPolicyGrant *g)
{
	if (!g)
		return;
	g_free(g->group);
	g_array_unref(g->uids);
	g_array_unref(g->gids);
	g_array_unref(g->ports);
	if (g->addrs)
		g_array_unref(g->addrs);
	g_free(g);
}

/**
 * lp_policy_grant_new() - Allocate an empty grant
 * @group:	Group name, copied
 *
 * Return: new grant, granting nothing
 */
LpPolicyGrant *lp_policy_grant_new(const char *group)
{
	LpPolicyGrant *g = g_new0(LpPolicyGrant, 1);

	g->group = g_strdup(group);
	g->uids = g_array_new(FALSE, FALSE, sizeof(uid_t));
	g->gids = g_array_new(FALSE, FALSE, sizeof(gid_t));
	g->ports = g_array_new(FALSE, FALSE, sizeof(LpPolicyPorts));
	g->tcp = g->udp = true;
	g->max_forwards = LP_POLICY_MAX_FORWARDS_DEFAULT;
	return g;
}

/**
 * lp_policy_free() - Free a policy
 * @policy:	Policy, may be NULL
 */
void lp_policy_free(LpPolicy *policy)
{
	if (!policy)
		return;
	g_ptr_array_unref(policy->grants);
	g_ptr_array_unref(policy->warnings);
	g_free(policy->real_pasta);
	g_free(policy->real_rootlessport);
	g_free(policy->real_pesto);
	g_free(policy);
}

/**
 * policy_new() - Allocate a policy that grants nothing
 *
 * Return: new policy
 */
static LpPolicy *policy_new(void)
{
	LpPolicy *p = g_new0(LpPolicy, 1);

	p->grants = g_ptr_array_new_with_free_func(
		(GDestroyNotify)policy_grant_free);
	p->warnings = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(p->warnings, NULL);
	p->table_owner = LP_POLICY_TABLE_OWNER_AUTO;
	p->datapath = LP_POLICY_DATAPATH_AUTO;
	return p;
}

/**
 * policy_load_named() - Parse a policy, naming it in messages
 * @name:	File name for messages, or NULL
 * @data:	File contents
 * @len:	Length of @data
 * @error:	Return location for the error
 *
 * Return: policy (free with lp_policy_free()), or NULL on error
 */
static LpPolicy *policy_load_named(const char *name, const char *data,
				   size_t len, GError **error)
{
	g_autoptr(LpPolicy) policy = policy_new();
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) kf_error = NULL;
	g_autofree char *text = NULL;
	LpPolicyParse ctx = {.name = name, .kf = kf, .policy = policy};

	text = lp_policy_text_preprocess(&ctx, data, len, error);
	if (!text)
		return NULL;
	if (!g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE,
				       &kf_error)) {
		lp_policy_parse_fail(&ctx, error, "%s", kf_error->message);
		return NULL;
	}
	if (!lp_policy_parse_kf(&ctx, error))
		return NULL;
	return g_steal_pointer(&policy);
}

/**
 * lp_policy_load_data() - Parse a policy from memory
 * @data:	File contents, need not be NUL-terminated
 * @len:	Length of @data, at most LP_POLICY_FILE_MAX
 * @error:	Return location for the error
 *
 * Error messages read "[allow web] ports: '70000' is not a port".
 *
 * Return: policy (free with lp_policy_free()), or NULL on error
 */
LpPolicy *lp_policy_load_data(const char *data, size_t len, GError **error)
{
	return policy_load_named(NULL, data, len, error);
}

/**
 * policy_read() - Read a whole regular file of bounded size
 * @path:	File
 * @ret_data:	Contents, caller frees
 * @ret_len:	Length of the contents
 * @error:	Return location for the error (G_FILE_ERROR for I/O)
 *
 * Return: true on success
 */
static bool policy_read(const char *path, char **ret_data, size_t *ret_len,
			GError **error)
{
	lp_autofd int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	g_autofree char *buf = NULL;
	size_t len = 0;
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	buf = g_malloc(LP_POLICY_FILE_MAX + 1);
	do {
		n = read(fd, buf + len, LP_POLICY_FILE_MAX + 1 - len);
		if (n < 0 && errno != EINTR)
			goto fail;
		len += MAX(n, 0);
	} while (n && len <= LP_POLICY_FILE_MAX);
	*ret_data = g_steal_pointer(&buf);
	*ret_len = len;
	return true;
fail:
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		    "%s: %s", path,
		    errno == EINVAL ? "not a regular file" : g_strerror(errno));
	return false;
}

/**
 * lp_policy_load() - Load the policy file
 * @path:	File, e.g. /etc/lowport/lowport.conf
 * @error:	Return location for the error: G_FILE_ERROR if the file
 *		cannot be read, LP_POLICY_ERROR_PARSE if it is invalid
 *
 * Error messages start with @path:
 * "/etc/lowport/lowport.conf: [allow web] ports: '70000' is not a port".
 *
 * Return: policy (free with lp_policy_free()), or NULL on error
 */
LpPolicy *lp_policy_load(const char *path, GError **error)
{
	g_autofree char *data = NULL;
	size_t len;

	if (!policy_read(path, &data, &len, error))
		return NULL;
	return policy_load_named(path, data, len, error);
}

/**
 * lp_policy_warnings() - Problems the policy loaded despite
 * @policy:	Policy
 *
 * One message per user or group name that did not resolve and was ignored,
 * named like errors ("[allow web] groups: no group named 'lowport',
 * ignoring"). The caller decides whether to log them.
 *
 * Return: NULL-terminated array owned by @policy, empty if none
 */
const char *const *lp_policy_warnings(const LpPolicy *policy)
{
	return (const char *const *)policy->warnings->pdata;
}

/**
 * lp_policy_real_pasta() - The pasta binary the shim should run
 * @policy:	Policy
 *
 * Return: [lowport] real-pasta, or NULL if not set (search for it)
 */
const char *lp_policy_real_pasta(const LpPolicy *policy)
{
	return policy->real_pasta;
}

/**
 * lp_policy_real_rootlessport() - The rootlessport binary the shim should run
 * @policy:	Policy
 *
 * Return: [lowport] real-rootlessport, or NULL if not set (search for it)
 */
const char *lp_policy_real_rootlessport(const LpPolicy *policy)
{
	return policy->real_rootlessport;
}

/**
 * lp_policy_real_pesto() - The pesto binary the shim should run
 * @policy:	Policy
 *
 * Return: [lowport] real-pesto, or NULL if not set (search for it)
 */
const char *lp_policy_real_pesto(const LpPolicy *policy)
{
	return policy->real_pesto;
}

/**
 * lp_policy_table_owner() - Whether lowportd may use an OWNER table
 * @policy:	Policy
 *
 * Return: [lowport] table-owner, LP_POLICY_TABLE_OWNER_AUTO if not set
 */
LpPolicyTableOwner lp_policy_table_owner(const LpPolicy *policy)
{
	return policy->table_owner;
}

/**
 * lp_policy_datapath() - How TCP leases are to be carried
 * @policy:	Policy
 *
 * Return: [lowport] datapath, LP_POLICY_DATAPATH_AUTO if not set
 */
LpPolicyDatapath lp_policy_datapath(const LpPolicy *policy)
{
	return policy->datapath;
}

/**
 * lp_policy_datapath_name() - The policy text of a datapath setting
 * @datapath:	Setting
 *
 * Return: "auto", "steer" or "nat"
 */
const char *lp_policy_datapath_name(LpPolicyDatapath datapath)
{
	switch (datapath) {
	case LP_POLICY_DATAPATH_STEER:
		return "steer";
	case LP_POLICY_DATAPATH_NAT:
		return "nat";
	default:
		return "auto";
	}
}
