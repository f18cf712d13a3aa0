// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy-parse.c - fill a policy from its key file: groups, keys, values
 *
 * Every key of a group is known or an error; values are bounded lists
 * (LP_POLICY_LIST_MAX items). User and group names resolve once, here; a
 * name that does not resolve becomes a warning of the policy, not an error.
 * Errors and warnings name file, group and key.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/addr.h"
#include "netutils/policy-model.h"
#include "netutils/policy-parse.h"
#include "netutils/policy.h"
#include "netutils/util.h"

/* Longest user or group name accepted (LOGIN_NAME_MAX) */
#define POLICY_PARSE_NAME_MAX 256

/**
 * policy_parse_where() - Format "NAME: [GROUP] KEY: " for messages
 * @ctx:	Parser position; group and key may be NULL
 *
 * Return: prefix, caller frees
 */
static char *policy_parse_where(const LpPolicyParse *ctx)
{
	GString *s = g_string_new(NULL);

	if (ctx->name)
		g_string_append_printf(s, "%s: ", ctx->name);
	if (ctx->group)
		g_string_append_printf(s, "[%s] ", ctx->group);
	if (ctx->group && ctx->key)
		g_string_append_printf(s, "%s: ", ctx->key);
	return g_string_free(s, FALSE);
}

/**
 * lp_policy_parse_fail() - Set a parse error naming file, group and key
 * @ctx:	Parser position
 * @error:	Return location for the error
 * @fmt:	printf() format of the message
 *
 * Return: false, for "return lp_policy_parse_fail(...)"
 */
bool lp_policy_parse_fail(const LpPolicyParse *ctx, GError **error,
			  const char *fmt, ...)
{
	g_autofree char *where = policy_parse_where(ctx);
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, LP_POLICY_ERROR, LP_POLICY_ERROR_PARSE, "%s%s",
		    where, msg);
	return false;
}

/**
 * policy_parse_warn() - Record a warning naming file, group and key
 * @ctx:	Parser position
 * @fmt:	printf() format of the message
 */
static G_GNUC_PRINTF(2, 3) void policy_parse_warn(const LpPolicyParse *ctx,
						  const char *fmt, ...)
{
	g_autofree char *where = policy_parse_where(ctx);
	g_autofree char *msg = NULL;
	GPtrArray *w = ctx->policy->warnings;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_insert(w, w->len - 1, g_strconcat(where, msg, NULL));
}

/**
 * policy_parse_split() - Split a comma-separated list, trimming each item
 * @ctx:	Parser position
 * @value:	Raw value
 * @ret:	Items, caller frees with g_strfreev()
 * @error:	Return location for the error
 *
 * Return: true on success; empty lists and items are errors
 */
static bool policy_parse_split(const LpPolicyParse *ctx, const char *value,
			       char ***ret, GError **error)
{
	g_auto(GStrv) items = NULL;
	unsigned int i;

	if (!*value)
		return lp_policy_parse_fail(ctx, error, "empty list");
	items = g_strsplit(value, ",", LP_POLICY_LIST_MAX + 1);
	if (g_strv_length(items) > LP_POLICY_LIST_MAX)
		return lp_policy_parse_fail(ctx, error, "more than %d items",
					    LP_POLICY_LIST_MAX);
	for (i = 0; items[i]; i++) {
		if (!*g_strstrip(items[i]))
			return lp_policy_parse_fail(ctx, error,
						    "empty list item");
	}
	*ret = g_steal_pointer(&items);
	return true;
}

/**
 * policy_parse_is_number() - Tell whether a string is only decimal digits
 * @s:	String
 *
 * Return: true for "0", "1000", ..., false for "" and anything else
 */
static bool policy_parse_is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/**
 * policy_parse_is_name() - Tell whether a string may be a user or group name
 * @s:	String, not all digits
 *
 * Accepts letters, digits, '_', '.', '@', '-' (not first), and one trailing
 * '$': POSIX portable names plus what directory services use.
 *
 * Return: true if @s is a plausible name
 */
static bool policy_parse_is_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@-");
	size_t len = strlen(s);

	if (!len || len > POLICY_PARSE_NAME_MAX || s[0] == '-')
		return false;
	return n == len || (n == len - 1 && s[n] == '$' && n);
}

/**
 * policy_parse_resolve() - Look up a user or group name
 * @name:	Name
 * @user:	true for a user (getpwnam), false for a group (getgrnam)
 * @ret:	uid or gid
 *
 * Return: true if the name exists
 */
static bool policy_parse_resolve(const char *name, bool user, guint32 *ret)
{
	struct passwd *pw;
	struct group *gr;

	if (user) {
		pw = getpwnam(name);
		if (pw)
			*ret = pw->pw_uid;
		return pw;
	}
	gr = getgrnam(name);
	if (gr)
		*ret = gr->gr_gid;
	return gr;
}

/**
 * policy_parse_ids() - Parse a users or groups list into ids
 * @ctx:	Parser position
 * @value:	Raw value
 * @user:	true for users, false for groups
 * @ids:	GArray of uid_t or gid_t to append to
 * @error:	Return location for the error
 *
 * Return: true on success; names that do not resolve are warned about
 */
static bool policy_parse_ids(LpPolicyParse *ctx, const char *value, bool user,
			     GArray *ids, GError **error)
{
	const char *what = user ? "user" : "group";
	g_auto(GStrv) items = NULL;
	unsigned int i;
	guint64 n;

	if (!policy_parse_split(ctx, value, &items, error))
		return false;
	for (i = 0; items[i]; i++) {
		guint32 id;

		if (policy_parse_is_number(items[i])) {
			if (!g_ascii_string_to_unsigned(
				    items[i], 10, 0, G_MAXUINT32 - 1, &n, NULL))
				return lp_policy_parse_fail(
					ctx, error, "'%s' is not a valid %cid",
					items[i], what[0]);
			id = n;
		} else if (!policy_parse_is_name(items[i])) {
			return lp_policy_parse_fail(
				ctx, error, "'%s' is not a valid %s name",
				items[i], what);
		} else if (!policy_parse_resolve(items[i], user, &id)) {
			policy_parse_warn(ctx, "no %s named '%s', ignoring",
					  what, items[i]);
			continue;
		}
		g_array_append_val(ids, id);
	}
	return true;
}

/**
 * policy_parse_users() - Parse the users key
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_users(LpPolicyParse *ctx, const char *value,
			       GError **error)
{
	return policy_parse_ids(ctx, value, true, ctx->grant->uids, error);
}

/**
 * policy_parse_groups() - Parse the groups key
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_groups(LpPolicyParse *ctx, const char *value,
				GError **error)
{
	return policy_parse_ids(ctx, value, false, ctx->grant->gids, error);
}

/**
 * policy_parse_port() - Parse one port number
 * @s:		Text, already trimmed
 * @ret:	Port
 *
 * Return: true for 1..65535
 */
static bool policy_parse_port(const char *s, uint16_t *ret)
{
	guint64 n;

	if (!policy_parse_is_number(s) ||
	    !g_ascii_string_to_unsigned(s, 10, 1, 65535, &n, NULL))
		return false;
	*ret = n;
	return true;
}

/**
 * policy_parse_range() - Parse "PORT" or "FIRST-LAST"
 * @ctx:	Parser position
 * @item:	List item
 * @ret:	Range
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_range(LpPolicyParse *ctx, const char *item,
			       LpPolicyPorts *ret, GError **error)
{
	g_auto(GStrv) ends = g_strsplit(item, "-", 3);

	if (!ends[1]) {
		if (!policy_parse_port(item, &ret->first))
			return lp_policy_parse_fail(ctx, error,
						    "'%s' is not a port", item);
		ret->last = ret->first;
		return true;
	}
	if (ends[2] || !policy_parse_port(g_strstrip(ends[0]), &ret->first) ||
	    !policy_parse_port(g_strstrip(ends[1]), &ret->last))
		return lp_policy_parse_fail(ctx, error,
					    "'%s' is not a port range", item);
	if (ret->first > ret->last)
		return lp_policy_parse_fail(ctx, error,
					    "'%s' is not a port range: %u > %u",
					    item, ret->first, ret->last);
	return true;
}

/**
 * policy_parse_ports() - Parse the ports key
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_ports(LpPolicyParse *ctx, const char *value,
			       GError **error)
{
	g_auto(GStrv) items = NULL;
	unsigned int i;

	if (!policy_parse_split(ctx, value, &items, error))
		return false;
	for (i = 0; items[i]; i++) {
		LpPolicyPorts r;

		if (!policy_parse_range(ctx, items[i], &r, error))
			return false;
		g_array_append_val(ctx->grant->ports, r);
	}
	return true;
}

/**
 * policy_parse_protocols() - Parse the protocols key
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_protocols(LpPolicyParse *ctx, const char *value,
				   GError **error)
{
	g_auto(GStrv) items = NULL;
	unsigned int i;

	if (!policy_parse_split(ctx, value, &items, error))
		return false;
	ctx->grant->tcp = ctx->grant->udp = false;
	for (i = 0; items[i]; i++) {
		int proto = lp_proto_parse(items[i]);

		if (proto == IPPROTO_TCP)
			ctx->grant->tcp = true;
		else if (proto == IPPROTO_UDP)
			ctx->grant->udp = true;
		else
			return lp_policy_parse_fail(
				ctx, error, "'%s' is not a protocol (tcp, udp)",
				items[i]);
	}
	return true;
}

/**
 * policy_parse_addresses() - Parse the addresses key
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * IPv4-mapped IPv6 addresses are refused: write the IPv4 address.
 *
 * Return: true on success
 */
static bool policy_parse_addresses(LpPolicyParse *ctx, const char *value,
				   GError **error)
{
	g_auto(GStrv) items = NULL;
	unsigned int i;

	if (!policy_parse_split(ctx, value, &items, error))
		return false;
	ctx->grant->addrs = g_array_new(FALSE, FALSE, sizeof(LpAddr));
	for (i = 0; items[i]; i++) {
		LpAddr a;

		if (lp_addr_parse(items[i], &a) < 0)
			return lp_policy_parse_fail(ctx, error,
						    "'%s' is not an IP address",
						    items[i]);
		if (a.family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a.u.v6))
			return lp_policy_parse_fail(
				ctx, error,
				"'%s' is IPv4-mapped, write the IPv4 address",
				items[i]);
		g_array_append_val(ctx->grant->addrs, a);
	}
	return true;
}

/**
 * policy_parse_max_forwards() - Parse the max-forwards key
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_max_forwards(LpPolicyParse *ctx, const char *value,
				      GError **error)
{
	guint64 n;

	if (!policy_parse_is_number(value) ||
	    !g_ascii_string_to_unsigned(value, 10, 0, 65535, &n, NULL))
		return lp_policy_parse_fail(
			ctx, error, "'%s' is not a number from 0 to 65535",
			value);
	ctx->grant->max_forwards = n;
	return true;
}

/**
 * policy_parse_path() - Parse an absolute path of a [lowport] real-* key
 * @ctx:	Parser position
 * @value:	Raw value
 * @ret:	Where the copy goes (replacing an earlier one)
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_path(LpPolicyParse *ctx, const char *value, char **ret,
			      GError **error)
{
	if (!g_path_is_absolute(value))
		return lp_policy_parse_fail(
			ctx, error, "'%s' is not an absolute path", value);
	if (strlen(value) >= PATH_MAX)
		return lp_policy_parse_fail(
			ctx, error, "path longer than %d bytes", PATH_MAX - 1);
	g_free(*ret);
	*ret = g_strdup(value);
	return true;
}

/**
 * policy_parse_real_pasta() - Parse [lowport] real-pasta
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_real_pasta(LpPolicyParse *ctx, const char *value,
				    GError **error)
{
	return policy_parse_path(ctx, value, &ctx->policy->real_pasta, error);
}

/**
 * policy_parse_real_rootlessport() - Parse [lowport] real-rootlessport
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_real_rootlessport(LpPolicyParse *ctx,
					   const char *value, GError **error)
{
	return policy_parse_path(ctx, value, &ctx->policy->real_rootlessport,
				 error);
}

/**
 * policy_parse_real_pesto() - Parse [lowport] real-pesto
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_real_pesto(LpPolicyParse *ctx, const char *value,
				    GError **error)
{
	return policy_parse_path(ctx, value, &ctx->policy->real_pesto, error);
}

/**
 * policy_parse_table_owner() - Parse [lowport] table-owner
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_table_owner(LpPolicyParse *ctx, const char *value,
				     GError **error)
{
	if (!strcmp(value, "auto"))
		ctx->policy->table_owner = LP_POLICY_TABLE_OWNER_AUTO;
	else if (!strcmp(value, "never"))
		ctx->policy->table_owner = LP_POLICY_TABLE_OWNER_NEVER;
	else
		return lp_policy_parse_fail(
			ctx, error, "'%s' is neither auto nor never", value);
	return true;
}

/**
 * policy_parse_datapath() - Parse [lowport] datapath
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_datapath(LpPolicyParse *ctx, const char *value,
				  GError **error)
{
	if (!strcmp(value, "auto"))
		ctx->policy->datapath = LP_POLICY_DATAPATH_AUTO;
	else if (!strcmp(value, "steer"))
		ctx->policy->datapath = LP_POLICY_DATAPATH_STEER;
	else if (!strcmp(value, "nat"))
		ctx->policy->datapath = LP_POLICY_DATAPATH_NAT;
	else
		return lp_policy_parse_fail(
			ctx, error, "'%s' is not auto, steer or nat", value);
	return true;
}

typedef bool (*PolicyParseKeyFn)(LpPolicyParse *ctx, const char *value,
				 GError **error);

/*
 * PolicyParseKey - one key a group may hold
 * @key:	Key name
 * @parse:	Parser for its raw value
 */
typedef struct {
	const char *key;
	PolicyParseKeyFn parse;
} PolicyParseKey;

static const PolicyParseKey policy_parse_allow_keys[] = {
	{"users", policy_parse_users},
	{"groups", policy_parse_groups},
	{"ports", policy_parse_ports},
	{"protocols", policy_parse_protocols},
	{"addresses", policy_parse_addresses},
	{"max-forwards", policy_parse_max_forwards},
	{NULL, NULL},
};

static const PolicyParseKey policy_parse_lowport_keys[] = {
	{"real-pasta", policy_parse_real_pasta},
	{"real-rootlessport", policy_parse_real_rootlessport},
	{"real-pesto", policy_parse_real_pesto},
	{"table-owner", policy_parse_table_owner},
	{"datapath", policy_parse_datapath},
	{NULL, NULL},
};

/**
 * policy_parse_keys() - Check a group's keys and parse each known one
 * @ctx:	Parser position, group set
 * @keys:	Keys the group may hold, NULL-terminated
 * @error:	Return location for the error
 *
 * Return: true on success; an unknown key is an error
 */
static bool policy_parse_keys(LpPolicyParse *ctx, const PolicyParseKey *keys,
			      GError **error)
{
	g_auto(GStrv) names =
		g_key_file_get_keys(ctx->kf, ctx->group, NULL, NULL);
	unsigned int i;

	for (i = 0; names && names[i]; i++) {
		const PolicyParseKey *k;
		g_autofree char *value = NULL;

		for (k = keys; k->key && strcmp(k->key, names[i]); k++)
			;
		if (!k->key)
			return lp_policy_parse_fail(
				ctx, error, "unknown key '%s'", names[i]);
		value = g_key_file_get_value(ctx->kf, ctx->group, k->key, NULL);
		ctx->key = k->key;
		if (!k->parse(ctx, value, error))
			return false;
		ctx->key = NULL;
	}
	return true;
}

/**
 * policy_parse_allow() - Parse one [allow NAME] group
 * @ctx:	Parser position, group set
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_allow(LpPolicyParse *ctx, GError **error)
{
	LpPolicyGrant *g = lp_policy_grant_new(ctx->group);

	g_ptr_array_add(ctx->policy->grants, g); /* policy owns g */
	ctx->grant = g;
	if (!policy_parse_keys(ctx, policy_parse_allow_keys, error))
		return false;
	if (!g_key_file_has_key(ctx->kf, ctx->group, "ports", NULL))
		return lp_policy_parse_fail(ctx, error,
					    "no ports key: grants nothing");
	if (!g_key_file_has_key(ctx->kf, ctx->group, "users", NULL) &&
	    !g_key_file_has_key(ctx->kf, ctx->group, "groups", NULL))
		return lp_policy_parse_fail(
			ctx, error, "no users or groups key: grants nobody");
	return true;
}

/**
 * policy_parse_is_allow_group() - Tell whether a group name is "allow NAME"
 * @group:	Group name
 *
 * Return: true if @group is "allow " followed by a non-blank name
 */
static bool policy_parse_is_allow_group(const char *group)
{
	const char *name;

	if (!g_str_has_prefix(group, "allow "))
		return false;
	for (name = group + strlen("allow "); *name; name++) {
		if (!g_ascii_isspace(*name))
			return true;
	}
	return false;
}

/**
 * lp_policy_parse_kf() - Fill a policy from a loaded key file
 * @ctx:	Parser position, kf and policy set
 * @error:	Return location for the error
 *
 * Return: true on success
 */
bool lp_policy_parse_kf(LpPolicyParse *ctx, GError **error)
{
	gsize n;
	g_auto(GStrv) groups = g_key_file_get_groups(ctx->kf, &n);
	unsigned int i;
	bool ok;

	if (n > LP_POLICY_GROUPS_MAX)
		return lp_policy_parse_fail(ctx, error, "more than %d groups",
					    LP_POLICY_GROUPS_MAX);
	for (i = 0; groups[i]; i++) {
		ctx->group = groups[i];
		ctx->grant = NULL;
		if (!strcmp(groups[i], "lowport"))
			ok = policy_parse_keys(ctx, policy_parse_lowport_keys,
					       error);
		else if (policy_parse_is_allow_group(groups[i]))
			ok = policy_parse_allow(ctx, error);
		else
			ok = lp_policy_parse_fail(ctx, error, "unknown group");
		if (!ok)
			return false;
	}
	ctx->group = NULL;
	return true;
}
