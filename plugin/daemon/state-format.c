// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state-format.c - the versioned format of a lease state file
 *
 * DOC: Theory of Operation
 *
 * A state file is lowportd's own record of one lease, separate from the
 * wire protocol (netutils/protocol.c): a protocol change must never change
 * what is on disk. Version 2, written since, is one JSON object:
 *
 *   {"format": "lowportd-lease", "version": 2, "id": "2997d117360a",
 *    "uid": 4201, "gid": 4201, "groups": [], "pid": 22087,
 *    "starttime": 45187, "netns": "/run/user/4201/netns/...",
 *    "front": "pasta", "created": 1796305993,
 *    "forwards": [{"protocol": "tcp", "address": "*", "port": 80,
 *                  "backend": 30080, "count": 1}]}
 *
 * "address" is "*" for every local address of both families, "0.0.0.0" or
 * "::" for one family's wildcard, else one address.
 *
 * "front" (the shim front that asked for the lease: "pasta",
 * "rootlessport" or "pesto") came later without a version bump: it is
 * optional, absent means "pasta" (the only front before it), and an older
 * version-2 reader ignores it, so a downgraded lowportd still adopts the
 * lease. An unknown front is an error, like any bad member.
 *
 * "datapath" on a forward ("steer": BPF sk_lookup steers its connections
 * onto the backend's listener; "nat" or absent: DNAT in table inet lowport)
 * came the same way: written only for steered forwards, so a file of a
 * NAT-only lease is unchanged and an older file reads as nat; anything but
 * "nat" or "steer", or steer on a UDP forward, is an error.
 *
 * Version 1 (no "version" member) is what lowport 0.x wrote: the same
 * scalar members, and its forwards in the wire encoding of that release
 * ("mappings": proto, host_addr with "" for every address, host_port,
 * backend_port, range). It is read here with a reader of its own, frozen
 * with that format, so that lowportd keeps adopting the leases an older
 * release left behind; state.c rewrites such a file in version 2.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "daemon/state-format.h"
#include "netutils/addr.h"
#include "netutils/mapping.h"

/* Names of the members of one forward, by format version */
typedef struct {
	const char *list;
	const char *proto;
	const char *addr;
	const char *port;
	const char *backend;
	const char *count;
} StateFormatNames;

static const StateFormatNames state_format_v1 = {
	"mappings", "proto", "host_addr", "host_port", "backend_port", "range",
};

static const StateFormatNames state_format_v2 = {
	"forwards", "protocol", "address", "port", "backend", "count",
};

/**
 * state_format_addr() - Version 2 text of a host address scope
 * @a:		Scope
 * @buf:	Output, LP_ADDR_STRLEN bytes
 *
 * Return: @buf
 */
static const char *state_format_addr(const LpAddr *a, char *buf)
{
	if (a->family == AF_UNSPEC)
		g_strlcpy(buf, "*", LP_ADDR_STRLEN);
	else if (a->any)
		g_strlcpy(buf, a->family == AF_INET ? "0.0.0.0" : "::",
			  LP_ADDR_STRLEN);
	else
		lp_addr_format(a, buf, LP_ADDR_STRLEN);
	return buf;
}

/**
 * state_format_add_int() - Add an integer member
 * @b:		Builder, inside an object
 * @name:	Member name
 * @v:		Value
 */
static void state_format_add_int(JsonBuilder *b, const char *name, gint64 v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

/**
 * state_format_add_string() - Add a string member
 * @b:		Builder, inside an object
 * @name:	Member name
 * @v:		Value
 */
static void state_format_add_string(JsonBuilder *b, const char *name,
				    const char *v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, v);
}

/**
 * state_format_add_forwards() - Add the "forwards" member
 * @b:		Builder, inside the lease object
 * @mappings:	GArray of LpMapping
 */
static void state_format_add_forwards(JsonBuilder *b, const GArray *mappings)
{
	const StateFormatNames *n = &state_format_v2;
	guint i;

	json_builder_set_member_name(b, n->list);
	json_builder_begin_array(b);
	for (i = 0; i < mappings->len; i++) {
		const LpMapping *m = &g_array_index(mappings, LpMapping, i);
		char addr[LP_ADDR_STRLEN];

		json_builder_begin_object(b);
		state_format_add_string(b, n->proto, lp_proto_name(m->proto));
		state_format_add_string(b, n->addr,
					state_format_addr(&m->addr, addr));
		state_format_add_int(b, n->port, m->host_port);
		state_format_add_int(b, n->backend, m->backend_port);
		state_format_add_int(b, n->count, m->range);
		if (m->datapath != LP_DATAPATH_NAT)
			state_format_add_string(b, "datapath",
						lp_datapath_name(m->datapath));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/**
 * lp_state_format_encode() - A lease's state file, current version
 * @lease:	Lease
 *
 * Return: newly allocated JSON text, ending in a newline
 */
char *lp_state_format_encode(const LpLease *lease)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	guint i;

	json_builder_begin_object(b);
	state_format_add_string(b, "format", LP_STATE_FORMAT_NAME);
	state_format_add_int(b, "version", LP_STATE_FORMAT_VERSION);
	state_format_add_string(b, "id", lease->id);
	state_format_add_int(b, "uid", lease->uid);
	state_format_add_int(b, "gid", lease->gid);
	json_builder_set_member_name(b, "groups");
	json_builder_begin_array(b);
	for (i = 0; i < lease->groups->len; i++)
		json_builder_add_int_value(
			b, g_array_index(lease->groups, gid_t, i));
	json_builder_end_array(b);
	state_format_add_int(b, "pid", lease->pid);
	state_format_add_int(b, "starttime", (gint64)lease->starttime);
	state_format_add_string(b, "netns", lease->netns ? lease->netns : "");
	state_format_add_string(b, "front", lp_front_name(lease->front));
	state_format_add_int(b, "created", lease->created);
	state_format_add_forwards(b, lease->mappings);
	json_builder_end_object(b);

	root = json_builder_get_root(b);
	text = json_to_string(root, FALSE);
	return g_strconcat(text, "\n", NULL);
}

/**
 * state_format_fail() - Set a format error
 * @error:	Return location for a GError
 * @fmt:	printf format of the message
 *
 * Return: false
 */
static G_GNUC_PRINTF(2, 3) bool state_format_fail(GError **error,
						  const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, msg);
	return false;
}

/**
 * state_format_get_int() - Read a bounded integer member
 * @o:		Object
 * @name:	Member name
 * @min:	Smallest valid value
 * @max:	Largest valid value
 * @ret:	Value
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool state_format_get_int(JsonObject *o, const char *name, gint64 min,
				 gint64 max, gint64 *ret, GError **error)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_INT64 ||
	    json_node_get_int(n) < min || json_node_get_int(n) > max)
		return state_format_fail(error, "'%s' missing or out of range",
					 name);
	*ret = json_node_get_int(n);
	return true;
}

/**
 * state_format_get_string() - Read a string member
 * @o:		Object
 * @name:	Member name
 * @ret:	Value, borrowed from @o
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool state_format_get_string(JsonObject *o, const char *name,
				    const char **ret, GError **error)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_STRING)
		return state_format_fail(error, "'%s' missing or not a string",
					 name);
	*ret = json_node_get_string(n);
	return true;
}

/**
 * state_format_front() - Read the optional "front" member
 * @o:		Root object
 * @lease:	Lease to fill; LP_FRONT_PASTA if the member is absent
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool state_format_front(JsonObject *o, LpLease *lease, GError **error)
{
	const char *name;
	int front;

	lease->front = LP_FRONT_PASTA;
	if (!json_object_has_member(o, "front"))
		return true;
	if (!state_format_get_string(o, "front", &name, error))
		return false;
	front = lp_front_from_name(name);
	if (front < 0)
		return state_format_fail(error, "'front' is not a known front");
	lease->front = front;
	return true;
}

/**
 * state_format_scalars() - Read the scalar members (every version)
 * @o:		Root object
 * @lease:	Lease to fill
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool state_format_scalars(JsonObject *o, LpLease *lease, GError **error)
{
	const char *id, *netns;
	gint64 v;

	if (!state_format_get_string(o, "id", &id, error) ||
	    !state_format_get_string(o, "netns", &netns, error))
		return false;
	if (!lp_lease_id_valid(id))
		return state_format_fail(error, "invalid lease id");
	g_strlcpy(lease->id, id, sizeof(lease->id));
	if (strlen(netns) > LP_NETNS_MAX)
		return state_format_fail(error, "netns longer than %d bytes",
					 LP_NETNS_MAX);
	lease->netns = g_strdup(netns);
	if (!state_format_get_int(o, "uid", 0, G_MAXUINT32 - 1, &v, error))
		return false;
	lease->uid = v;
	if (!state_format_get_int(o, "gid", 0, G_MAXUINT32 - 1, &v, error))
		return false;
	lease->gid = v;
	if (!state_format_get_int(o, "pid", 1, G_MAXINT32, &v, error))
		return false;
	lease->pid = v;
	if (!state_format_get_int(o, "starttime", 0, G_MAXINT64, &v, error))
		return false;
	lease->starttime = v;
	if (!state_format_get_int(o, "created", 0, G_MAXINT64, &v, error))
		return false;
	lease->created = v;
	return true;
}

/**
 * state_format_groups() - Read the supplementary groups (every version)
 * @o:		Root object
 * @lease:	Lease to fill
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool state_format_groups(JsonObject *o, LpLease *lease, GError **error)
{
	JsonNode *node = json_object_get_member(o, "groups");
	JsonArray *groups;
	guint i;

	if (!node || !JSON_NODE_HOLDS_ARRAY(node) ||
	    json_array_get_length(json_node_get_array(node)) > NGROUPS_MAX)
		return state_format_fail(error, "groups missing or too long");
	groups = json_node_get_array(node);
	for (i = 0; i < json_array_get_length(groups); i++) {
		JsonNode *n = json_array_get_element(groups, i);
		gid_t g;

		if (!JSON_NODE_HOLDS_VALUE(n) ||
		    json_node_get_value_type(n) != G_TYPE_INT64 ||
		    json_node_get_int(n) < 0 ||
		    json_node_get_int(n) > G_MAXUINT32 - 1)
			return state_format_fail(error,
						 "groups[%u] is not a gid", i);
		g = json_node_get_int(n);
		g_array_append_val(lease->groups, g);
	}
	return true;
}

/**
 * state_format_address() - Read the host address scope of a forward
 * @o:		Forward object
 * @n:		Member names of the file's version
 * @ret:	Scope
 * @error:	Return location for a GError
 *
 * Version 1 writes every address as "", version 2 as "*".
 *
 * Return: true on success
 */
static bool state_format_address(JsonObject *o, const StateFormatNames *n,
				 LpAddr *ret, GError **error)
{
	bool v2 = n == &state_format_v2;
	const char *s;

	if (!state_format_get_string(o, n->addr, &s, error))
		return false;
	if (v2 && !strcmp(s, "*")) {
		*ret = LP_ADDR_ALL;
		return true;
	}
	if ((v2 && !*s) || lp_addr_parse(s, ret) < 0)
		return state_format_fail(error, "'%s' is not an address",
					 n->addr);
	return true;
}

/**
 * state_format_datapath() - Read the optional "datapath" of a forward
 * @o:		Forward object (version 2)
 * @m:		Mapping, @proto read; @datapath set, LP_DATAPATH_NAT if the
 *		member is absent
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool state_format_datapath(JsonObject *o, LpMapping *m, GError **error)
{
	const char *name;
	int d;

	m->datapath = LP_DATAPATH_NAT;
	if (!json_object_has_member(o, "datapath"))
		return true;
	if (!state_format_get_string(o, "datapath", &name, error))
		return false;
	d = lp_datapath_parse(name);
	if (d < 0)
		return state_format_fail(error,
					 "'datapath' is not nat or steer");
	if (d == LP_DATAPATH_STEER && m->proto != IPPROTO_TCP)
		return state_format_fail(error,
					 "'datapath' steer on a UDP forward");
	m->datapath = d;
	return true;
}

/**
 * state_format_forward() - Read one forward
 * @o:		Forward object
 * @n:		Member names of the file's version
 * @m:		Mapping
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool state_format_forward(JsonObject *o, const StateFormatNames *n,
				 LpMapping *m, GError **error)
{
	gint64 port, backend, count = 1;
	const char *proto;
	int p;

	if (!state_format_get_string(o, n->proto, &proto, error))
		return false;
	p = lp_proto_parse(proto);
	if (p < 0)
		return state_format_fail(error, "'%s' is not tcp or udp",
					 n->proto);
	m->proto = p;
	if (!state_format_address(o, n, &m->addr, error) ||
	    !state_format_get_int(o, n->port, 1, 65535, &port, error) ||
	    !state_format_get_int(o, n->backend, 1, 65535, &backend, error))
		return false;
	/* version 1 (the wire encoding of its day) may leave out a range 1 */
	if ((n == &state_format_v2 || json_object_has_member(o, n->count)) &&
	    !state_format_get_int(o, n->count, 1, 65535, &count, error))
		return false;
	if (port + count - 1 > 65535 || backend + count - 1 > 65535)
		return state_format_fail(error, "'%s' runs past port 65535",
					 n->count);
	m->host_port = port;
	m->backend_port = backend;
	m->range = count;
	return n != &state_format_v2 || state_format_datapath(o, m, error);
}

/**
 * state_format_forwards() - Read the forwards of a lease
 * @o:		Root object
 * @n:		Member names of the file's version
 * @lease:	Lease to fill
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool state_format_forwards(JsonObject *o, const StateFormatNames *n,
				  LpLease *lease, GError **error)
{
	JsonNode *node = json_object_get_member(o, n->list);
	unsigned int ports = 0;
	JsonArray *array;
	guint i, len;

	if (!node || !JSON_NODE_HOLDS_ARRAY(node))
		return state_format_fail(error, "'%s' missing", n->list);
	array = json_node_get_array(node);
	len = json_array_get_length(array);
	if (!len || len > LP_MAPPINGS_MAX)
		return state_format_fail(error, "%u %s, expected 1-%d", len,
					 n->list, LP_MAPPINGS_MAX);
	for (i = 0; i < len; i++) {
		JsonNode *e = json_array_get_element(array, i);
		LpMapping m = {0};

		if (!JSON_NODE_HOLDS_OBJECT(e))
			return state_format_fail(error, "%s[%u] not an object",
						 n->list, i);
		if (!state_format_forward(json_node_get_object(e), n, &m,
					  error))
			return false;
		ports += m.range;
		g_array_append_val(lease->mappings, m);
	}
	if (ports > LP_PORTS_MAX)
		return state_format_fail(error, "%u ports, at most %d", ports,
					 LP_PORTS_MAX);
	return true;
}

/**
 * state_format_version() - Which version a state file is in
 * @o:		Root object
 * @ret:	Version
 * @error:	Return location for a GError
 *
 * Return: true for a version this lowportd reads
 */
static bool state_format_version(JsonObject *o, unsigned int *ret,
				 GError **error)
{
	const char *format;
	gint64 v;

	if (!json_object_has_member(o, "version")) {
		*ret = LP_STATE_FORMAT_LEGACY;
		return true;
	}
	if (!state_format_get_int(o, "version", 0, G_MAXINT32, &v, error))
		return false;
	if (v != LP_STATE_FORMAT_VERSION)
		return state_format_fail(
			error,
			"state format version %" G_GINT64_FORMAT
			" unknown (this lowportd reads 1-%d)",
			v, LP_STATE_FORMAT_VERSION);
	if (!state_format_get_string(o, "format", &format, error))
		return false;
	if (strcmp(format, LP_STATE_FORMAT_NAME))
		return state_format_fail(error, "'format' is not \"%s\"",
					 LP_STATE_FORMAT_NAME);
	*ret = v;
	return true;
}

/**
 * lp_state_format_decode() - Read a state file of any supported version
 * @text:	File contents
 * @len:	Length of @text
 * @ret_version: Version the file was in, or NULL
 * @error:	Return location for a GError (G_FILE_ERROR_INVAL, JSON errors)
 *
 * Return: the lease (no pidfd yet), or NULL
 */
LpLease *lp_state_format_decode(const char *text, size_t len,
				unsigned int *ret_version, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(LpLease) lease = lp_lease_new();
	const StateFormatNames *n;
	unsigned int version;
	JsonObject *o;
	JsonNode *root;

	if (len > G_MAXSSIZE ||
	    !json_parser_load_from_data(parser, text, len, error))
		return NULL;
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		state_format_fail(error, "not a JSON object");
		return NULL;
	}
	o = json_node_get_object(root);
	if (!state_format_version(o, &version, error))
		return NULL;
	n = version == LP_STATE_FORMAT_LEGACY ? &state_format_v1
					      : &state_format_v2;
	if (!state_format_scalars(o, lease, error) ||
	    !state_format_front(o, lease, error) ||
	    !state_format_groups(o, lease, error) ||
	    !state_format_forwards(o, n, lease, error))
		return NULL;
	if (ret_version)
		*ret_version = version;
	return g_steal_pointer(&lease);
}
