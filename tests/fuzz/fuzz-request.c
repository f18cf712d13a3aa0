// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-request.c - fuzz lowportd's request parser, check lossless re-encoding
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "netutils/protocol.h"
#include "netutils/request.h"
#include "test-protocol-equal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * LLVMFuzzerTestOneInput() - Parse; if accepted, serialize and parse again
 * @data:	Input bytes
 * @size:	Their number
 *
 * A request the daemon accepts must survive serialize -> parse unchanged,
 * and its line must stay within LP_REQUEST_MAX (a client could send it).
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(LpRequest) req = NULL;
	g_autoptr(LpRequest) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = NULL;
	size_t len;

	req = lp_request_parse((const char *)data, size, &error);
	if (!req) {
		if (!error || error->domain != LP_PROTOCOL_ERROR ||
		    !g_utf8_validate(error->message, -1, NULL))
			abort();
		return 0;
	}
	line = lp_request_serialize(req, &len);
	if (len > LP_REQUEST_MAX)
		abort();
	back = lp_request_parse(line, len, &error);
	if (!back || !lp_test_protocol_equal_request(req, back))
		abort();
	return 0;
}
