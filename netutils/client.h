/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * client.h - talk to lowportd: one request, one reply per connection
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CLIENT_H
#define LOWPORT_CLIENT_H

#include <glib.h>

#include "netutils/protocol.h"
#include "netutils/reply.h"
#include "netutils/request.h"

/* Bound on descriptors passed with one request: a pidfd and its listeners */
#define LP_CLIENT_FDS_MAX (1 + LP_LISTENERS_MAX)

/* Default bound on one exchange with lowportd */
#define LP_CLIENT_TIMEOUT_MS 10000

#define LP_CLIENT_ERROR (lp_client_error_quark())
GQuark lp_client_error_quark(void);

typedef enum {
	LP_CLIENT_ERROR_NOT_RUNNING, /* no socket, or nobody listening */
	LP_CLIENT_ERROR_CONNECT,     /* other connect failure */
	LP_CLIENT_ERROR_IO,	     /* send or receive failed */
	LP_CLIENT_ERROR_TIMEOUT,     /* no complete reply in time */
	LP_CLIENT_ERROR_REPLY,	     /* reply does not answer the request */
} LpClientError;

/* GError domain whose codes are LpErrorCode: refusals from lowportd */
#define LP_REPLY_ERROR (lp_reply_error_quark())
GQuark lp_reply_error_quark(void);

const char *lp_client_socket_path(void);
int lp_client_connect(const char *path, GError **error);
LpReply *lp_client_call(const char *path, const LpRequest *req, int pass_fd,
			unsigned int timeout_ms, GError **error);
LpReply *lp_client_call_fds(const char *path, const LpRequest *req,
			    const int *fds, size_t n_fds,
			    unsigned int timeout_ms, GError **error);
gboolean lp_reply_check(const LpReply *reply, GError **error);

#endif /* LOWPORT_CLIENT_H */
