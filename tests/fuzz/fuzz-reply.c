// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-reply.c - fuzz the client's reply parser, check lossless re-encoding
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "netutils/protocol.h"
#include "netutils/reply.h"
#include "test-protocol-equal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * fuzz_reply_op() - The operation a parsed reply answers
 * @reply:	Reply
 *
 * Return: the LpOp whose serialization carries @reply's payload
 */
static LpOp fuzz_reply_op(const LpReply *reply)
{
	if (reply->lease_id)
		return LP_OP_FORWARD;
	if (reply->status.version)
		return LP_OP_STATUS;
	return LP_OP_LIST;
}

/**
 * LLVMFuzzerTestOneInput() - Parse; if accepted, serialize and parse again
 * @data:	Input bytes
 * @size:	Their number
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(LpReply) reply = NULL;
	g_autoptr(LpReply) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = NULL;
	size_t len;

	reply = lp_reply_parse((const char *)data, size, &error);
	if (!reply) {
		if (!error || error->domain != LP_PROTOCOL_ERROR ||
		    !g_utf8_validate(error->message, -1, NULL))
			abort();
		return 0;
	}
	line = lp_reply_serialize(reply, fuzz_reply_op(reply), &len);
	back = lp_reply_parse(line, len, &error);
	if (!back || !lp_test_protocol_equal_reply(reply, back))
		abort();
	return 0;
}
