// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * request.c - lowportd requests: decode strictly, encode as one line
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <stdint.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "netutils/json-strict.h"
#include "netutils/protocol.h"
#include "netutils/request.h"

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
 * request_parse_op() - Read the "op" field
 * @o:		Request object
 * @w:		Its position
 * @ret:	Operation
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean request_parse_op(JsonObject *o, const LpJsonWhere *w, LpOp *ret,
				 GError **error)
{
	g_autofree char *q = NULL;
	const char *name;
	int op;

	if (!lp_json_strict_get_string(o, w, "op", true, &name, error))
		return FALSE;
	op = lp_op_from_name(name);
	if (op < 0)
		return lp_json_strict_fail(
			w, "op", error, "unknown operation '%s'",
			q = lp_json_strict_excerpt(name, 64));
	*ret = op;
	return TRUE;
}

/**
 * request_parse_retry() - Read the optional "retry" counter
 * @o:		Request object
 * @w:		Its position
 * @ret:	Counter, 0 if absent
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean request_parse_retry(JsonObject *o, const LpJsonWhere *w,
				    unsigned int *ret, GError **error)
{
	int64_t v = 0;

	if (json_object_has_member(o, "retry") &&
	    !lp_json_strict_get_int(o, w, "retry", 0, LP_RETRY_MAX,
				    "a retry count", &v, error))
		return FALSE;
	*ret = v;
	return TRUE;
}

/**
 * request_parse_listeners() - Read the optional "listeners" count
 * @o:		Request object
 * @w:		Its position
 * @ret:	Count, 0 if absent
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean request_parse_listeners(JsonObject *o, const LpJsonWhere *w,
					unsigned int *ret, GError **error)
{
	int64_t v = 0;

	if (json_object_has_member(o, "listeners") &&
	    !lp_json_strict_get_int(o, w, "listeners", 0, LP_LISTENERS_MAX,
				    "a listener count", &v, error))
		return FALSE;
	*ret = v;
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
	LpJsonWhere w = {"request", ""};
	JsonObject *o;
	LpOp op = LP_OP_MAX;

	o = lp_protocol_load("request", buf, len, LP_REQUEST_MAX, &parser,
			     error);
	if (!o || !request_parse_op(o, &w, &op, error))
		return NULL;
	req = lp_request_new(op);
	switch (op) {
	case LP_OP_FORWARD:
		if (!lp_protocol_get_netns(o, &w, &req->netns, error))
			return NULL;
		if (!lp_protocol_get_front(o, &w, &req->front, error) ||
		    !request_parse_retry(o, &w, &req->retry, error) ||
		    !request_parse_listeners(o, &w, &req->listeners, error))
			return NULL;
		g_array_unref(req->mappings);
		req->mappings = lp_protocol_get_mappings(o, &w, error);
		if (!req->mappings)
			return NULL;
		break;
	case LP_OP_RELEASE:
		if (!lp_protocol_get_lease_id(o, &w, "id", &req->id, error))
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
	b = lp_protocol_begin();
	lp_protocol_add_string(b, "op", lp_op_name(req->op));
	if (req->op == LP_OP_FORWARD) {
		if (req->netns)
			lp_protocol_add_string(b, "netns", req->netns);
		lp_protocol_add_string(b, "front", lp_front_name(req->front));
		if (req->retry)
			lp_protocol_add_int(b, "retry", req->retry);
		if (req->listeners)
			lp_protocol_add_int(b, "listeners", req->listeners);
		lp_protocol_add_mappings(b, req->mappings);
	} else if (req->op == LP_OP_RELEASE) {
		lp_protocol_add_string(b, "id", req->id ? req->id : "");
	}
	return lp_protocol_finish(b, ret_len);
}
