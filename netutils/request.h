/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * request.h - lowportd requests: decode strictly, encode as one line
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_REQUEST_H
#define LOWPORT_REQUEST_H

#include <stddef.h>

#include <glib.h>

#include "netutils/protocol.h"

/*
 * LpRequest - a decoded request
 * @version:	Protocol version (LP_PROTOCOL_VERSION)
 * @op:		Operation
 * @netns:	forward: netns path pasta serves (informational), may be NULL
 * @mappings:	forward: GArray of LpMapping, 1..LP_MAPPINGS_MAX entries
 * @front:	forward: the shim front asking ("front", absent: pasta)
 * @retry:	forward: 0 for a new request, N for its Nth repetition after
 *		a refusal that said to retry ("retry", absent: 0); lowportd
 *		logs a repeated refusal only once
 * @listeners:	forward: how many listening TCP sockets of the lease's
 *		process follow the pidfd in the request's SCM_RIGHTS
 *		("listeners", 0..LP_LISTENERS_MAX, absent: 0)
 * @id:		release: lease ID
 */
typedef struct {
	int version;
	LpOp op;
	char *netns;
	GArray *mappings;
	LpFront front;
	unsigned int retry;
	unsigned int listeners;
	char *id;
} LpRequest;

LpRequest *lp_request_new(LpOp op);
void lp_request_free(LpRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpRequest, lp_request_free)
LpRequest *lp_request_parse(const char *buf, size_t len, GError **error);
char *lp_request_serialize(const LpRequest *req, size_t *ret_len);

#endif /* LOWPORT_REQUEST_H */
