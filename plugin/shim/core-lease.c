// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core-lease.c - shim core: ask lowportd for the lease
 *
 * Copyright lowport authors
 *
 * One forward request per privileged call, with a pidfd of the process the
 * lease is tied to: lowportd removes the forward when that process exits.
 * The listening sockets the core took from that process (core-listeners.c)
 * follow the pidfd in the same SCM_RIGHTS message ("listeners": N), on
 * every repetition of the request.
 * A conflict with the user's own lease may be the old helper of a "podman
 * restart" that is still exiting. lowportd says so: its refusal carries
 * "retry" only while the process of the lease in the way has exited or is
 * exiting. Then the same request is sent again, on a new connection and
 * with its "retry" counter raised (lowportd logs the repetitions of one
 * request once), every LP_CORE_LEASE_OWN_RETRY_MS for
 * LP_CORE_LEASE_OWN_WAIT_MS at most, while our own lease process runs.
 * Any other refusal, a running own lease above all (a second container on
 * the same port), is final at once.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include <glib.h>

#include "netutils/client.h"
#include "netutils/mapping.h"
#include "netutils/protocol.h"
#include "netutils/reply.h"
#include "netutils/request.h"
#include "shim/core-lease.h"

/**
 * lp_core_lease_front() - The front lowportd records for a real helper
 * @name:	Name of the helper a front stands in for (LpCoreHelper.name):
 *		"pasta", "rootlessport", "pesto"
 *
 * Return: that front; LP_FRONT_PASTA for other names (test helpers), which
 *	   is also what lowportd assumes when a shim names none
 */
LpFront lp_core_lease_front(const char *name)
{
	int front = lp_front_from_name(name);

	return front < 0 ? LP_FRONT_PASTA : (LpFront)front;
}

/**
 * lp_core_lease_mappings() - The forwards to ask lowportd for
 * @blocks:	GArray of LpCoreBlock: privileged host ports
 * @backend:	First backend port of each block, in order
 *
 * Return: GArray of LpMapping, one per block, same protocol and address;
 *	   free with g_array_unref()
 */
GArray *lp_core_lease_mappings(const GArray *blocks, const uint16_t *backend)
{
	GArray *out =
		g_array_sized_new(FALSE, TRUE, sizeof(LpMapping), blocks->len);
	guint i;

	for (i = 0; i < blocks->len; i++) {
		const LpCoreBlock *b = &g_array_index(blocks, LpCoreBlock, i);
		LpMapping m = {
			.proto = (uint8_t)b->proto,
			.addr = b->addr,
			.host_port = b->host_port,
			.backend_port = backend[i],
			.range = b->size,
		};

		g_array_append_val(out, m);
	}
	return out;
}

/**
 * lease_request_once() - Ask lowportd to forward the privileged ports
 * @ask:	The request: front, netns, mappings, pidfd
 * @retry:	How many times this request was refused and sent again
 * @ret_again:	Set if lowportd refused with "retry" (ask again shortly)
 * @error:	LP_CLIENT_ERROR, LP_PROTOCOL_ERROR, or LP_REPLY_ERROR with
 *		lowportd's reason
 *
 * Return: TRUE if lowportd granted the lease
 */
static gboolean lease_request_once(const LpCoreLeaseAsk *ask,
				   unsigned int retry, bool *ret_again,
				   GError **error)
{
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_FORWARD);
	g_autoptr(LpReply) reply = NULL;
	int fds[1 + LP_LISTENERS_MAX];
	size_t n = MIN(ask->n_listeners, (size_t)LP_LISTENERS_MAX);

	fds[0] = ask->pidfd;
	if (n)
		memcpy(fds + 1, ask->listeners, n * sizeof(int));
	req->netns = g_strdup(ask->netns);
	req->front = ask->front;
	req->retry = retry;
	req->listeners = n;
	g_array_set_size(req->mappings, 0);
	g_array_append_vals(req->mappings, ask->mappings->data,
			    ask->mappings->len);
	reply = lp_client_call_fds(lp_client_socket_path(), req, fds, 1 + n,
				   LP_CLIENT_TIMEOUT_MS, error);
	*ret_again = reply && !reply->ok && reply->retry;
	return reply && lp_reply_check(reply, error);
}

/**
 * lease_pause() - Wait before asking again, unless the process quit or
 * time is up
 * @pidfd:	pidfd of the lease's process
 * @end:	Monotonic time after which we stop asking
 *
 * Return: true to ask again
 */
static bool lease_pause(int pidfd, gint64 end)
{
	struct pollfd pfd = {pidfd, POLLIN, 0};
	gint64 now = g_get_monotonic_time();
	int r;

	if (now >= end)
		return false;
	r = poll(
		&pfd, 1,
		(int)MIN(LP_CORE_LEASE_OWN_RETRY_MS, (end - now + 999) / 1000));
	return r == 0 || (r < 0 && errno == EINTR);
}

/**
 * lp_core_lease_request() - Ask lowportd, waiting out the user's own old
 * lease while lowportd says it is ending
 * @ask:	The request: front, netns, mappings, pidfd
 * @error:	As lease_request_once(), from the last answer
 *
 * Return: TRUE if lowportd granted the lease
 */
gboolean lp_core_lease_request(const LpCoreLeaseAsk *ask, GError **error)
{
	g_autoptr(GError) err = NULL;
	unsigned int retry = 0;
	gint64 end = 0;
	bool again;

	while (!lease_request_once(ask, retry, &again, &err)) {
		if (!again || retry >= LP_RETRY_MAX)
			break;
		if (!end)
			end = g_get_monotonic_time() +
			      LP_CORE_LEASE_OWN_WAIT_MS *
				      G_TIME_SPAN_MILLISECOND;
		if (!lease_pause(ask->pidfd, end))
			break;
		retry++;
		g_clear_error(&err);
	}
	if (!err)
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&err));
	return FALSE;
}
