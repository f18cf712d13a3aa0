// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reply.c - lowportd replies: build, decode strictly, encode as one line
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "netutils/json-strict.h"
#include "netutils/lease-info.h"
#include "netutils/protocol.h"
#include "netutils/reply.h"

/**
 * lp_reply_new_ok() - Allocate a success reply
 *
 * Return: new reply with an empty @leases array, free with lp_reply_free()
 */
LpReply *lp_reply_new_ok(void)
{
	LpReply *reply = g_new0(LpReply, 1);

	reply->ok = TRUE;
	reply->status.datapath = -1;
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
	g_free(reply->status.datapath_reason);
	g_free(reply);
}

/**
 * reply_parse_error() - Read the "error" object of a failure reply
 * @o:		Reply object
 * @reply:	Reply, @code and @message filled in
 * @error:	Set on failure
 *
 * Unknown codes (from a newer lowportd) read as LP_ERR_INTERNAL.
 *
 * Return: TRUE on success
 */
static gboolean reply_parse_error(JsonObject *o, LpReply *reply, GError **error)
{
	LpJsonWhere w = {"reply", ""}, ew = {"reply", "error"};
	const char *code, *message;
	JsonNode *n;
	int c;

	if (!lp_json_strict_member(o, &w, "error", G_TYPE_OBJECT, true, &n,
				   error))
		return FALSE;
	o = json_node_get_object(n);
	if (!lp_json_strict_get_string(o, &ew, "code", true, &code, error) ||
	    !lp_json_strict_get_string(o, &ew, "message", true, &message,
				       error))
		return FALSE;
	if (json_object_has_member(o, "retry") &&
	    !lp_json_strict_get_bool(o, &ew, "retry", &reply->retry, error))
		return FALSE;
	c = lp_error_code_from_name(code);
	reply->code = c < 0 ? LP_ERR_INTERNAL : c;
	reply->message = g_strdup(message);
	return TRUE;
}

/**
 * reply_parse_leases() - Read the "leases" array of a list reply
 * @n:		The array
 * @reply:	Reply, @leases filled in
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean reply_parse_leases(JsonNode *n, LpReply *reply, GError **error)
{
	LpJsonWhere w = {"reply", ""};
	JsonArray *array = json_node_get_array(n);
	unsigned int i;

	for (i = 0; i < json_array_get_length(array); i++) {
		g_autofree char *name = g_strdup_printf("leases[%u]", i);
		LpJsonWhere lw = {"reply", name};
		LpLeaseInfo *info;
		JsonObject *lo;

		lo = lp_json_strict_object(json_array_get_element(array, i), &w,
					   name, error);
		if (!lo)
			return FALSE;
		info = lp_lease_info_parse(lo, &lw, error);
		if (!info)
			return FALSE;
		g_ptr_array_add(reply->leases, info); /* takes ownership */
	}
	return TRUE;
}

/**
 * reply_parse_datapath() - Read the optional data path of a status reply
 * @o:		The "status" object
 * @w:		Its position
 * @st:		Status, @datapath (-1 if absent) and @datapath_reason (NULL
 *		if absent, or if @datapath is) set
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean reply_parse_datapath(JsonObject *o, const LpJsonWhere *w,
				     LpStatus *st, GError **error)
{
	g_autofree char *q = NULL;
	const char *name, *reason;

	if (!lp_json_strict_get_string(o, w, "datapath", false, &name, error) ||
	    !lp_json_strict_get_string(o, w, "datapath_reason", false, &reason,
				       error))
		return FALSE;
	st->datapath = name ? lp_datapath_parse(name) : -1;
	if (name && st->datapath < 0)
		return lp_json_strict_fail(
			w, "datapath", error, "'%s' is not nat or steer",
			q = lp_json_strict_excerpt(name, 64));
	if (reason && strlen(reason) > LP_STATUS_REASON_MAX)
		return lp_json_strict_fail(w, "datapath_reason", error,
					   "longer than %d bytes",
					   LP_STATUS_REASON_MAX);
	/* a reason without a data path says nothing: dropped */
	st->datapath_reason = name ? g_strdup(reason) : NULL;
	return TRUE;
}

/**
 * reply_add_datapath() - Add the data path members of a status reply
 * @b:		Builder, inside the "status" object
 * @st:		Status; nothing is added if @datapath is -1
 */
static void reply_add_datapath(JsonBuilder *b, const LpStatus *st)
{
	g_autofree char *reason = NULL;
	const char *end;

	if (st->datapath < 0)
		return;
	lp_protocol_add_string(b, "datapath", lp_datapath_name(st->datapath));
	if (!st->datapath_reason)
		return;
	reason = g_utf8_make_valid(st->datapath_reason, -1);
	if (strlen(reason) > LP_STATUS_REASON_MAX) {
		/* cut at a character boundary at or before the limit */
		end = g_utf8_find_prev_char(reason,
					    reason + LP_STATUS_REASON_MAX + 1);
		reason[end - reason] = '\0';
	}
	lp_protocol_add_string(b, "datapath_reason", reason);
}

/**
 * reply_parse_status() - Read the "status" object of a status reply
 * @n:		The object
 * @reply:	Reply, @status filled in
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean reply_parse_status(JsonNode *n, LpReply *reply, GError **error)
{
	LpJsonWhere w = {"reply", "status"};
	JsonObject *o = json_node_get_object(n);
	int64_t leases, total;
	const char *version;

	if (!lp_json_strict_get_string(o, &w, "version", true, &version,
				       error) ||
	    !lp_json_strict_get_int(o, &w, "leases", 0, UINT32_MAX, "a count",
				    &leases, error) ||
	    !lp_json_strict_get_int(o, &w, "leases_total", 0, UINT32_MAX,
				    "a count", &total, error) ||
	    !lp_json_strict_get_bool(o, &w, "table",
				     &reply->status.table_present, error))
		return FALSE;
	reply->status.version = g_strdup(version);
	reply->status.leases = leases;
	reply->status.leases_total = total;
	return reply_parse_datapath(o, &w, &reply->status, error);
}

/**
 * reply_parse_payload() - Read the one payload of a success reply
 * @o:		Reply object
 * @reply:	Reply
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean reply_parse_payload(JsonObject *o, LpReply *reply,
				    GError **error)
{
	LpJsonWhere w = {"reply", ""}, lw = {"reply", "lease"};
	JsonNode *lease, *leases, *status;

	if (!lp_json_strict_member(o, &w, "lease", G_TYPE_OBJECT, false, &lease,
				   error) ||
	    !lp_json_strict_member(o, &w, "leases", G_TYPE_ARRAY, false,
				   &leases, error) ||
	    !lp_json_strict_member(o, &w, "status", G_TYPE_OBJECT, false,
				   &status, error))
		return FALSE;
	if (!!lease + !!leases + !!status > 1)
		return lp_json_strict_fail(
			&w, NULL, error,
			"more than one of lease, leases, status");
	if (lease)
		return lp_protocol_get_lease_id(json_node_get_object(lease),
						&lw, "id", &reply->lease_id,
						error);
	if (leases)
		return reply_parse_leases(leases, reply, error);
	if (status)
		return reply_parse_status(status, reply, error);
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
	LpJsonWhere w = {"reply", ""};
	JsonObject *o;

	o = lp_protocol_load("reply", buf, len, LP_REPLY_MAX, &parser, error);
	if (!o || !lp_json_strict_get_bool(o, &w, "ok", &reply->ok, error))
		return NULL;
	if (!reply->ok && !reply_parse_error(o, reply, error))
		return NULL;
	if (reply->ok && !reply_parse_payload(o, reply, error))
		return NULL;
	return g_steal_pointer(&reply);
}

/**
 * reply_add_payload() - Add the success payload for an operation
 * @b:		Builder, inside the reply object
 * @reply:	Reply
 * @op:		Operation the reply answers
 */
static void reply_add_payload(JsonBuilder *b, const LpReply *reply, LpOp op)
{
	const LpStatus *st = &reply->status;

	switch (op) {
	case LP_OP_FORWARD:
		if (!reply->lease_id)
			break;
		json_builder_set_member_name(b, "lease");
		json_builder_begin_object(b);
		lp_protocol_add_string(b, "id", reply->lease_id);
		json_builder_end_object(b);
		break;
	case LP_OP_LIST:
		json_builder_set_member_name(b, "leases");
		json_builder_add_value(b, lp_leases_to_json(reply->leases));
		break;
	case LP_OP_STATUS:
		json_builder_set_member_name(b, "status");
		json_builder_begin_object(b);
		lp_protocol_add_string(b, "version",
				       st->version ? st->version : "");
		lp_protocol_add_int(b, "leases", st->leases);
		lp_protocol_add_int(b, "leases_total", st->leases_total);
		json_builder_set_member_name(b, "table");
		json_builder_add_boolean_value(b, st->table_present);
		reply_add_datapath(b, st);
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
	g_autoptr(JsonBuilder) b = lp_protocol_begin();

	json_builder_set_member_name(b, "ok");
	json_builder_add_boolean_value(b, reply->ok);
	if (reply->ok) {
		reply_add_payload(b, reply, op);
		return lp_protocol_finish(b, ret_len);
	}
	json_builder_set_member_name(b, "error");
	json_builder_begin_object(b);
	lp_protocol_add_string(b, "code", lp_error_code_name(reply->code));
	lp_protocol_add_string(b, "message",
			       reply->message ? reply->message : "");
	if (reply->retry) {
		json_builder_set_member_name(b, "retry");
		json_builder_add_boolean_value(b, TRUE);
	}
	json_builder_end_object(b);
	return lp_protocol_finish(b, ret_len);
}
