// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core-lease.c - shim core: ask lowportd for the lease
 *
 * Copyright lowport authors
 *
 * One forward request per privileged call, with a pidfd of the process the
 * lease is tied to: lowportd removes the forward when that process exits.
 * A conflict with the user's own lease is the old helper of a "podman
 * restart" that has not quit yet: the same request is sent again, on a new
 * connection, every LP_CORE_LEASE_OWN_RETRY_MS for LP_CORE_LEASE_OWN_WAIT_MS
 * at most, while the lease's process runs.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include <glib.h>

#include "netutils/client.h"
#include "netutils/mapping.h"
#include "netutils/protocol.h"
#include "shim/core-lease.h"

/* lowportd's conflict with the user's own lease (another user's differs) */
#define LEASE_OWN_TEXT "already forwarded by your lease"

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
 * @netns:	Network namespace of the container, may be NULL
 * @mappings:	GArray of LpMapping
 * @pidfd:	pidfd of the process the lease is tied to
 * @error:	LP_CLIENT_ERROR, LP_PROTOCOL_ERROR, or LP_REPLY_ERROR with
 *		lowportd's reason
 *
 * Return: TRUE if lowportd granted the lease
 */
static gboolean lease_request_once(const char *netns, const GArray *mappings,
				   int pidfd, GError **error)
{
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_FORWARD);
	g_autoptr(LpReply) reply = NULL;

	req->netns = g_strdup(netns);
	g_array_set_size(req->mappings, 0);
	g_array_append_vals(req->mappings, mappings->data, mappings->len);
	reply = lp_client_call(lp_client_socket_path(), req, pidfd,
			       LP_CLIENT_TIMEOUT_MS, error);
	return reply && lp_reply_check(reply, error);
}

/**
 * lp_core_lease_own_conflict() - Tell whether lowportd refused for the
 * user's own lease
 * @error:	Refusal
 *
 * Return: true for "conflict" with the user's own lease, false for any
 *	   other refusal (another user's lease above all)
 */
bool lp_core_lease_own_conflict(const GError *error)
{
	return g_error_matches(error, LP_REPLY_ERROR, LP_ERR_CONFLICT) &&
	       strstr(error->message, LEASE_OWN_TEXT);
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
 * lease
 * @netns:	Network namespace of the container, may be NULL
 * @mappings:	GArray of LpMapping
 * @pidfd:	pidfd of the process the lease is tied to
 * @error:	As lease_request_once(), from the last answer
 *
 * Return: TRUE if lowportd granted the lease
 */
gboolean lp_core_lease_request(const char *netns, const GArray *mappings,
			       int pidfd, GError **error)
{
	g_autoptr(GError) err = NULL;
	gint64 end = 0;

	while (!lease_request_once(netns, mappings, pidfd, &err)) {
		if (!lp_core_lease_own_conflict(err))
			break;
		if (!end)
			end = g_get_monotonic_time() +
			      LP_CORE_LEASE_OWN_WAIT_MS *
				      G_TIME_SPAN_MILLISECOND;
		if (!lease_pause(pidfd, end))
			break;
		g_clear_error(&err);
	}
	if (!err)
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&err));
	return FALSE;
}
