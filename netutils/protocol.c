// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * protocol.c - lowportd wire protocol (JSON lines), shared by both ends
 *
 * Copyright lowport authors
 *
 * DOC: Theory of Operation
 *
 * Every byte a client sends reaches lp_request_parse() in the privileged
 * daemon, so parsing is strict and bounded before and after json-glib sees
 * the input:
 *
 * - a size limit (LP_REQUEST_MAX, LP_REPLY_MAX) is checked first;
 * - proto_scan() walks the raw text once and refuses what json-glib 1.6
 *   would let through: NUL bytes, raw control characters and \u0000 in
 *   strings, comments, single quotes, leading zeros, integers that do not
 *   fit in 64 bits (json-glib wraps them silently), nesting deeper than
 *   LP_JSON_DEPTH_MAX (json-glib recurses), and anything after the first
 *   object (json-glib accepts "{}{}");
 * - json-glib then builds the tree, and the typed readers below check every
 *   known field's type and range and name the field in their message.
 *
 * Unknown fields are ignored so that newer peers can add some.
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
#include "netutils/protocol.h"
#include "netutils/util.h"

G_DEFINE_QUARK(lp_protocol_error, lp_protocol_error)

static const char *const proto_code_names[LP_ERR_MAX] = {
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

static const char *const proto_op_names[LP_OP_MAX] = {
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
		return proto_code_names[LP_ERR_INTERNAL];
	return proto_code_names[code];
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
		if (!strcmp(name, proto_code_names[i]))
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
 * lp_op_name() - Wire name of an operation
 * @op:		Operation
 *
 * Return: static name, "?" for out-of-range values
 */
const char *lp_op_name(LpOp op)
{
	if ((unsigned int)op >= LP_OP_MAX)
		return "?";
	return proto_op_names[op];
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
		if (!strcmp(name, proto_op_names[i]))
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

/* Raw syntax pass ------------------------------------------------------- */

/**
 * proto_hex4() - Read the four hex digits of a \\u escape
 * @buf:	Input
 * @len:	Length of @buf
 * @i:		Offset of the first digit
 * @ret:	Code unit
 *
 * Return: true if four hex digits are there
 */
static bool proto_hex4(const char *buf, size_t len, size_t i, unsigned int *ret)
{
	unsigned int k, v = 0;

	if (len - i < 4)
		return false;
	for (k = 0; k < 4; k++) {
		if (!g_ascii_isxdigit(buf[i + k]))
			return false;
		v = v * 16 + g_ascii_xdigit_value(buf[i + k]);
	}
	*ret = v;
	return true;
}

/**
 * proto_scan_escape() - Check one escape; json-glib mangles bad ones
 * @buf:	Input
 * @len:	Length of @buf
 * @pos:	In: offset after the backslash; out: offset after the escape
 *
 * Return: NULL if fine, else a static description of the problem
 */
static const char *proto_scan_escape(const char *buf, size_t len, size_t *pos)
{
	size_t i = *pos;
	unsigned int u, lo;

	if (i < len && buf[i] && strchr("\"\\/bfnrt", buf[i])) {
		*pos = i + 1;
		return NULL;
	}
	if (i >= len || buf[i] != 'u' || !proto_hex4(buf, len, i + 1, &u))
		return "invalid escape in string";
	if (!u)
		return "NUL character in string";
	i += 5;
	if (u >= 0xdc00 && u <= 0xdfff)
		return "unpaired surrogate in string";
	if (u >= 0xd800 && u <= 0xdbff) {
		if (len - i < 2 || buf[i] != '\\' || buf[i + 1] != 'u' ||
		    !proto_hex4(buf, len, i + 2, &lo) || lo < 0xdc00 ||
		    lo > 0xdfff)
			return "unpaired surrogate in string";
		i += 6;
	}
	*pos = i;
	return NULL;
}

/**
 * proto_scan_string() - Skip one string, refusing what JSON forbids in it
 * @buf:	Input
 * @len:	Length of @buf
 * @pos:	In: offset of the opening quote; out: offset after the closing
 *
 * Return: NULL if fine, else a static description of the problem
 */
static const char *proto_scan_string(const char *buf, size_t len, size_t *pos)
{
	const char *bad;
	size_t i = *pos + 1;

	while (i < len) {
		unsigned char c = buf[i];

		if (c == '"') {
			*pos = i + 1;
			return NULL;
		}
		if (c < 0x20)
			return "control character in string";
		i++;
		if (c != '\\')
			continue;
		bad = proto_scan_escape(buf, len, &i);
		if (bad)
			return bad;
	}
	return "unterminated string";
}

/**
 * proto_scan_number() - Skip one number, refusing what json-glib mangles
 * @buf:	Input
 * @len:	Length of @buf
 * @pos:	In: offset of the first character; out: offset after the last
 *
 * Return: NULL if fine, else a static description of the problem
 */
static const char *proto_scan_number(const char *buf, size_t len, size_t *pos)
{
	bool overflow = false, integer = true;
	uint64_t v = 0;
	size_t i = *pos;

	if (buf[i] == '-')
		i++;
	if (i + 1 < len && buf[i] == '0' && g_ascii_isdigit(buf[i + 1]))
		return "number with leading zero";
	for (; i < len && g_ascii_isdigit(buf[i]); i++) {
		unsigned int d = buf[i] - '0';

		if (v > ((uint64_t)INT64_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	for (; i < len && strchr(".eE+-0123456789", buf[i]); i++)
		integer = false;
	*pos = i;
	if (integer && overflow)
		return "integer out of range";
	return NULL;
}

/**
 * proto_scan_token() - Check one character outside strings and numbers
 * @c:		Character
 * @depth:	Nesting depth, updated
 * @done:	Set when the top-level object closes
 *
 * Return: NULL if fine, else a static description of the problem
 */
static const char *proto_scan_token(char c, unsigned int *depth, bool *done)
{
	switch (c) {
	case '{':
	case '[':
		if (++*depth > LP_JSON_DEPTH_MAX)
			return "nested too deeply";
		return NULL;
	case '}':
	case ']':
		if (!*depth)
			return "unbalanced brackets";
		if (!--*depth)
			*done = true;
		return NULL;
	case ' ':
	case '\t':
	case '\r':
	case '\n':
	case ':':
	case ',':
		return NULL;
	default:
		/* true, false, null; json-glib rejects other words */
		if (c >= 'a' && c <= 'z')
			return NULL;
		return "unexpected character";
	}
}

/**
 * proto_scan() - Check raw input before json-glib parses it
 * @buf:	Input
 * @len:	Length of @buf
 * @ret_pos:	Offset of the problem, if any
 *
 * Return: NULL if fine, else a static description of the problem
 */
static const char *proto_scan(const char *buf, size_t len, size_t *ret_pos)
{
	const char *bad = NULL, *nul;
	unsigned int depth = 0;
	bool done = false;
	size_t i = 0;

	nul = memchr(buf, '\0', len);
	if (nul) {
		*ret_pos = nul - buf;
		return "NUL byte in input";
	}
	while (i < len && strchr(" \t\r\n", buf[i]))
		i++;
	*ret_pos = i;
	if (i == len || buf[i] != '{')
		return "not a JSON object";
	while (i < len && !bad) {
		*ret_pos = i;
		if (done && !strchr(" \t\r\n", buf[i]))
			return "trailing data after the JSON object";
		if (buf[i] == '"')
			bad = proto_scan_string(buf, len, &i);
		else if (buf[i] == '-' || g_ascii_isdigit(buf[i]))
			bad = proto_scan_number(buf, len, &i);
		else
			bad = proto_scan_token(buf[i++], &depth, &done);
	}
	return bad;
}

/* Typed readers ---------------------------------------------------------- */

/*
 * ProtoWhere - where a reader is, for error messages
 * @kind:	"request" or "reply"
 * @path:	Dotted path of the enclosing object, "" at the top
 */
typedef struct {
	const char *kind;
	const char *path;
} ProtoWhere;

/**
 * proto_excerpt() - Quote a user string in a message: one line, UTF-8, short
 * @s:		String; may hold control characters or cut characters
 * @max:	Characters kept
 *
 * Return: newly allocated excerpt, control characters as spaces, "..."
 *	   appended if cut
 */
static char *proto_excerpt(const char *s, long max)
{
	g_autofree char *valid = g_utf8_make_valid(s, -1);
	g_autofree char *head = NULL;
	char *p;

	for (p = valid; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	if (g_utf8_strlen(valid, -1) <= max)
		return g_steal_pointer(&valid);
	head = g_utf8_substring(valid, 0, max);
	return g_strconcat(head, "...", NULL);
}

/**
 * proto_fail() - Set a "malformed KIND: PATH.NAME: ..." error
 * @w:		Position
 * @name:	Field or element name, NULL for the object at @w itself
 * @error:	Set to LP_PROTOCOL_ERROR_MALFORMED
 * @fmt:	Problem, printf() style
 *
 * Return: FALSE
 */
static gboolean G_GNUC_PRINTF(4, 5)
	proto_fail(const ProtoWhere *w, const char *name, GError **error,
		   const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (!name)
		name = "";
	g_set_error(error, LP_PROTOCOL_ERROR, LP_PROTOCOL_ERROR_MALFORMED,
		    "malformed %s: %s%s%s%s%s", w->kind, w->path,
		    *w->path && *name ? "." : "", name,
		    *w->path || *name ? ": " : "", msg);
	return FALSE;
}

/**
 * proto_node_kind() - Describe the type of a JSON value for messages
 * @n:		Value
 *
 * Return: static description such as "a string"
 */
static const char *proto_node_kind(JsonNode *n)
{
	GType t;

	if (JSON_NODE_HOLDS_OBJECT(n))
		return "an object";
	if (JSON_NODE_HOLDS_ARRAY(n))
		return "an array";
	if (JSON_NODE_HOLDS_NULL(n))
		return "null";
	t = json_node_get_value_type(n);
	if (t == G_TYPE_INT64)
		return "an integer";
	if (t == G_TYPE_DOUBLE)
		return "a number";
	if (t == G_TYPE_BOOLEAN)
		return "a boolean";
	return "a string";
}

/**
 * proto_member() - Look up a field and check its JSON type
 * @o:		Object
 * @w:		Position of @o
 * @name:	Field name
 * @vtype:	G_TYPE_INT64, G_TYPE_STRING, G_TYPE_BOOLEAN for values,
 *		G_TYPE_OBJECT for objects, G_TYPE_ARRAY for arrays
 * @required:	Whether a missing field is an error
 * @ret:	Field, NULL if absent and not required
 * @error:	Set if the field is missing and required, or has another type
 *
 * Return: TRUE on success
 */
static gboolean proto_member(JsonObject *o, const ProtoWhere *w,
			     const char *name, GType vtype, bool required,
			     JsonNode **ret, GError **error)
{
	static const char *const want[] = {
		"an integer", "a string", "a boolean", "an object", "an array"};
	JsonNode *n = json_object_get_member(o, name);
	unsigned int k;
	bool ok;

	if (vtype == G_TYPE_INT64)
		k = 0;
	else if (vtype == G_TYPE_STRING)
		k = 1;
	else if (vtype == G_TYPE_BOOLEAN)
		k = 2;
	else
		k = vtype == G_TYPE_OBJECT ? 3 : 4;
	*ret = NULL;
	if (!n && !required)
		return TRUE;
	if (!n)
		return proto_fail(w, name, error, "required field is missing");
	if (k == 3)
		ok = JSON_NODE_HOLDS_OBJECT(n);
	else if (k == 4)
		ok = JSON_NODE_HOLDS_ARRAY(n);
	else
		ok = JSON_NODE_HOLDS_VALUE(n) &&
		     json_node_get_value_type(n) == vtype;
	if (!ok)
		return proto_fail(w, name, error, "expected %s, got %s",
				  want[k], proto_node_kind(n));
	*ret = n;
	return TRUE;
}

/**
 * proto_get_int() - Read a required integer field within bounds
 * @o:		Object
 * @w:		Position of @o
 * @name:	Field name
 * @min:	Smallest value accepted
 * @max:	Largest value accepted
 * @what:	What the value is, e.g. "a port", for the range message
 * @ret:	Value
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean proto_get_int(JsonObject *o, const ProtoWhere *w,
			      const char *name, int64_t min, int64_t max,
			      const char *what, int64_t *ret, GError **error)
{
	JsonNode *n;
	int64_t v;

	if (!proto_member(o, w, name, G_TYPE_INT64, true, &n, error))
		return FALSE;
	v = json_node_get_int(n);
	if (v < min || v > max)
		return proto_fail(w, name, error,
				  "%" PRId64 " is not %s (%" PRId64 "-%" PRId64
				  ")",
				  v, what, min, max);
	*ret = v;
	return TRUE;
}

/**
 * proto_get_string() - Read a string field
 * @o:		Object
 * @w:		Position of @o
 * @name:	Field name
 * @required:	Whether a missing field is an error
 * @ret:	Borrowed string, NULL if absent and not required
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean proto_get_string(JsonObject *o, const ProtoWhere *w,
				 const char *name, bool required,
				 const char **ret, GError **error)
{
	JsonNode *n;

	if (!proto_member(o, w, name, G_TYPE_STRING, required, &n, error))
		return FALSE;
	*ret = n ? json_node_get_string(n) : NULL;
	if (*ret && !g_utf8_validate(*ret, -1, NULL))
		return proto_fail(w, name, error, "not valid UTF-8");
	return TRUE;
}

/**
 * proto_get_bool() - Read a required boolean field
 * @o:		Object
 * @w:		Position of @o
 * @name:	Field name
 * @ret:	Value
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean proto_get_bool(JsonObject *o, const ProtoWhere *w,
			       const char *name, gboolean *ret, GError **error)
{
	JsonNode *n;

	if (!proto_member(o, w, name, G_TYPE_BOOLEAN, true, &n, error))
		return FALSE;
	*ret = json_node_get_boolean(n);
	return TRUE;
}

/**
 * proto_get_lease_id() - Read a required lease ID field
 * @o:		Object
 * @w:		Position of @o
 * @name:	Field name
 * @ret:	Newly allocated ID
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean proto_get_lease_id(JsonObject *o, const ProtoWhere *w,
				   const char *name, char **ret, GError **error)
{
	g_autofree char *q = NULL;
	const char *id;

	if (!proto_get_string(o, w, name, true, &id, error))
		return FALSE;
	if (!lp_lease_id_valid(id))
		return proto_fail(w, name, error,
				  "'%s' is not a lease ID (1-%d characters "
				  "a-z, 0-9)",
				  q = proto_excerpt(id, 64), LP_LEASE_ID_MAX);
	*ret = g_strdup(id);
	return TRUE;
}

/**
 * proto_get_netns() - Read the optional netns field
 * @o:		Object
 * @w:		Position of @o
 * @ret:	Newly allocated path, NULL if absent
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean proto_get_netns(JsonObject *o, const ProtoWhere *w, char **ret,
				GError **error)
{
	const char *netns;

	if (!proto_get_string(o, w, "netns", false, &netns, error))
		return FALSE;
	if (netns && strlen(netns) > LP_NETNS_MAX)
		return proto_fail(w, "netns", error, "longer than %d bytes",
				  LP_NETNS_MAX);
	*ret = g_strdup(netns);
	return TRUE;
}

/**
 * proto_object() - Unwrap an array element that must be an object
 * @n:		Element
 * @w:		Position of the array's parent
 * @name:	Element name, e.g. "mappings[2]"
 * @error:	Set if @n is no object
 *
 * Return: borrowed object, NULL on error
 */
static JsonObject *proto_object(JsonNode *n, const ProtoWhere *w,
				const char *name, GError **error)
{
	if (JSON_NODE_HOLDS_OBJECT(n))
		return json_node_get_object(n);
	proto_fail(w, name, error, "expected an object, got %s",
		   proto_node_kind(n));
	return NULL;
}

/* Mappings --------------------------------------------------------------- */

/**
 * proto_parse_ports() - Read the port fields of one mapping
 * @o:		Mapping object
 * @w:		Its position
 * @m:		Mapping, ports and range filled in
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean proto_parse_ports(JsonObject *o, const ProtoWhere *w,
				  LpMapping *m, GError **error)
{
	int64_t host, backend, range = 1;

	if (!proto_get_int(o, w, "host_port", 1, 65535, "a port", &host,
			   error) ||
	    !proto_get_int(o, w, "backend_port", 1, 65535, "a port", &backend,
			   error))
		return FALSE;
	if (json_object_has_member(o, "range") &&
	    !proto_get_int(o, w, "range", 1, 65535, "a port count", &range,
			   error))
		return FALSE;
	if (host + range - 1 > 65535)
		return proto_fail(w, "range", error,
				  "host ports %" PRId64 "-%" PRId64
				  " run past 65535",
				  host, host + range - 1);
	if (backend + range - 1 > 65535)
		return proto_fail(w, "range", error,
				  "backend ports %" PRId64 "-%" PRId64
				  " run past 65535",
				  backend, backend + range - 1);
	m->host_port = host;
	m->backend_port = backend;
	m->range = range;
	return TRUE;
}

/**
 * proto_parse_mapping() - Read one mapping object
 * @o:		Mapping object
 * @w:		Its position
 * @m:		Mapping
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean proto_parse_mapping(JsonObject *o, const ProtoWhere *w,
				    LpMapping *m, GError **error)
{
	g_autofree char *q = NULL;
	const char *proto, *addr;
	int p;

	if (!proto_get_string(o, w, "proto", true, &proto, error))
		return FALSE;
	p = lp_proto_parse(proto);
	if (p < 0)
		return proto_fail(w, "proto", error, "'%s' is not tcp or udp",
				  q = proto_excerpt(proto, 64));
	m->proto = p;
	if (!proto_get_string(o, w, "host_addr", true, &addr, error))
		return FALSE;
	if (lp_addr_parse(addr, &m->addr) < 0)
		return proto_fail(w, "host_addr", error,
				  "'%s' is not an IP address",
				  q = proto_excerpt(addr, 64));
	return proto_parse_ports(o, w, m, error);
}

/**
 * proto_parse_mappings() - Read the mappings array of an object
 * @o:		Forward request or lease object
 * @w:		Its position
 * @error:	Set on failure
 *
 * Return: new GArray of LpMapping, NULL on error
 */
static GArray *proto_parse_mappings(JsonObject *o, const ProtoWhere *w,
				    GError **error)
{
	g_autoptr(GArray) mappings =
		g_array_new(FALSE, TRUE, sizeof(LpMapping));
	unsigned int i, n, ports = 0;
	JsonArray *array;
	JsonNode *node;

	if (!proto_member(o, w, "mappings", G_TYPE_ARRAY, true, &node, error))
		return NULL;
	array = json_node_get_array(node);
	n = json_array_get_length(array);
	if (!n || n > LP_MAPPINGS_MAX) {
		proto_fail(w, "mappings", error, "%u mappings, expected 1-%d",
			   n, LP_MAPPINGS_MAX);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		g_autofree char *name = g_strdup_printf("mappings[%u]", i);
		g_autofree char *path = g_strdup_printf(
			"%s%s%s", w->path, *w->path ? "." : "", name);
		ProtoWhere mw = {w->kind, path};
		LpMapping m = {0};
		JsonObject *mo;

		mo = proto_object(json_array_get_element(array, i), w, name,
				  error);
		if (!mo || !proto_parse_mapping(mo, &mw, &m, error))
			return NULL;
		ports += m.range;
		g_array_append_val(mappings, m);
	}
	if (ports > LP_PORTS_MAX) {
		proto_fail(w, "mappings", error,
			   "%u ports in total, at most %d", ports,
			   LP_PORTS_MAX);
		return NULL;
	}
	return g_steal_pointer(&mappings);
}

/**
 * proto_addr_wire() - Wire text of a host address scope
 * @a:		Scope
 * @buf:	Output, LP_ADDR_STRLEN bytes
 *
 * Unlike lp_addr_format(), every-address scopes are "" on the wire.
 *
 * Return: @buf
 */
static const char *proto_addr_wire(const LpAddr *a, char *buf)
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
 * proto_add_string() - Add a member holding a string, made valid UTF-8
 * @b:		Builder, inside an object
 * @name:	Member name
 * @s:		String
 */
static void proto_add_string(JsonBuilder *b, const char *name, const char *s)
{
	g_autofree char *valid = NULL;

	if (!g_utf8_validate(s, -1, NULL))
		s = valid = g_utf8_make_valid(s, -1);
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, s);
}

/**
 * proto_add_int() - Add a member holding an integer
 * @b:		Builder, inside an object
 * @name:	Member name
 * @v:		Value
 */
static void proto_add_int(JsonBuilder *b, const char *name, int64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

/**
 * proto_add_mappings() - Add the "mappings" member
 * @b:		Builder, inside an object
 * @mappings:	GArray of LpMapping, NULL for none
 */
static void proto_add_mappings(JsonBuilder *b, const GArray *mappings)
{
	unsigned int i;

	json_builder_set_member_name(b, "mappings");
	json_builder_begin_array(b);
	for (i = 0; mappings && i < mappings->len; i++) {
		const LpMapping *m = &g_array_index(mappings, LpMapping, i);
		char addr[LP_ADDR_STRLEN];

		json_builder_begin_object(b);
		proto_add_string(b, "proto", lp_proto_name(m->proto));
		proto_add_string(b, "host_addr",
				 proto_addr_wire(&m->addr, addr));
		proto_add_int(b, "host_port", m->host_port);
		proto_add_int(b, "backend_port", m->backend_port);
		proto_add_int(b, "range", m->range);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/**
 * proto_begin() - Start a message object with its version member
 *
 * Return: new builder, inside the top-level object
 */
static JsonBuilder *proto_begin(void)
{
	JsonBuilder *b = json_builder_new_immutable();

	json_builder_begin_object(b);
	proto_add_int(b, "version", LP_PROTOCOL_VERSION);
	return b;
}

/**
 * proto_finish() - Close the top-level object and render one line
 * @b:		Builder from proto_begin()
 * @ret_len:	Length of the line, '\n' included, or NULL
 *
 * Return: NUL-terminated line ending in '\n', free with g_free()
 */
static char *proto_finish(JsonBuilder *b, size_t *ret_len)
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
 * proto_load() - Bound, scan and parse one message, check its version
 * @kind:	"request" or "reply"
 * @buf:	Input, need not be NUL-terminated
 * @len:	Length of @buf
 * @max:	Size limit
 * @ret_parser:	Parser that owns the returned object
 * @error:	Set on failure
 *
 * Return: borrowed top-level object, NULL on error
 */
static JsonObject *proto_load(const char *kind, const char *buf, size_t len,
			      size_t max, JsonParser **ret_parser,
			      GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) jerr = NULL;
	ProtoWhere w = {kind, ""};
	const char *bad;
	size_t pos = 0;
	JsonObject *o;
	JsonNode *n;
	int64_t v;

	if (len > max) {
		g_set_error(error, LP_PROTOCOL_ERROR,
			    LP_PROTOCOL_ERROR_TOO_LARGE,
			    "%s too large (%zu bytes, at most %zu)", kind, len,
			    max);
		return NULL;
	}
	bad = proto_scan(buf, len, &pos);
	if (bad) {
		proto_fail(&w, NULL, error, "%s at byte %zu", bad, pos);
		return NULL;
	}
	if (!json_parser_load_from_data(parser, buf, len, &jerr)) {
		g_autofree char *msg = proto_excerpt(jerr->message, 160);

		proto_fail(&w, NULL, error, "%s", msg);
		return NULL;
	}
	o = json_node_get_object(json_parser_get_root(parser));
	if (!proto_member(o, &w, "version", G_TYPE_INT64, true, &n, error))
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

/* Requests --------------------------------------------------------------- */

/**
 * lp_request_new() - Allocate an empty request
 * @op:		Operation
 *
 * Return: new request with an empty @mappings array, free with
 *	   lp_request_free()
 */
LpRequest *lp_request_new(LpOp op)
{
	LpRequest *req = g_new0(LpRequest, 1);

	req->version = LP_PROTOCOL_VERSION;
	req->op = op;
	req->mappings = g_array_new(FALSE, TRUE, sizeof(LpMapping));
	return req;
}

/**
 * lp_request_free() - Free a request
 * @req:	Request, may be NULL
 */
void lp_request_free(LpRequest *req)
{
	if (!req)
		return;
	g_free(req->netns);
	if (req->mappings)
		g_array_unref(req->mappings);
	g_free(req->id);
	g_free(req);
}

/**
 * proto_parse_op() - Read the "op" field
 * @o:		Request object
 * @w:		Its position
 * @ret:	Operation
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean proto_parse_op(JsonObject *o, const ProtoWhere *w, LpOp *ret,
			       GError **error)
{
	g_autofree char *q = NULL;
	const char *name;
	int op;

	if (!proto_get_string(o, w, "op", true, &name, error))
		return FALSE;
	op = lp_op_from_name(name);
	if (op < 0)
		return proto_fail(w, "op", error, "unknown operation '%s'",
				  q = proto_excerpt(name, 64));
	*ret = op;
	return TRUE;
}

/**
 * lp_request_parse() - Decode one request line, strictly
 * @buf:	Input, need not be NUL-terminated; a final '\n' is allowed
 * @len:	Length of @buf, at most LP_REQUEST_MAX
 * @error:	LP_PROTOCOL_ERROR on failure; lp_protocol_error_code() gives
 *		the reply code
 *
 * Return: new request, NULL on error
 */
LpRequest *lp_request_parse(const char *buf, size_t len, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(LpRequest) req = NULL;
	ProtoWhere w = {"request", ""};
	JsonObject *o;
	LpOp op = LP_OP_MAX;

	o = proto_load("request", buf, len, LP_REQUEST_MAX, &parser, error);
	if (!o || !proto_parse_op(o, &w, &op, error))
		return NULL;
	req = lp_request_new(op);
	switch (op) {
	case LP_OP_FORWARD:
		if (!proto_get_netns(o, &w, &req->netns, error))
			return NULL;
		g_array_unref(req->mappings);
		req->mappings = proto_parse_mappings(o, &w, error);
		if (!req->mappings)
			return NULL;
		break;
	case LP_OP_RELEASE:
		if (!proto_get_lease_id(o, &w, "id", &req->id, error))
			return NULL;
		break;
	default:
		break;
	}
	return g_steal_pointer(&req);
}

/**
 * lp_request_serialize() - Encode a request as one line
 * @req:	Request
 * @ret_len:	Length of the line, '\n' included, or NULL
 *
 * Return: NUL-terminated line ending in '\n', free with g_free()
 */
char *lp_request_serialize(const LpRequest *req, size_t *ret_len)
{
	g_autoptr(JsonBuilder) b = NULL;

	g_return_val_if_fail((unsigned int)req->op < LP_OP_MAX, NULL);
	b = proto_begin();
	proto_add_string(b, "op", lp_op_name(req->op));
	if (req->op == LP_OP_FORWARD) {
		if (req->netns)
			proto_add_string(b, "netns", req->netns);
		proto_add_mappings(b, req->mappings);
	} else if (req->op == LP_OP_RELEASE) {
		proto_add_string(b, "id", req->id ? req->id : "");
	}
	return proto_finish(b, ret_len);
}

/* Lease information ------------------------------------------------------ */

/**
 * lp_lease_info_new() - Allocate an empty lease description
 *
 * Return: new LpLeaseInfo with an empty @mappings array, free with
 *	   lp_lease_info_free()
 */
LpLeaseInfo *lp_lease_info_new(void)
{
	LpLeaseInfo *info = g_new0(LpLeaseInfo, 1);

	info->mappings = g_array_new(FALSE, TRUE, sizeof(LpMapping));
	return info;
}

/**
 * lp_lease_info_free() - Free a lease description
 * @info:	Lease description, may be NULL
 */
void lp_lease_info_free(LpLeaseInfo *info)
{
	if (!info)
		return;
	g_free(info->id);
	g_free(info->netns);
	if (info->mappings)
		g_array_unref(info->mappings);
	g_free(info);
}

/**
 * proto_parse_lease() - Read one element of a list reply's "leases"
 * @o:		Lease object
 * @w:		Its position
 * @error:	Set on failure
 *
 * Return: new LpLeaseInfo, NULL on error
 */
static LpLeaseInfo *proto_parse_lease(JsonObject *o, const ProtoWhere *w,
				      GError **error)
{
	g_autoptr(LpLeaseInfo) info = lp_lease_info_new();
	int64_t uid, pid;

	if (!proto_get_lease_id(o, w, "id", &info->id, error) ||
	    !proto_get_int(o, w, "uid", 0, UINT32_MAX - 1, "a user ID", &uid,
			   error) ||
	    !proto_get_int(o, w, "pid", 1, INT32_MAX, "a process ID", &pid,
			   error) ||
	    !proto_get_netns(o, w, &info->netns, error) ||
	    !proto_get_int(o, w, "created", 0, INT64_MAX, "a time",
			   &info->created, error))
		return NULL;
	info->uid = uid;
	info->pid = pid;
	g_array_unref(info->mappings);
	info->mappings = proto_parse_mappings(o, w, error);
	if (!info->mappings)
		return NULL;
	return g_steal_pointer(&info);
}

/**
 * lp_leases_to_json() - Encode lease descriptions as a JSON array
 * @leases:	GPtrArray of LpLeaseInfo, NULL for none
 *
 * Return: new array node, free with json_node_unref()
 */
JsonNode *lp_leases_to_json(const GPtrArray *leases)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	unsigned int i;

	json_builder_begin_array(b);
	for (i = 0; leases && i < leases->len; i++) {
		const LpLeaseInfo *info = g_ptr_array_index(leases, i);

		json_builder_begin_object(b);
		proto_add_string(b, "id", info->id ? info->id : "");
		proto_add_int(b, "uid", info->uid);
		proto_add_int(b, "pid", info->pid);
		if (info->netns)
			proto_add_string(b, "netns", info->netns);
		proto_add_int(b, "created", info->created);
		proto_add_mappings(b, info->mappings);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	return json_builder_get_root(b);
}

/* Replies ---------------------------------------------------------------- */

/**
 * lp_reply_new_ok() - Allocate a success reply
 *
 * Return: new reply with an empty @leases array, free with lp_reply_free()
 */
LpReply *lp_reply_new_ok(void)
{
	LpReply *reply = g_new0(LpReply, 1);

	reply->ok = TRUE;
	reply->leases = g_ptr_array_new_with_free_func(
		(GDestroyNotify)lp_lease_info_free);
	return reply;
}

/**
 * lp_reply_new_error() - Allocate an error reply
 * @code:	Error code
 * @fmt:	Message, printf() style; made one line of valid UTF-8
 *
 * Return: new reply, free with lp_reply_free()
 */
LpReply *lp_reply_new_error(LpErrorCode code, const char *fmt, ...)
{
	LpReply *reply = lp_reply_new_ok();
	char *msg, *p;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	reply->message = g_utf8_make_valid(msg, -1);
	g_free(msg);
	for (p = reply->message; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	reply->ok = FALSE;
	reply->code = code;
	return reply;
}

/**
 * lp_reply_free() - Free a reply
 * @reply:	Reply, may be NULL
 */
void lp_reply_free(LpReply *reply)
{
	if (!reply)
		return;
	g_free(reply->message);
	g_free(reply->lease_id);
	if (reply->leases)
		g_ptr_array_unref(reply->leases);
	g_free(reply->status.version);
	g_free(reply);
}

/**
 * proto_parse_error() - Read the "error" object of a failure reply
 * @o:		Reply object
 * @reply:	Reply, @code and @message filled in
 * @error:	Set on failure
 *
 * Unknown codes (from a newer lowportd) read as LP_ERR_INTERNAL.
 *
 * Return: TRUE on success
 */
static gboolean proto_parse_error(JsonObject *o, LpReply *reply, GError **error)
{
	ProtoWhere w = {"reply", ""}, ew = {"reply", "error"};
	const char *code, *message;
	JsonNode *n;
	int c;

	if (!proto_member(o, &w, "error", G_TYPE_OBJECT, true, &n, error))
		return FALSE;
	o = json_node_get_object(n);
	if (!proto_get_string(o, &ew, "code", true, &code, error) ||
	    !proto_get_string(o, &ew, "message", true, &message, error))
		return FALSE;
	c = lp_error_code_from_name(code);
	reply->code = c < 0 ? LP_ERR_INTERNAL : c;
	reply->message = g_strdup(message);
	return TRUE;
}

/**
 * proto_parse_leases() - Read the "leases" array of a list reply
 * @n:		The array
 * @reply:	Reply, @leases filled in
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean proto_parse_leases(JsonNode *n, LpReply *reply, GError **error)
{
	ProtoWhere w = {"reply", ""};
	JsonArray *array = json_node_get_array(n);
	unsigned int i;

	for (i = 0; i < json_array_get_length(array); i++) {
		g_autofree char *name = g_strdup_printf("leases[%u]", i);
		ProtoWhere lw = {"reply", name};
		LpLeaseInfo *info;
		JsonObject *lo;

		lo = proto_object(json_array_get_element(array, i), &w, name,
				  error);
		if (!lo)
			return FALSE;
		info = proto_parse_lease(lo, &lw, error);
		if (!info)
			return FALSE;
		g_ptr_array_add(reply->leases, info); /* takes ownership */
	}
	return TRUE;
}

/**
 * proto_parse_status() - Read the "status" object of a status reply
 * @n:		The object
 * @reply:	Reply, @status filled in
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean proto_parse_status(JsonNode *n, LpReply *reply, GError **error)
{
	ProtoWhere w = {"reply", "status"};
	JsonObject *o = json_node_get_object(n);
	int64_t leases, total;
	const char *version;

	if (!proto_get_string(o, &w, "version", true, &version, error) ||
	    !proto_get_int(o, &w, "leases", 0, UINT32_MAX, "a count", &leases,
			   error) ||
	    !proto_get_int(o, &w, "leases_total", 0, UINT32_MAX, "a count",
			   &total, error) ||
	    !proto_get_bool(o, &w, "table", &reply->status.table_present,
			    error))
		return FALSE;
	reply->status.version = g_strdup(version);
	reply->status.leases = leases;
	reply->status.leases_total = total;
	return TRUE;
}

/**
 * proto_parse_payload() - Read the one payload of a success reply
 * @o:		Reply object
 * @reply:	Reply
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean proto_parse_payload(JsonObject *o, LpReply *reply,
				    GError **error)
{
	ProtoWhere w = {"reply", ""}, lw = {"reply", "lease"};
	JsonNode *lease, *leases, *status;

	if (!proto_member(o, &w, "lease", G_TYPE_OBJECT, false, &lease,
			  error) ||
	    !proto_member(o, &w, "leases", G_TYPE_ARRAY, false, &leases,
			  error) ||
	    !proto_member(o, &w, "status", G_TYPE_OBJECT, false, &status,
			  error))
		return FALSE;
	if (!!lease + !!leases + !!status > 1)
		return proto_fail(&w, NULL, error,
				  "more than one of lease, leases, status");
	if (lease)
		return proto_get_lease_id(json_node_get_object(lease), &lw,
					  "id", &reply->lease_id, error);
	if (leases)
		return proto_parse_leases(leases, reply, error);
	if (status)
		return proto_parse_status(status, reply, error);
	return TRUE;
}

/**
 * lp_reply_parse() - Decode one reply line, strictly
 * @buf:	Input, need not be NUL-terminated; a final '\n' is allowed
 * @len:	Length of @buf, at most LP_REPLY_MAX
 * @error:	LP_PROTOCOL_ERROR on failure
 *
 * A success reply carries at most one of "lease", "leases", "status"; the
 * payload of a failure reply and the error of a success reply are ignored.
 *
 * Return: new reply, NULL on error
 */
LpReply *lp_reply_parse(const char *buf, size_t len, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(LpReply) reply = lp_reply_new_ok();
	ProtoWhere w = {"reply", ""};
	JsonObject *o;

	o = proto_load("reply", buf, len, LP_REPLY_MAX, &parser, error);
	if (!o || !proto_get_bool(o, &w, "ok", &reply->ok, error))
		return NULL;
	if (!reply->ok && !proto_parse_error(o, reply, error))
		return NULL;
	if (reply->ok && !proto_parse_payload(o, reply, error))
		return NULL;
	return g_steal_pointer(&reply);
}

/**
 * proto_add_payload() - Add the success payload for an operation
 * @b:		Builder, inside the reply object
 * @reply:	Reply
 * @op:		Operation the reply answers
 */
static void proto_add_payload(JsonBuilder *b, const LpReply *reply, LpOp op)
{
	const LpStatus *st = &reply->status;

	switch (op) {
	case LP_OP_FORWARD:
		if (!reply->lease_id)
			break;
		json_builder_set_member_name(b, "lease");
		json_builder_begin_object(b);
		proto_add_string(b, "id", reply->lease_id);
		json_builder_end_object(b);
		break;
	case LP_OP_LIST:
		json_builder_set_member_name(b, "leases");
		json_builder_add_value(b, lp_leases_to_json(reply->leases));
		break;
	case LP_OP_STATUS:
		json_builder_set_member_name(b, "status");
		json_builder_begin_object(b);
		proto_add_string(b, "version", st->version ? st->version : "");
		proto_add_int(b, "leases", st->leases);
		proto_add_int(b, "leases_total", st->leases_total);
		json_builder_set_member_name(b, "table");
		json_builder_add_boolean_value(b, st->table_present);
		json_builder_end_object(b);
		break;
	default:
		break;
	}
}

/**
 * lp_reply_serialize() - Encode a reply as one line
 * @reply:	Reply
 * @op:		Operation it answers: selects the payload of a success reply
 * @ret_len:	Length of the line, '\n' included, or NULL
 *
 * Return: NUL-terminated line ending in '\n', free with g_free()
 */
char *lp_reply_serialize(const LpReply *reply, LpOp op, size_t *ret_len)
{
	g_autoptr(JsonBuilder) b = proto_begin();

	json_builder_set_member_name(b, "ok");
	json_builder_add_boolean_value(b, reply->ok);
	if (reply->ok) {
		proto_add_payload(b, reply, op);
		return proto_finish(b, ret_len);
	}
	json_builder_set_member_name(b, "error");
	json_builder_begin_object(b);
	proto_add_string(b, "code", lp_error_code_name(reply->code));
	proto_add_string(b, "message", reply->message ? reply->message : "");
	json_builder_end_object(b);
	return proto_finish(b, ret_len);
}

/* Comparison ------------------------------------------------------------- */

/**
 * lp_mappings_equal() - Compare two mapping arrays
 * @a:		GArray of LpMapping, NULL reads as empty
 * @b:		GArray of LpMapping, NULL reads as empty
 *
 * Return: TRUE if both hold the same mappings in the same order
 */
gboolean lp_mappings_equal(const GArray *a, const GArray *b)
{
	unsigned int i, n = a ? a->len : 0;

	if (n != (b ? b->len : 0))
		return FALSE;
	for (i = 0; i < n; i++) {
		const LpMapping *x = &g_array_index(a, LpMapping, i);
		const LpMapping *y = &g_array_index(b, LpMapping, i);

		if (x->proto != y->proto || x->host_port != y->host_port ||
		    x->backend_port != y->backend_port ||
		    x->range != y->range || !lp_addr_equal(&x->addr, &y->addr))
			return FALSE;
	}
	return TRUE;
}

/**
 * lp_request_equal() - Compare two requests field by field
 * @a:		Request
 * @b:		Request
 *
 * Return: TRUE if equal
 */
gboolean lp_request_equal(const LpRequest *a, const LpRequest *b)
{
	return a->version == b->version && a->op == b->op &&
	       !g_strcmp0(a->netns, b->netns) && !g_strcmp0(a->id, b->id) &&
	       lp_mappings_equal(a->mappings, b->mappings);
}

/**
 * lp_lease_info_equal() - Compare two lease descriptions
 * @a:		Lease description
 * @b:		Lease description
 *
 * Return: TRUE if equal
 */
gboolean lp_lease_info_equal(const LpLeaseInfo *a, const LpLeaseInfo *b)
{
	return !g_strcmp0(a->id, b->id) && a->uid == b->uid &&
	       a->pid == b->pid && !g_strcmp0(a->netns, b->netns) &&
	       a->created == b->created &&
	       lp_mappings_equal(a->mappings, b->mappings);
}

/**
 * proto_leases_equal() - Compare two lease lists
 * @a:		GPtrArray of LpLeaseInfo, NULL reads as empty
 * @b:		GPtrArray of LpLeaseInfo, NULL reads as empty
 *
 * Return: TRUE if equal
 */
static gboolean proto_leases_equal(const GPtrArray *a, const GPtrArray *b)
{
	unsigned int i, n = a ? a->len : 0;

	if (n != (b ? b->len : 0))
		return FALSE;
	for (i = 0; i < n; i++) {
		if (!lp_lease_info_equal(g_ptr_array_index(a, i),
					 g_ptr_array_index(b, i)))
			return FALSE;
	}
	return TRUE;
}

/**
 * lp_reply_equal() - Compare two replies field by field
 * @a:		Reply
 * @b:		Reply
 *
 * Return: TRUE if equal
 */
gboolean lp_reply_equal(const LpReply *a, const LpReply *b)
{
	return !a->ok == !b->ok && a->code == b->code &&
	       !g_strcmp0(a->message, b->message) &&
	       !g_strcmp0(a->lease_id, b->lease_id) &&
	       proto_leases_equal(a->leases, b->leases) &&
	       !g_strcmp0(a->status.version, b->status.version) &&
	       a->status.leases == b->status.leases &&
	       a->status.leases_total == b->status.leases_total &&
	       !a->status.table_present == !b->status.table_present;
}

/**
 * lp_mappings_add_json() - Add a "mappings" member in the wire format
 * @b:		Builder, inside an object
 * @mappings:	GArray of LpMapping
 *
 * For other JSON documents that hold mappings (lowportd's state files).
 */
void lp_mappings_add_json(JsonBuilder *b, const GArray *mappings)
{
	proto_add_mappings(b, mappings);
}

/**
 * lp_mappings_parse_json() - Read a "mappings" member in the wire format
 * @o:		Object holding it
 * @kind:	What @o is, for messages (e.g. "state file")
 * @error:	Set on failure, LP_PROTOCOL_ERROR
 *
 * Return: new GArray of LpMapping, NULL on error
 */
GArray *lp_mappings_parse_json(JsonObject *o, const char *kind, GError **error)
{
	ProtoWhere w = {kind, ""};

	return proto_parse_mappings(o, &w, error);
}
