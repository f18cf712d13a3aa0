// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * protocol.c - lowportd wire protocol (JSON lines), shared by both ends
 *
 * Copyright lowport authors
 *
 * DOC: Theory of Operation
 *
 * One connection carries one request (request.c) and one reply (reply.c),
 * each one JSON object on one line, read by the strict reader of
 * json-strict.c. This file holds what both directions share: the names of
 * error codes and operations, the lease ID form, the message envelope (the
 * "version" member) and the codec of port mappings, which lowportd's state
 * files use too.
 */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "netutils/addr.h"
#include "netutils/json-strict.h"
#include "netutils/protocol.h"
#include "netutils/util.h"

G_DEFINE_QUARK(lp_protocol_error, lp_protocol_error)

static const char *const protocol_code_names[LP_ERR_MAX] = {
	[LP_ERR_BAD_REQUEST] = "bad-request",
	[LP_ERR_TOO_LARGE] = "too-large",
	[LP_ERR_TIMEOUT] = "timeout",
	[LP_ERR_VERSION] = "unsupported-version",
	[LP_ERR_NOT_GRANTED] = "not-granted",
	[LP_ERR_LIMIT] = "limit",
	[LP_ERR_BACKEND] = "backend",
	[LP_ERR_PORT_IN_USE] = "port-in-use",
	[LP_ERR_CONFLICT] = "conflict",
	[LP_ERR_PIDFD] = "pidfd",
	[LP_ERR_NOT_FOUND] = "not-found",
	[LP_ERR_PERMISSION] = "permission",
	[LP_ERR_FIREWALL] = "firewall",
	[LP_ERR_INTERNAL] = "internal",
};

static const char *const protocol_front_names[LP_FRONT_MAX] = {
	[LP_FRONT_PASTA] = "pasta",
	[LP_FRONT_ROOTLESSPORT] = "rootlessport",
	[LP_FRONT_PESTO] = "pesto",
};

static const char *const protocol_op_names[LP_OP_MAX] = {
	[LP_OP_FORWARD] = "forward",
	[LP_OP_RELEASE] = "release",
	[LP_OP_LIST] = "list",
	[LP_OP_STATUS] = "status",
};

/**
 * lp_error_code_name() - Wire name of an error code
 * @code:	Error code
 *
 * Return: static name, "internal" for out-of-range codes
 */
const char *lp_error_code_name(LpErrorCode code)
{
	if ((unsigned int)code >= LP_ERR_MAX)
		return protocol_code_names[LP_ERR_INTERNAL];
	return protocol_code_names[code];
}

/**
 * lp_error_code_from_name() - Parse the wire name of an error code
 * @name:	Name, e.g. "not-granted"
 *
 * Return: LpErrorCode, or -EINVAL for unknown names
 */
int lp_error_code_from_name(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < LP_ERR_MAX; i++) {
		if (!strcmp(name, protocol_code_names[i]))
			return i;
	}
	return -EINVAL;
}

/**
 * lp_protocol_error_code() - Reply code for a parse error
 * @error:	Error from lp_request_parse()
 *
 * Return: LP_ERR_BAD_REQUEST, LP_ERR_TOO_LARGE or LP_ERR_VERSION for
 *	   LP_PROTOCOL_ERROR errors, LP_ERR_INTERNAL for anything else
 */
LpErrorCode lp_protocol_error_code(const GError *error)
{
	if (!error || error->domain != LP_PROTOCOL_ERROR)
		return LP_ERR_INTERNAL;
	switch (error->code) {
	case LP_PROTOCOL_ERROR_MALFORMED:
		return LP_ERR_BAD_REQUEST;
	case LP_PROTOCOL_ERROR_TOO_LARGE:
		return LP_ERR_TOO_LARGE;
	case LP_PROTOCOL_ERROR_VERSION:
		return LP_ERR_VERSION;
	default:
		return LP_ERR_INTERNAL;
	}
}

/**
 * lp_front_name() - Wire name of a shim front
 * @front:	Front
 *
 * Return: static name, "pasta" for out-of-range values
 */
const char *lp_front_name(LpFront front)
{
	if ((unsigned int)front >= LP_FRONT_MAX)
		return protocol_front_names[LP_FRONT_PASTA];
	return protocol_front_names[front];
}

/**
 * lp_front_from_name() - Parse the wire name of a shim front
 * @name:	Name, e.g. "rootlessport"
 *
 * Return: LpFront, or -EINVAL for unknown names
 */
int lp_front_from_name(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < LP_FRONT_MAX; i++) {
		if (!strcmp(name, protocol_front_names[i]))
			return i;
	}
	return -EINVAL;
}

/**
 * lp_protocol_get_front() - Read the optional "front" member
 * @o:		Forward request or lease object
 * @w:		Its position
 * @ret:	Front; LP_FRONT_PASTA if absent (shims before fronts)
 * @error:	Set on failure: not a string, or not a known front
 *
 * Return: TRUE on success
 */
gboolean lp_protocol_get_front(JsonObject *o, const LpJsonWhere *w,
			       LpFront *ret, GError **error)
{
	g_autofree char *q = NULL;
	const char *name;
	int front;

	if (!lp_json_strict_get_string(o, w, "front", false, &name, error))
		return FALSE;
	if (!name) {
		*ret = LP_FRONT_PASTA;
		return TRUE;
	}
	front = lp_front_from_name(name);
	if (front < 0)
		return lp_json_strict_fail(
			w, "front", error,
			"unknown front '%s' (expected pasta, rootlessport or pesto)",
			q = lp_json_strict_excerpt(name, 64));
	*ret = front;
	return TRUE;
}

/**
 * lp_op_name() - Wire name of an operation
 * @op:		Operation
 *
 * Return: static name, "?" for out-of-range values
 */
const char *lp_op_name(LpOp op)
{
	if ((unsigned int)op >= LP_OP_MAX)
		return "?";
	return protocol_op_names[op];
}

/**
 * lp_op_from_name() - Parse the wire name of an operation
 * @name:	Name, e.g. "forward"
 *
 * Return: LpOp, or -EINVAL for unknown names
 */
int lp_op_from_name(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < LP_OP_MAX; i++) {
		if (!strcmp(name, protocol_op_names[i]))
			return i;
	}
	return -EINVAL;
}

/**
 * lp_lease_id_valid() - Check the form of a lease ID
 * @id:		Candidate
 *
 * Return: TRUE if @id is 1 to LP_LEASE_ID_MAX characters of [a-z0-9]
 */
gboolean lp_lease_id_valid(const char *id)
{
	size_t i;

	if (!id || !*id)
		return FALSE;
	for (i = 0; id[i]; i++) {
		if (i >= LP_LEASE_ID_MAX)
			return FALSE;
		if (!g_ascii_islower(id[i]) && !g_ascii_isdigit(id[i]))
			return FALSE;
	}
	return TRUE;
}

/**
 * lp_protocol_get_lease_id() - Read a required lease ID field
 * @o:		Object
 * @w:		Position of @o
 * @name:	Field name
 * @ret:	Newly allocated ID
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
gboolean lp_protocol_get_lease_id(JsonObject *o, const LpJsonWhere *w,
				  const char *name, char **ret, GError **error)
{
	g_autofree char *q = NULL;
	const char *id;

	if (!lp_json_strict_get_string(o, w, name, true, &id, error))
		return FALSE;
	if (!lp_lease_id_valid(id))
		return lp_json_strict_fail(
			w, name, error,
			"'%s' is not a lease ID (1-%d characters "
			"a-z, 0-9)",
			q = lp_json_strict_excerpt(id, 64), LP_LEASE_ID_MAX);
	*ret = g_strdup(id);
	return TRUE;
}

/**
 * lp_protocol_get_netns() - Read the optional netns field
 * @o:		Object
 * @w:		Position of @o
 * @ret:	Newly allocated path, NULL if absent
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
gboolean lp_protocol_get_netns(JsonObject *o, const LpJsonWhere *w, char **ret,
			       GError **error)
{
	const char *netns;

	if (!lp_json_strict_get_string(o, w, "netns", false, &netns, error))
		return FALSE;
	if (netns && strlen(netns) > LP_NETNS_MAX)
		return lp_json_strict_fail(w, "netns", error,
					   "longer than %d bytes",
					   LP_NETNS_MAX);
	*ret = g_strdup(netns);
	return TRUE;
}

/* Mappings --------------------------------------------------------------- */

/**
 * protocol_parse_ports() - Read the port fields of one mapping
 * @o:		Mapping object
 * @w:		Its position
 * @m:		Mapping, ports and range filled in
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean protocol_parse_ports(JsonObject *o, const LpJsonWhere *w,
				     LpMapping *m, GError **error)
{
	int64_t host, backend, range = 1;

	if (!lp_json_strict_get_int(o, w, "host_port", 1, 65535, "a port",
				    &host, error) ||
	    !lp_json_strict_get_int(o, w, "backend_port", 1, 65535, "a port",
				    &backend, error))
		return FALSE;
	if (json_object_has_member(o, "range") &&
	    !lp_json_strict_get_int(o, w, "range", 1, 65535, "a port count",
				    &range, error))
		return FALSE;
	if (host + range - 1 > 65535)
		return lp_json_strict_fail(w, "range", error,
					   "host ports %" PRId64 "-%" PRId64
					   " run past 65535",
					   host, host + range - 1);
	if (backend + range - 1 > 65535)
		return lp_json_strict_fail(w, "range", error,
					   "backend ports %" PRId64 "-%" PRId64
					   " run past 65535",
					   backend, backend + range - 1);
	m->host_port = host;
	m->backend_port = backend;
	m->range = range;
	return TRUE;
}

/**
 * protocol_parse_mapping() - Read one mapping object
 * @o:		Mapping object
 * @w:		Its position
 * @m:		Mapping
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean protocol_parse_mapping(JsonObject *o, const LpJsonWhere *w,
				       LpMapping *m, GError **error)
{
	g_autofree char *q = NULL;
	const char *proto, *addr;
	int p;

	if (!lp_json_strict_get_string(o, w, "proto", true, &proto, error))
		return FALSE;
	p = lp_proto_parse(proto);
	if (p < 0)
		return lp_json_strict_fail(
			w, "proto", error, "'%s' is not tcp or udp",
			q = lp_json_strict_excerpt(proto, 64));
	m->proto = p;
	if (!lp_json_strict_get_string(o, w, "host_addr", true, &addr, error))
		return FALSE;
	if (lp_addr_parse(addr, &m->addr) < 0)
		return lp_json_strict_fail(
			w, "host_addr", error, "'%s' is not an IP address",
			q = lp_json_strict_excerpt(addr, 64));
	return protocol_parse_ports(o, w, m, error);
}

/**
 * lp_protocol_get_mappings() - Read the mappings array of an object
 * @o:		Forward request or lease object
 * @w:		Its position
 * @error:	Set on failure
 *
 * Return: new GArray of LpMapping, NULL on error
 */
GArray *lp_protocol_get_mappings(JsonObject *o, const LpJsonWhere *w,
				 GError **error)
{
	g_autoptr(GArray) mappings =
		g_array_new(FALSE, TRUE, sizeof(LpMapping));
	unsigned int i, n, ports = 0;
	JsonArray *array;
	JsonNode *node;

	if (!lp_json_strict_member(o, w, "mappings", G_TYPE_ARRAY, true, &node,
				   error))
		return NULL;
	array = json_node_get_array(node);
	n = json_array_get_length(array);
	if (!n || n > LP_MAPPINGS_MAX) {
		lp_json_strict_fail(w, "mappings", error,
				    "%u mappings, expected 1-%d", n,
				    LP_MAPPINGS_MAX);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		g_autofree char *name = g_strdup_printf("mappings[%u]", i);
		g_autofree char *path = g_strdup_printf(
			"%s%s%s", w->path, *w->path ? "." : "", name);
		LpJsonWhere mw = {w->kind, path};
		LpMapping m = {0};
		JsonObject *mo;

		mo = lp_json_strict_object(json_array_get_element(array, i), w,
					   name, error);
		if (!mo || !protocol_parse_mapping(mo, &mw, &m, error))
			return NULL;
		ports += m.range;
		g_array_append_val(mappings, m);
	}
	if (ports > LP_PORTS_MAX) {
		lp_json_strict_fail(w, "mappings", error,
				    "%u ports in total, at most %d", ports,
				    LP_PORTS_MAX);
		return NULL;
	}
	return g_steal_pointer(&mappings);
}

/**
 * protocol_addr_wire() - Wire text of a host address scope
 * @a:		Scope
 * @buf:	Output, LP_ADDR_STRLEN bytes
 *
 * Unlike lp_addr_format(), every-address scopes are "" on the wire.
 *
 * Return: @buf
 */
static const char *protocol_addr_wire(const LpAddr *a, char *buf)
{
	const char *s = "";

	if (lp_addr_is_specific(a))
		return lp_addr_format(a, buf, LP_ADDR_STRLEN);
	if (a->family == AF_INET)
		s = "0.0.0.0";
	else if (a->family == AF_INET6)
		s = "::";
	g_strlcpy(buf, s, LP_ADDR_STRLEN);
	return buf;
}

/**
 * lp_protocol_add_string() - Add a member holding a string, made valid UTF-8
 * @b:		Builder, inside an object
 * @name:	Member name
 * @s:		String
 */
void lp_protocol_add_string(JsonBuilder *b, const char *name, const char *s)
{
	g_autofree char *valid = NULL;

	if (!g_utf8_validate(s, -1, NULL))
		s = valid = g_utf8_make_valid(s, -1);
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, s);
}

/**
 * lp_protocol_add_int() - Add a member holding an integer
 * @b:		Builder, inside an object
 * @name:	Member name
 * @v:		Value
 */
void lp_protocol_add_int(JsonBuilder *b, const char *name, int64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

/**
 * lp_protocol_add_mapping() - Add the members of one mapping object
 * @b:		Builder, inside the mapping's object
 * @m:		Mapping (its @datapath is not part of this encoding: requests
 *		never carry it, lease-info.c adds it to lease objects)
 */
void lp_protocol_add_mapping(JsonBuilder *b, const LpMapping *m)
{
	char addr[LP_ADDR_STRLEN];

	lp_protocol_add_string(b, "proto", lp_proto_name(m->proto));
	lp_protocol_add_string(b, "host_addr",
			       protocol_addr_wire(&m->addr, addr));
	lp_protocol_add_int(b, "host_port", m->host_port);
	lp_protocol_add_int(b, "backend_port", m->backend_port);
	lp_protocol_add_int(b, "range", m->range);
}

/**
 * lp_protocol_add_mappings() - Add the "mappings" member
 * @b:		Builder, inside an object
 * @mappings:	GArray of LpMapping, NULL for none
 */
void lp_protocol_add_mappings(JsonBuilder *b, const GArray *mappings)
{
	unsigned int i;

	json_builder_set_member_name(b, "mappings");
	json_builder_begin_array(b);
	for (i = 0; mappings && i < mappings->len; i++) {
		json_builder_begin_object(b);
		lp_protocol_add_mapping(b,
					&g_array_index(mappings, LpMapping, i));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/**
 * lp_protocol_begin() - Start a message object with its version member
 *
 * Return: new builder, inside the top-level object
 */
JsonBuilder *lp_protocol_begin(void)
{
	JsonBuilder *b = json_builder_new_immutable();

	json_builder_begin_object(b);
	lp_protocol_add_int(b, "version", LP_PROTOCOL_VERSION);
	return b;
}

/**
 * lp_protocol_finish() - Close the top-level object and render one line
 * @b:		Builder from lp_protocol_begin()
 * @ret_len:	Length of the line, '\n' included, or NULL
 *
 * Return: NUL-terminated line ending in '\n', free with g_free()
 */
char *lp_protocol_finish(JsonBuilder *b, size_t *ret_len)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	gsize n;
	char *s;

	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	s = json_generator_to_data(gen, &n);
	s = g_realloc(s, n + 2);
	s[n] = '\n';
	s[n + 1] = '\0';
	if (ret_len)
		*ret_len = n + 1;
	return s;
}

/* Common top level ------------------------------------------------------- */

/**
 * lp_protocol_load() - Bound, scan and parse one message, check its version
 * @kind:	"request" or "reply"
 * @buf:	Input, need not be NUL-terminated
 * @len:	Length of @buf
 * @max:	Size limit
 * @ret_parser:	Parser that owns the returned object
 * @error:	Set on failure
 *
 * Return: borrowed top-level object, NULL on error
 */
JsonObject *lp_protocol_load(const char *kind, const char *buf, size_t len,
			     size_t max, JsonParser **ret_parser,
			     GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	LpJsonWhere w = {kind, ""};
	JsonObject *o;
	JsonNode *n;
	int64_t v;

	o = lp_json_strict_load(kind, buf, len, max, &parser, error);
	if (!o)
		return NULL;
	if (!lp_json_strict_member(o, &w, "version", G_TYPE_INT64, true, &n,
				   error))
		return NULL;
	v = json_node_get_int(n);
	if (v != LP_PROTOCOL_VERSION) {
		g_set_error(error, LP_PROTOCOL_ERROR, LP_PROTOCOL_ERROR_VERSION,
			    "unsupported protocol version %" PRId64
			    " (lowport speaks version %d)",
			    v, LP_PROTOCOL_VERSION);
		return NULL;
	}
	*ret_parser = g_steal_pointer(&parser);
	return o;
}
