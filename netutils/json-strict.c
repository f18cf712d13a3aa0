// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json-strict.c - strict, bounded JSON reader for the wire protocol
 *
 * Copyright lowport authors
 *
 * DOC: Theory of Operation
 *
 * Every byte a client sends reaches the request decoder (request.c) in the
 * privileged daemon, so reading is strict and bounded before and after
 * json-glib sees the input:
 *
 * - a size limit is checked first;
 * - json_strict_scan() walks the raw text once and refuses what json-glib
 *   1.6 would let through: NUL bytes, raw control characters and \u0000 in
 *   strings, comments, single quotes, leading zeros, integers that do not
 *   fit in 64 bits (json-glib wraps them silently), nesting deeper than
 *   LP_JSON_DEPTH_MAX (json-glib recurses), and anything after the first
 *   object (json-glib accepts "{}{}");
 * - json-glib then builds the tree, and the typed field readers below check
 *   every known field's type and range and name the field in their message.
 *
 * Errors are LP_PROTOCOL_ERROR (protocol.h): MALFORMED, or TOO_LARGE for
 * input over the limit. Unknown fields are ignored by the readers, so that
 * newer peers can add some.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "netutils/json-strict.h"
#include "netutils/protocol.h"

/* Raw syntax pass ------------------------------------------------------- */

/**
 * json_strict_hex4() - Read the four hex digits of a \\u escape
 * @buf:	Input
 * @len:	Length of @buf
 * @i:		Offset of the first digit
 * @ret:	Code unit
 *
 * Return: true if four hex digits are there
 */
static bool json_strict_hex4(const char *buf, size_t len, size_t i,
			     unsigned int *ret)
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
 * json_strict_scan_escape() - Check one escape; json-glib mangles bad ones
 * @buf:	Input
 * @len:	Length of @buf
 * @pos:	In: offset after the backslash; out: offset after the escape
 *
 * Return: NULL if fine, else a static description of the problem
 */
static const char *json_strict_scan_escape(const char *buf, size_t len,
					   size_t *pos)
{
	size_t i = *pos;
	unsigned int u, lo;

	if (i < len && buf[i] && strchr("\"\\/bfnrt", buf[i])) {
		*pos = i + 1;
		return NULL;
	}
	if (i >= len || buf[i] != 'u' || !json_strict_hex4(buf, len, i + 1, &u))
		return "invalid escape in string";
	if (!u)
		return "NUL character in string";
	i += 5;
	if (u >= 0xdc00 && u <= 0xdfff)
		return "unpaired surrogate in string";
	if (u >= 0xd800 && u <= 0xdbff) {
		if (len - i < 2 || buf[i] != '\\' || buf[i + 1] != 'u' ||
		    !json_strict_hex4(buf, len, i + 2, &lo) || lo < 0xdc00 ||
		    lo > 0xdfff)
			return "unpaired surrogate in string";
		i += 6;
	}
	*pos = i;
	return NULL;
}

/**
 * json_strict_scan_string() - Skip one string, refusing what JSON forbids in it
 * @buf:	Input
 * @len:	Length of @buf
 * @pos:	In: offset of the opening quote; out: offset after the closing
 *
 * Return: NULL if fine, else a static description of the problem
 */
static const char *json_strict_scan_string(const char *buf, size_t len,
					   size_t *pos)
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
		bad = json_strict_scan_escape(buf, len, &i);
		if (bad)
			return bad;
	}
	return "unterminated string";
}

/**
 * json_strict_scan_number() - Skip one number, refusing what json-glib mangles
 * @buf:	Input
 * @len:	Length of @buf
 * @pos:	In: offset of the first character; out: offset after the last
 *
 * Return: NULL if fine, else a static description of the problem
 */
static const char *json_strict_scan_number(const char *buf, size_t len,
					   size_t *pos)
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
 * json_strict_scan_token() - Check one character outside strings and numbers
 * @c:		Character
 * @depth:	Nesting depth, updated
 * @done:	Set when the top-level object closes
 *
 * Return: NULL if fine, else a static description of the problem
 */
static const char *json_strict_scan_token(char c, unsigned int *depth,
					  bool *done)
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
 * json_strict_scan() - Check raw input before json-glib parses it
 * @buf:	Input
 * @len:	Length of @buf
 * @ret_pos:	Offset of the problem, if any
 *
 * Return: NULL if fine, else a static description of the problem
 */
static const char *json_strict_scan(const char *buf, size_t len,
				    size_t *ret_pos)
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
			bad = json_strict_scan_string(buf, len, &i);
		else if (buf[i] == '-' || g_ascii_isdigit(buf[i]))
			bad = json_strict_scan_number(buf, len, &i);
		else
			bad = json_strict_scan_token(buf[i++], &depth, &done);
	}
	return bad;
}

/* Typed readers ---------------------------------------------------------- */

/**
 * lp_json_strict_excerpt() - Quote user text in a message: one short line
 * @s:		String; may hold control characters or cut characters
 * @max:	Characters kept
 *
 * Return: newly allocated excerpt, control characters as spaces, "..."
 *	   appended if cut
 */
char *lp_json_strict_excerpt(const char *s, long max)
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
 * lp_json_strict_fail() - Set a "malformed KIND: PATH.NAME: ..." error
 * @w:		Position
 * @name:	Field or element name, NULL for the object at @w itself
 * @error:	Set to LP_PROTOCOL_ERROR_MALFORMED
 * @fmt:	Problem, printf() style
 *
 * Return: FALSE
 */
gboolean lp_json_strict_fail(const LpJsonWhere *w, const char *name,
			     GError **error, const char *fmt, ...)
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
 * json_strict_node_kind() - Describe the type of a JSON value for messages
 * @n:		Value
 *
 * Return: static description such as "a string"
 */
static const char *json_strict_node_kind(JsonNode *n)
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
 * lp_json_strict_member() - Look up a field and check its JSON type
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
gboolean lp_json_strict_member(JsonObject *o, const LpJsonWhere *w,
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
		return lp_json_strict_fail(w, name, error,
					   "required field is missing");
	if (k == 3)
		ok = JSON_NODE_HOLDS_OBJECT(n);
	else if (k == 4)
		ok = JSON_NODE_HOLDS_ARRAY(n);
	else
		ok = JSON_NODE_HOLDS_VALUE(n) &&
		     json_node_get_value_type(n) == vtype;
	if (!ok)
		return lp_json_strict_fail(w, name, error,
					   "expected %s, got %s", want[k],
					   json_strict_node_kind(n));
	*ret = n;
	return TRUE;
}

/**
 * lp_json_strict_get_int() - Read a required integer field within bounds
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
gboolean lp_json_strict_get_int(JsonObject *o, const LpJsonWhere *w,
				const char *name, int64_t min, int64_t max,
				const char *what, int64_t *ret, GError **error)
{
	JsonNode *n;
	int64_t v;

	if (!lp_json_strict_member(o, w, name, G_TYPE_INT64, true, &n, error))
		return FALSE;
	v = json_node_get_int(n);
	if (v < min || v > max)
		return lp_json_strict_fail(w, name, error,
					   "%" PRId64 " is not %s (%" PRId64
					   "-%" PRId64 ")",
					   v, what, min, max);
	*ret = v;
	return TRUE;
}

/**
 * lp_json_strict_get_string() - Read a string field
 * @o:		Object
 * @w:		Position of @o
 * @name:	Field name
 * @required:	Whether a missing field is an error
 * @ret:	Borrowed string, NULL if absent and not required
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
gboolean lp_json_strict_get_string(JsonObject *o, const LpJsonWhere *w,
				   const char *name, bool required,
				   const char **ret, GError **error)
{
	JsonNode *n;

	if (!lp_json_strict_member(o, w, name, G_TYPE_STRING, required, &n,
				   error))
		return FALSE;
	*ret = n ? json_node_get_string(n) : NULL;
	if (*ret && !g_utf8_validate(*ret, -1, NULL))
		return lp_json_strict_fail(w, name, error, "not valid UTF-8");
	return TRUE;
}

/**
 * lp_json_strict_get_bool() - Read a required boolean field
 * @o:		Object
 * @w:		Position of @o
 * @name:	Field name
 * @ret:	Value
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
gboolean lp_json_strict_get_bool(JsonObject *o, const LpJsonWhere *w,
				 const char *name, gboolean *ret,
				 GError **error)
{
	JsonNode *n;

	if (!lp_json_strict_member(o, w, name, G_TYPE_BOOLEAN, true, &n, error))
		return FALSE;
	*ret = json_node_get_boolean(n);
	return TRUE;
}

/**
 * lp_json_strict_object() - Unwrap an array element that must be an object
 * @n:		Element
 * @w:		Position of the array's parent
 * @name:	Element name, e.g. "mappings[2]"
 * @error:	Set if @n is no object
 *
 * Return: borrowed object, NULL on error
 */
JsonObject *lp_json_strict_object(JsonNode *n, const LpJsonWhere *w,
				  const char *name, GError **error)
{
	if (JSON_NODE_HOLDS_OBJECT(n))
		return json_node_get_object(n);
	lp_json_strict_fail(w, name, error, "expected an object, got %s",
			    json_strict_node_kind(n));
	return NULL;
}

/**
 * lp_json_strict_load() - Bound, scan and parse one JSON object
 * @kind:	What the input is, for messages: "request", "reply"
 * @buf:	Input, need not be NUL-terminated
 * @len:	Length of @buf
 * @max:	Size limit
 * @ret_parser:	Parser that owns the returned object
 * @error:	LP_PROTOCOL_ERROR_TOO_LARGE over @max, else
 *		LP_PROTOCOL_ERROR_MALFORMED
 *
 * Return: borrowed top-level object, NULL on error
 */
JsonObject *lp_json_strict_load(const char *kind, const char *buf, size_t len,
				size_t max, JsonParser **ret_parser,
				GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) jerr = NULL;
	LpJsonWhere w = {kind, ""};
	const char *bad;
	size_t pos = 0;
	JsonObject *o;

	if (len > max) {
		g_set_error(error, LP_PROTOCOL_ERROR,
			    LP_PROTOCOL_ERROR_TOO_LARGE,
			    "%s too large (%zu bytes, at most %zu)", kind, len,
			    max);
		return NULL;
	}
	bad = json_strict_scan(buf, len, &pos);
	if (bad) {
		lp_json_strict_fail(&w, NULL, error, "%s at byte %zu", bad,
				    pos);
		return NULL;
	}
	if (!json_parser_load_from_data(parser, buf, len, &jerr)) {
		g_autofree char *msg =
			lp_json_strict_excerpt(jerr->message, 160);

		lp_json_strict_fail(&w, NULL, error, "%s", msg);
		return NULL;
	}
	o = json_node_get_object(json_parser_get_root(parser));
	*ret_parser = g_steal_pointer(&parser);
	return o;
}
