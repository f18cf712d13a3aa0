// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy.c - the administrator's policy (lowport.conf, GKeyFile)
 *
 * Copyright lowport authors
 */
/**
 * DOC: Theory of Operation
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
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/addr.h"
#include "netutils/mapping.h"
#include "netutils/policy.h"
#include "netutils/util.h"

G_DEFINE_QUARK(lp_policy_error, lp_policy_error)

/* Longest user or group name accepted (LOGIN_NAME_MAX) */
#define POLICY_NAME_MAX 256

/*
 * PolicyPorts - an inclusive port range of a grant
 * @first:	First port, 1..65535
 * @last:	Last port, >= @first
 */
typedef struct {
	uint16_t first;
	uint16_t last;
} PolicyPorts;

/*
 * PolicyGrant - one [allow NAME] group
 * @group:		Group name as written, "allow NAME"
 * @uids:		uid_t of users that resolved
 * @gids:		gid_t of groups that resolved
 * @ports:		PolicyPorts
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
} PolicyGrant;

/*
 * struct LpPolicy - a loaded policy
 * @grants:		PolicyGrant, in file order
 * @warnings:		NULL-terminated messages about ignored names
 * @real_pasta:		[lowport] real-pasta, or NULL
 * @table_owner:	[lowport] table-owner
 */
struct LpPolicy {
	GPtrArray *grants;
	GPtrArray *warnings;
	char *real_pasta;
	LpPolicyTableOwner table_owner;
};

/*
 * PolicyParse - where the parser is, for error messages
 * @name:	File name for messages, or NULL
 * @kf:		Key file
 * @group:	Current group
 * @key:	Current key, or NULL
 * @policy:	Policy being filled
 * @grant:	Grant being filled, NULL in [lowport]
 */
typedef struct {
	const char *name;
	GKeyFile *kf;
	const char *group;
	const char *key;
	LpPolicy *policy;
	PolicyGrant *grant;
} PolicyParse;

/**
 * policy_grant_free() - Free a grant
 * @g:	Grant, may be NULL
 */
static void policy_grant_free(PolicyGrant *g)
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
 * policy_grant_new() - Allocate an empty grant
 * @group:	Group name, copied
 *
 * Return: new grant, granting nothing
 */
static PolicyGrant *policy_grant_new(const char *group)
{
	PolicyGrant *g = g_new0(PolicyGrant, 1);

	g->group = g_strdup(group);
	g->uids = g_array_new(FALSE, FALSE, sizeof(uid_t));
	g->gids = g_array_new(FALSE, FALSE, sizeof(gid_t));
	g->ports = g_array_new(FALSE, FALSE, sizeof(PolicyPorts));
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
	return p;
}

/**
 * policy_where() - Format "NAME: [GROUP] KEY: " for messages
 * @ctx:	Parser position; group and key may be NULL
 *
 * Return: prefix, caller frees
 */
static char *policy_where(const PolicyParse *ctx)
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
 * policy_fail() - Set a parse error naming file, group and key
 * @ctx:	Parser position
 * @error:	Return location for the error
 * @fmt:	printf() format of the message
 *
 * Return: false, for "return policy_fail(...)"
 */
static G_GNUC_PRINTF(3, 4) bool policy_fail(const PolicyParse *ctx,
					    GError **error, const char *fmt,
					    ...)
{
	g_autofree char *where = policy_where(ctx);
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
 * policy_warn() - Record a warning naming file, group and key
 * @ctx:	Parser position
 * @fmt:	printf() format of the message
 */
static G_GNUC_PRINTF(2, 3) void policy_warn(const PolicyParse *ctx,
					    const char *fmt, ...)
{
	g_autofree char *where = policy_where(ctx);
	g_autofree char *msg = NULL;
	GPtrArray *w = ctx->policy->warnings;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_insert(w, w->len - 1, g_strconcat(where, msg, NULL));
}

/**
 * policy_split() - Split a comma-separated list, trimming each item
 * @ctx:	Parser position
 * @value:	Raw value
 * @ret:	Items, caller frees with g_strfreev()
 * @error:	Return location for the error
 *
 * Return: true on success; empty lists and items are errors
 */
static bool policy_split(const PolicyParse *ctx, const char *value, char ***ret,
			 GError **error)
{
	g_auto(GStrv) items = NULL;
	unsigned int i;

	if (!*value)
		return policy_fail(ctx, error, "empty list");
	items = g_strsplit(value, ",", LP_POLICY_LIST_MAX + 1);
	if (g_strv_length(items) > LP_POLICY_LIST_MAX)
		return policy_fail(ctx, error, "more than %d items",
				   LP_POLICY_LIST_MAX);
	for (i = 0; items[i]; i++) {
		if (!*g_strstrip(items[i]))
			return policy_fail(ctx, error, "empty list item");
	}
	*ret = g_steal_pointer(&items);
	return true;
}

/**
 * policy_is_number() - Tell whether a string is only decimal digits
 * @s:	String
 *
 * Return: true for "0", "1000", ..., false for "" and anything else
 */
static bool policy_is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/**
 * policy_is_name() - Tell whether a string may be a user or group name
 * @s:	String, not all digits
 *
 * Accepts letters, digits, '_', '.', '@', '-' (not first), and one trailing
 * '$': POSIX portable names plus what directory services use.
 *
 * Return: true if @s is a plausible name
 */
static bool policy_is_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@-");
	size_t len = strlen(s);

	if (!len || len > POLICY_NAME_MAX || s[0] == '-')
		return false;
	return n == len || (n == len - 1 && s[n] == '$' && n);
}

/**
 * policy_resolve() - Look up a user or group name
 * @name:	Name
 * @user:	true for a user (getpwnam), false for a group (getgrnam)
 * @ret:	uid or gid
 *
 * Return: true if the name exists
 */
static bool policy_resolve(const char *name, bool user, guint32 *ret)
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
static bool policy_parse_ids(PolicyParse *ctx, const char *value, bool user,
			     GArray *ids, GError **error)
{
	const char *what = user ? "user" : "group";
	g_auto(GStrv) items = NULL;
	unsigned int i;
	guint64 n;

	if (!policy_split(ctx, value, &items, error))
		return false;
	for (i = 0; items[i]; i++) {
		guint32 id;

		if (policy_is_number(items[i])) {
			if (!g_ascii_string_to_unsigned(
				    items[i], 10, 0, G_MAXUINT32 - 1, &n, NULL))
				return policy_fail(ctx, error,
						   "'%s' is not a valid %cid",
						   items[i], what[0]);
			id = n;
		} else if (!policy_is_name(items[i])) {
			return policy_fail(ctx, error,
					   "'%s' is not a valid %s name",
					   items[i], what);
		} else if (!policy_resolve(items[i], user, &id)) {
			policy_warn(ctx, "no %s named '%s', ignoring", what,
				    items[i]);
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
static bool policy_parse_users(PolicyParse *ctx, const char *value,
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
static bool policy_parse_groups(PolicyParse *ctx, const char *value,
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

	if (!policy_is_number(s) ||
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
static bool policy_parse_range(PolicyParse *ctx, const char *item,
			       PolicyPorts *ret, GError **error)
{
	g_auto(GStrv) ends = g_strsplit(item, "-", 3);

	if (!ends[1]) {
		if (!policy_parse_port(item, &ret->first))
			return policy_fail(ctx, error, "'%s' is not a port",
					   item);
		ret->last = ret->first;
		return true;
	}
	if (ends[2] || !policy_parse_port(g_strstrip(ends[0]), &ret->first) ||
	    !policy_parse_port(g_strstrip(ends[1]), &ret->last))
		return policy_fail(ctx, error, "'%s' is not a port range",
				   item);
	if (ret->first > ret->last)
		return policy_fail(ctx, error,
				   "'%s' is not a port range: %u > %u", item,
				   ret->first, ret->last);
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
static bool policy_parse_ports(PolicyParse *ctx, const char *value,
			       GError **error)
{
	g_auto(GStrv) items = NULL;
	unsigned int i;

	if (!policy_split(ctx, value, &items, error))
		return false;
	for (i = 0; items[i]; i++) {
		PolicyPorts r;

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
static bool policy_parse_protocols(PolicyParse *ctx, const char *value,
				   GError **error)
{
	g_auto(GStrv) items = NULL;
	unsigned int i;

	if (!policy_split(ctx, value, &items, error))
		return false;
	ctx->grant->tcp = ctx->grant->udp = false;
	for (i = 0; items[i]; i++) {
		int proto = lp_proto_parse(items[i]);

		if (proto == IPPROTO_TCP)
			ctx->grant->tcp = true;
		else if (proto == IPPROTO_UDP)
			ctx->grant->udp = true;
		else
			return policy_fail(ctx, error,
					   "'%s' is not a protocol (tcp, udp)",
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
static bool policy_parse_addresses(PolicyParse *ctx, const char *value,
				   GError **error)
{
	g_auto(GStrv) items = NULL;
	unsigned int i;

	if (!policy_split(ctx, value, &items, error))
		return false;
	ctx->grant->addrs = g_array_new(FALSE, FALSE, sizeof(LpAddr));
	for (i = 0; items[i]; i++) {
		LpAddr a;

		if (lp_addr_parse(items[i], &a) < 0)
			return policy_fail(ctx, error,
					   "'%s' is not an IP address",
					   items[i]);
		if (a.family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a.u.v6))
			return policy_fail(
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
static bool policy_parse_max_forwards(PolicyParse *ctx, const char *value,
				      GError **error)
{
	guint64 n;

	if (!policy_is_number(value) ||
	    !g_ascii_string_to_unsigned(value, 10, 0, 65535, &n, NULL))
		return policy_fail(ctx, error,
				   "'%s' is not a number from 0 to 65535",
				   value);
	ctx->grant->max_forwards = n;
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
static bool policy_parse_real_pasta(PolicyParse *ctx, const char *value,
				    GError **error)
{
	if (!g_path_is_absolute(value))
		return policy_fail(ctx, error, "'%s' is not an absolute path",
				   value);
	if (strlen(value) >= PATH_MAX)
		return policy_fail(ctx, error, "path longer than %d bytes",
				   PATH_MAX - 1);
	ctx->policy->real_pasta = g_strdup(value);
	return true;
}

/**
 * policy_parse_table_owner() - Parse [lowport] table-owner
 * @ctx:	Parser position
 * @value:	Raw value
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_table_owner(PolicyParse *ctx, const char *value,
				     GError **error)
{
	if (!strcmp(value, "auto"))
		ctx->policy->table_owner = LP_POLICY_TABLE_OWNER_AUTO;
	else if (!strcmp(value, "never"))
		ctx->policy->table_owner = LP_POLICY_TABLE_OWNER_NEVER;
	else
		return policy_fail(ctx, error, "'%s' is neither auto nor never",
				   value);
	return true;
}

typedef bool (*PolicyKeyParser)(PolicyParse *ctx, const char *value,
				GError **error);

/*
 * PolicyKey - one key a group may hold
 * @key:	Key name
 * @parse:	Parser for its raw value
 */
typedef struct {
	const char *key;
	PolicyKeyParser parse;
} PolicyKey;

static const PolicyKey policy_allow_keys[] = {
	{"users", policy_parse_users},
	{"groups", policy_parse_groups},
	{"ports", policy_parse_ports},
	{"protocols", policy_parse_protocols},
	{"addresses", policy_parse_addresses},
	{"max-forwards", policy_parse_max_forwards},
	{NULL, NULL},
};

static const PolicyKey policy_lowport_keys[] = {
	{"real-pasta", policy_parse_real_pasta},
	{"table-owner", policy_parse_table_owner},
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
static bool policy_parse_keys(PolicyParse *ctx, const PolicyKey *keys,
			      GError **error)
{
	g_auto(GStrv) names =
		g_key_file_get_keys(ctx->kf, ctx->group, NULL, NULL);
	unsigned int i;

	for (i = 0; names && names[i]; i++) {
		const PolicyKey *k;
		g_autofree char *value = NULL;

		for (k = keys; k->key && strcmp(k->key, names[i]); k++)
			;
		if (!k->key)
			return policy_fail(ctx, error, "unknown key '%s'",
					   names[i]);
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
static bool policy_parse_allow(PolicyParse *ctx, GError **error)
{
	PolicyGrant *g = policy_grant_new(ctx->group);

	g_ptr_array_add(ctx->policy->grants, g); /* policy owns g */
	ctx->grant = g;
	if (!policy_parse_keys(ctx, policy_allow_keys, error))
		return false;
	if (!g_key_file_has_key(ctx->kf, ctx->group, "ports", NULL))
		return policy_fail(ctx, error, "no ports key: grants nothing");
	if (!g_key_file_has_key(ctx->kf, ctx->group, "users", NULL) &&
	    !g_key_file_has_key(ctx->kf, ctx->group, "groups", NULL))
		return policy_fail(ctx, error,
				   "no users or groups key: grants nobody");
	return true;
}

/**
 * policy_is_allow_group() - Tell whether a group name is "allow NAME"
 * @group:	Group name
 *
 * Return: true if @group is "allow " followed by a non-blank name
 */
static bool policy_is_allow_group(const char *group)
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
 * policy_parse_kf() - Fill a policy from a loaded key file
 * @ctx:	Parser position, kf and policy set
 * @error:	Return location for the error
 *
 * Return: true on success
 */
static bool policy_parse_kf(PolicyParse *ctx, GError **error)
{
	gsize n;
	g_auto(GStrv) groups = g_key_file_get_groups(ctx->kf, &n);
	unsigned int i;
	bool ok;

	if (n > LP_POLICY_GROUPS_MAX)
		return policy_fail(ctx, error, "more than %d groups",
				   LP_POLICY_GROUPS_MAX);
	for (i = 0; groups[i]; i++) {
		ctx->group = groups[i];
		ctx->grant = NULL;
		if (!strcmp(groups[i], "lowport"))
			ok = policy_parse_keys(ctx, policy_lowport_keys, error);
		else if (policy_is_allow_group(groups[i]))
			ok = policy_parse_allow(ctx, error);
		else
			ok = policy_fail(ctx, error, "unknown group");
		if (!ok)
			return false;
	}
	ctx->group = NULL;
	return true;
}

/**
 * policy_clean_line() - Blank comment lines, cut trailing " # ..." comments
 * @line:	One line, modified in place
 */
static void policy_clean_line(char *line)
{
	char *p = line + strspn(line, " \t");
	char *hash;

	if (*p == '#') {
		*line = '\0';
		return;
	}
	for (hash = strchr(p, '#'); hash; hash = strchr(hash + 1, '#')) {
		if (hash[-1] == ' ' || hash[-1] == '\t') {
			*hash = '\0';
			break;
		}
	}
	g_strchomp(line);
}

/**
 * policy_line_group() - Name of the group a "[...]" line opens
 * @line:	Line, leading blanks skipped
 *
 * Return: group name (caller frees), or NULL if @line is no group line
 */
static char *policy_line_group(const char *line)
{
	const char *end = strrchr(line, ']');

	if (*line != '[' || !end)
		return NULL;
	return g_strndup(line + 1, end - line - 1);
}

/**
 * policy_check_key_line() - Refuse a repeated or localized key
 * @where:	Parser position, group set
 * @keys:	Keys seen so far in this group, @line's key is added
 * @line:	"KEY = VALUE" line, leading blanks skipped
 * @eq:		The '=' in @line
 * @error:	Return location for the error
 *
 * Return: true if the key is new and has no "[locale]"
 */
static bool policy_check_key_line(const PolicyParse *where, GHashTable *keys,
				  const char *line, const char *eq,
				  GError **error)
{
	g_autofree char *key = g_strstrip(g_strndup(line, eq - line));

	if (strchr(key, '['))
		return policy_fail(where, error, "unknown key '%s'", key);
	if (g_hash_table_contains(keys, key))
		return policy_fail(where, error, "key '%s' appears twice", key);
	g_hash_table_add(keys, g_steal_pointer(&key));
	return true;
}

/**
 * policy_check_lines() - Refuse repeated groups, keys, localized keys
 * @ctx:	Parser position, for messages
 * @lines:	Cleaned lines, NULL-terminated
 * @error:	Return location for the error
 *
 * GKeyFile merges repeated groups and keeps the last of repeated keys, so a
 * second "ports =" would silently win. It also drops "key[locale]" for
 * locales it does not load: refuse those as unknown keys. Key-file syntax
 * errors are left to GKeyFile.
 *
 * Return: true if nothing repeats
 */
static bool policy_check_lines(const PolicyParse *ctx, char **lines,
			       GError **error)
{
	g_autoptr(GHashTable) groups =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) keys = NULL;
	PolicyParse where = *ctx;
	unsigned int i;

	for (i = 0; lines[i]; i++) {
		const char *line = lines[i] + strspn(lines[i], " \t");
		char *group = policy_line_group(line);
		const char *eq = strchr(line, '=');

		if (group) {
			if (g_hash_table_contains(groups, group)) {
				where.group = group;
				policy_fail(&where, error,
					    "group appears twice");
				g_free(group);
				return false;
			}
			g_hash_table_add(groups, group); /* groups owns it */
			where.group = group;
			g_clear_pointer(&keys, g_hash_table_unref);
			keys = g_hash_table_new_full(g_str_hash, g_str_equal,
						     g_free, NULL);
		} else if (keys && eq &&
			   !policy_check_key_line(&where, keys, line, eq,
						  error)) {
			return false;
		}
	}
	return true;
}

/**
 * policy_check_bytes() - Refuse oversized, NUL-containing or non-UTF-8 data
 * @ctx:	Parser position, for messages
 * @data:	File contents
 * @len:	Length of @data
 * @error:	Return location for the error
 *
 * Return: true if GKeyFile may see @data
 */
static bool policy_check_bytes(PolicyParse *ctx, const char *data, size_t len,
			       GError **error)
{
	if (len > LP_POLICY_FILE_MAX)
		return policy_fail(ctx, error, "larger than %d bytes",
				   LP_POLICY_FILE_MAX);
	if (memchr(data, '\0', len))
		return policy_fail(ctx, error, "contains a NUL byte");
	if (!g_utf8_validate_len(data, len, NULL))
		return policy_fail(ctx, error, "not valid UTF-8");
	return true;
}

/**
 * policy_preprocess() - Validate raw bytes and strip comments
 * @ctx:	Parser position, for messages
 * @data:	File contents, not necessarily NUL-terminated
 * @len:	Length of @data
 * @error:	Return location for the error
 *
 * Return: text for GKeyFile (caller frees), or NULL on error
 */
static char *policy_preprocess(PolicyParse *ctx, const char *data, size_t len,
			       GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	unsigned int i;

	if (!policy_check_bytes(ctx, data, len, error))
		return NULL;
	text = g_strndup(data, len);
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i]; i++)
		policy_clean_line(lines[i]);
	if (!policy_check_lines(ctx, lines, error))
		return NULL;
	return g_strjoinv("\n", lines);
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
	PolicyParse ctx = {.name = name, .kf = kf, .policy = policy};

	text = policy_preprocess(&ctx, data, len, error);
	if (!text)
		return NULL;
	if (!g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE,
				       &kf_error)) {
		policy_fail(&ctx, error, "%s", kf_error->message);
		return NULL;
	}
	if (!policy_parse_kf(&ctx, error))
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
 * policy_ids_contain() - Tell whether an id array holds an id
 * @ids:	GArray of uid_t or gid_t
 * @id:		Id
 *
 * Return: true if found
 */
static bool policy_ids_contain(const GArray *ids, guint32 id)
{
	unsigned int i;

	for (i = 0; i < ids->len; i++) {
		if (g_array_index(ids, guint32, i) == id)
			return true;
	}
	return false;
}

G_STATIC_ASSERT(sizeof(uid_t) == sizeof(guint32));
G_STATIC_ASSERT(sizeof(gid_t) == sizeof(guint32));

/**
 * policy_cred_matches() - Tell whether a grant applies to a peer
 * @g:		Grant
 * @cred:	Peer credentials
 *
 * Return: true if the uid is in users, or any of its gids in groups
 */
static bool policy_cred_matches(const PolicyGrant *g, const LpCred *cred)
{
	size_t i;

	if (policy_ids_contain(g->uids, cred->uid) ||
	    policy_ids_contain(g->gids, cred->gid))
		return true;
	for (i = 0; i < cred->n_groups; i++) {
		if (policy_ids_contain(g->gids, cred->groups[i]))
			return true;
	}
	return false;
}

/**
 * policy_port_granted() - Tell whether a grant lists a port
 * @g:		Grant
 * @port:	Port
 *
 * Return: true if @port is in one of the grant's ranges
 */
static bool policy_port_granted(const PolicyGrant *g, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < g->ports->len; i++) {
		const PolicyPorts *r = &g_array_index(g->ports, PolicyPorts, i);

		if (port >= r->first && port <= r->last)
			return true;
	}
	return false;
}

/**
 * policy_has_wildcard() - Tell whether a grant lists a family's wildcard
 * @g:		Grant with an addresses key
 * @family:	AF_INET (0.0.0.0) or AF_INET6 (::)
 *
 * Return: true if listed
 */
static bool policy_has_wildcard(const PolicyGrant *g, int family)
{
	unsigned int i;

	for (i = 0; i < g->addrs->len; i++) {
		const LpAddr *a = &g_array_index(g->addrs, LpAddr, i);

		if (a->family == family && a->any)
			return true;
	}
	return false;
}

/**
 * policy_addr_granted() - Tell whether a grant covers an address scope
 * @g:		Grant
 * @addr:	Requested scope
 *
 * Return: true if covered (see the Theory of Operation)
 */
static bool policy_addr_granted(const PolicyGrant *g, const LpAddr *addr)
{
	unsigned int i;

	if (!g->addrs)
		return true;
	if (addr->family == AF_UNSPEC)
		return policy_has_wildcard(g, AF_INET) &&
		       policy_has_wildcard(g, AF_INET6);
	if (addr->family != AF_INET && addr->family != AF_INET6)
		return false;
	if (addr->any)
		return policy_has_wildcard(g, addr->family);
	for (i = 0; i < g->addrs->len; i++) {
		const LpAddr *a = &g_array_index(g->addrs, LpAddr, i);

		if (lp_addr_is_specific(a) &&
		    lp_addr_covers(a, addr->family, &addr->u))
			return true;
	}
	return false;
}

/**
 * policy_grants() - Tell whether one grant admits a forward
 * @g:		Grant, already matching the peer
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Host address scope
 * @port:	Host port
 *
 * Return: true if admitted
 */
static bool policy_grants(const PolicyGrant *g, int proto, const LpAddr *addr,
			  uint16_t port)
{
	if (!(proto == IPPROTO_TCP ? g->tcp : proto == IPPROTO_UDP && g->udp))
		return false;
	return policy_port_granted(g, port) && policy_addr_granted(g, addr);
}

/**
 * policy_who() - Name a peer for messages
 * @uid:	Peer uid
 *
 * Return: "user alice (uid 1000)", or "uid 1000" without a passwd entry;
 *	   caller frees
 */
static char *policy_who(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (pw && pw->pw_name)
		return g_strdup_printf("user %s (uid %u)", pw->pw_name,
				       (unsigned int)uid);
	return g_strdup_printf("user uid %u", (unsigned int)uid);
}

/**
 * lp_policy_check() - Decide whether a peer may forward one port
 * @policy:	Policy
 * @cred:	Peer credentials
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Host address scope of the forward
 * @port:	Host port
 * @error:	Return location for the error: LP_POLICY_ERROR_USER if no
 *		[allow] group matches the peer at all, LP_POLICY_ERROR_PORT
 *		if some match but none grants this forward
 *
 * Return: true if some [allow] group matching @cred grants it
 */
bool lp_policy_check(const LpPolicy *policy, const LpCred *cred, int proto,
		     const LpAddr *addr, uint16_t port, GError **error)
{
	g_autofree char *who = NULL;
	char buf[LP_ADDR_STRLEN];
	bool matched = false;
	unsigned int i;

	for (i = 0; i < policy->grants->len; i++) {
		const PolicyGrant *g = g_ptr_array_index(policy->grants, i);

		if (!policy_cred_matches(g, cred))
			continue;
		matched = true;
		if (policy_grants(g, proto, addr, port))
			return true;
	}
	who = policy_who(cred->uid);
	if (!matched) {
		g_set_error(error, LP_POLICY_ERROR, LP_POLICY_ERROR_USER,
			    "%s is not granted any port by the lowport policy",
			    who);
		return false;
	}
	g_set_error(error, LP_POLICY_ERROR, LP_POLICY_ERROR_PORT,
		    "port %u/%s on %s is not granted to %s", port,
		    lp_proto_name(proto),
		    lp_addr_format(addr, buf, sizeof(buf)), who);
	return false;
}

/**
 * lp_policy_check_mapping() - Decide whether a peer may forward a mapping
 * @policy:	Policy
 * @cred:	Peer credentials
 * @m:		Mapping: every host port of its range is checked
 * @error:	Return location for the error, as lp_policy_check(); an
 *		empty or overflowing range is LP_POLICY_ERROR_PORT
 *
 * Return: true if every port of @m is granted
 */
bool lp_policy_check_mapping(const LpPolicy *policy, const LpCred *cred,
			     const LpMapping *m, GError **error)
{
	unsigned int i;

	if (!m->range || m->host_port + m->range - 1 > 65535) {
		g_set_error(error, LP_POLICY_ERROR, LP_POLICY_ERROR_PORT,
			    "port range %u+%u is not valid", m->host_port,
			    m->range);
		return false;
	}
	for (i = 0; i < m->range; i++) {
		if (!lp_policy_check(policy, cred, m->proto, &m->addr,
				     m->host_port + i, error))
			return false;
	}
	return true;
}

/**
 * lp_policy_max_forwards() - How many ports a peer may forward in total
 * @policy:	Policy
 * @cred:	Peer credentials
 *
 * Return: the largest max-forwards of the [allow] groups matching @cred,
 *	   0 if none matches
 */
unsigned int lp_policy_max_forwards(const LpPolicy *policy, const LpCred *cred)
{
	unsigned int i, max = 0;

	for (i = 0; i < policy->grants->len; i++) {
		const PolicyGrant *g = g_ptr_array_index(policy->grants, i);

		if (policy_cred_matches(g, cred))
			max = MAX(max, g->max_forwards);
	}
	return max;
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
 * policy_describe_grant() - Append one grant as one line
 * @s:	String to append to
 * @g:	Grant
 */
static void policy_describe_grant(GString *s, const PolicyGrant *g)
{
	char buf[LP_ADDR_STRLEN];
	unsigned int i;

	g_string_append(s, g->tcp && g->udp ? "tcp,udp"
			   : g->tcp	    ? "tcp"
					    : "udp");
	g_string_append(s, " ports ");
	for (i = 0; i < g->ports->len; i++) {
		const PolicyPorts *r = &g_array_index(g->ports, PolicyPorts, i);

		g_string_append_printf(s, "%s%u", i ? "," : "", r->first);
		if (r->last != r->first)
			g_string_append_printf(s, "-%u", r->last);
	}
	g_string_append(s, " on ");
	if (!g->addrs)
		g_string_append(s, "every address");
	for (i = 0; g->addrs && i < g->addrs->len; i++) {
		const LpAddr *a = &g_array_index(g->addrs, LpAddr, i);

		g_string_append_printf(s, "%s%s", i ? "," : "",
				       lp_addr_format(a, buf, sizeof(buf)));
	}
	g_string_append_printf(s, " (max %u forwards) [%s]", g->max_forwards,
			       g->group);
}

/**
 * lp_policy_describe() - What a peer is granted, for lowportctl check
 * @policy:	Policy
 * @cred:	Peer credentials
 *
 * One line per matching [allow] group, lines separated by '\n' (no final
 * newline): "tcp,udp ports 80,443 on every address (max 16 forwards)
 * [allow web]".
 *
 * Return: text (caller frees), or NULL if nothing is granted
 */
char *lp_policy_describe(const LpPolicy *policy, const LpCred *cred)
{
	g_autoptr(GString) s = g_string_new(NULL);
	unsigned int i;

	for (i = 0; i < policy->grants->len; i++) {
		const PolicyGrant *g = g_ptr_array_index(policy->grants, i);

		if (!policy_cred_matches(g, cred))
			continue;
		if (s->len)
			g_string_append_c(s, '\n');
		policy_describe_grant(s, g);
	}
	if (!s->len)
		return NULL;
	return g_string_free(g_steal_pointer(&s), FALSE);
}
