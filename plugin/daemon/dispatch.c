// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dispatch.c - answer one decoded request: forward, release, list, status
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <glib.h>

#include "daemon/admission.h"
#include "daemon/dispatch.h"
#include "daemon/error.h"
#include "daemon/listener.h"
#include "daemon/log.h"
#include "daemon/registry.h"
#include "daemon/steering.h"
#include "netutils/lease-order.h"
#include "netutils/request.h"
#include "netutils/reply.h"
#include "netutils/nft/nft-table.h"

/**
 * dispatch_refuse() - Log a refusal and turn its error into a reply
 * @peer:	Peer
 * @req:	Forward request
 * @error:	Error in LP_DAEMON_ERROR or LP_DAEMON_ERROR_RETRY
 *
 * One line per refused request, not per repetition: a repeated request
 * (@req->retry > 0) refused again for a reason that may pass is not
 * logged; its first refusal was, and so is its final outcome.
 *
 * Return: error reply, with "retry" for LP_DAEMON_ERROR_RETRY
 */
static LpReply *dispatch_refuse(const LpPeer *peer, const LpRequest *req,
				GError *error)
{
	g_autofree char *label = lp_user_label(peer->uid);
	bool retry = error->domain == LP_DAEMON_ERROR_RETRY;
	LpErrorCode code = error->domain == LP_DAEMON_ERROR || retry
				   ? error->code
				   : LP_ERR_INTERNAL;
	LpReply *reply;

	if (!req->retry)
		lp_log_event("refused", peer->uid, NULL,
			     "refused forward for %s (%s): %s", label,
			     lp_front_name(req->front), error->message);
	else if (!retry)
		lp_log_event("refused", peer->uid, NULL,
			     "refused forward for %s (%s) after %u retries: %s",
			     label, lp_front_name(req->front), req->retry,
			     error->message);
	reply = lp_reply_new_error(code, "%s", error->message);
	reply->retry = retry;
	return reply;
}

/**
 * dispatch_listeners() - Check the listening sockets passed with a request
 * @lease:	Admitted lease; gets the listeners
 * @peer:	Peer
 * @req:	Forward request (says how many came)
 * @fds:	Passed descriptors; the listeners are taken
 * @error:	Return location for a GError (LP_DAEMON_ERROR)
 *
 * Return: true if as many came as the request says, and each is a
 *	   listening TCP socket of the peer in this network namespace
 */
static bool dispatch_listeners(LpLease *lease, const LpPeer *peer,
			       const LpRequest *req, LpPassedFds *fds,
			       GError **error)
{
	unsigned int i;

	if (req->listeners != fds->n_listeners) {
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_BAD_REQUEST,
			    "the request names %u listening socket(s), %u "
			    "came with it",
			    req->listeners, fds->n_listeners);
		return false;
	}
	for (i = 0; i < fds->n_listeners; i++) {
		LpListener l;
		int fd = fds->listeners[i];

		fds->listeners[i] = -1;
		if (!lp_listener_check(fd, peer->uid, &l, error))
			return false;
		g_array_append_val(lease->listeners, l);
	}
	return true;
}

/**
 * dispatch_forward() - Admit a lease or say why not
 * @d:		Daemon
 * @peer:	Peer
 * @req:	Forward request
 * @fds:	Descriptors passed with it (taken on success)
 *
 * Return: reply
 */
static LpReply *dispatch_forward(LpDaemon *d, const LpPeer *peer,
				 const LpRequest *req, LpPassedFds *fds)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpLease) lease = NULL;
	g_autofree char *label = lp_user_label(peer->uid);
	g_autofree char *what = NULL;
	char retries[16];
	LpReply *reply;

	lease = lp_admission_check(d->registry, d->policy, peer, req,
				   &fds->pidfd, &error);
	if (!lease || !dispatch_listeners(lease, peer, req, fds, &error) ||
	    !lp_steering_plan(d->steering, lease, &error) ||
	    !lp_registry_admit(d->registry, lease, &error))
		return dispatch_refuse(peer, req, error);

	what = lp_lease_describe(lease);
	g_snprintf(retries, sizeof(retries), "%u", req->retry);
	lp_log_event("admitted", peer->uid, lease->id,
		     "admitted lease %s for %s, pid %d (%s%s%s): %s", lease->id,
		     label, lease->pid, lp_front_name(lease->front),
		     req->retry ? ", after retries: " : "",
		     req->retry ? retries : "", what);
	reply = lp_reply_new_ok();
	reply->lease_id = g_strdup(lease->id);
	g_steal_pointer(&lease); /* the registry owns it now */
	return reply;
}

/**
 * dispatch_release() - End a lease on its owner's (or root's) request
 * @d:		Daemon
 * @peer:	Peer
 * @req:	Release request
 *
 * Return: reply
 */
static LpReply *dispatch_release(LpDaemon *d, const LpPeer *peer,
				 const LpRequest *req)
{
	LpLease *lease = lp_registry_lookup(d->registry, req->id);
	g_autofree char *reason = NULL;

	if (!lease)
		return lp_reply_new_error(LP_ERR_NOT_FOUND, "no lease %s",
					  req->id);
	if (peer->uid && lease->uid != peer->uid)
		return lp_reply_new_error(LP_ERR_PERMISSION,
					  "lease %s belongs to another user",
					  req->id);
	reason = g_strdup_printf("released by uid %u", peer->uid);
	lp_registry_end(d->registry, lease, reason);
	return lp_reply_new_ok();
}

/**
 * dispatch_list() - The peer's leases (root: all)
 * @d:		Daemon
 * @peer:	Peer
 *
 * Return: reply
 */
static LpReply *dispatch_list(LpDaemon *d, const LpPeer *peer)
{
	g_autoptr(GPtrArray) all = lp_registry_snapshot(d->registry);
	LpReply *reply = lp_reply_new_ok();
	guint i;

	reply->leases = g_ptr_array_new_with_free_func(
		(GDestroyNotify)lp_lease_info_free);
	for (i = 0; i < all->len; i++) {
		const LpLease *lease = all->pdata[i];

		if (!peer->uid || lease->uid == peer->uid)
			g_ptr_array_add(reply->leases, lp_lease_to_info(lease));
	}
	g_ptr_array_sort(reply->leases, lp_lease_order_compare);
	return reply;
}

/**
 * dispatch_status() - Helper status: version, lease counts, table
 * @d:		Daemon
 * @peer:	Peer
 *
 * Return: reply
 */
static LpReply *dispatch_status(LpDaemon *d, const LpPeer *peer)
{
	LpReply *reply = lp_reply_new_ok();

	reply->status.version = g_strdup(PACKAGE_VERSION);
	reply->status.leases_total = lp_registry_size(d->registry);
	reply->status.leases = lp_registry_count_leases(d->registry, peer->uid);
	reply->status.table_present = lp_nft_table_present(d->nft, NULL);
	reply->status.datapath = lp_steering_datapath(d->steering);
	reply->status.datapath_reason =
		g_strdup(lp_steering_reason(d->steering));
	return reply;
}

/**
 * lp_dispatch_handle() - Answer one request
 * @d:		Daemon
 * @peer:	Peer credentials from the kernel
 * @req:	Decoded request
 * @fds:	Descriptors passed with the request; those used are taken
 *
 * Return: reply, never NULL
 */
LpReply *lp_dispatch_handle(LpDaemon *d, const LpPeer *peer,
			    const LpRequest *req, LpPassedFds *fds)
{
	switch (req->op) {
	case LP_OP_FORWARD:
		return dispatch_forward(d, peer, req, fds);
	case LP_OP_RELEASE:
		return dispatch_release(d, peer, req);
	case LP_OP_LIST:
		return dispatch_list(d, peer);
	case LP_OP_STATUS:
		return dispatch_status(d, peer);
	case LP_OP_MAX:
	default:
		break;
	}
	return lp_reply_new_error(LP_ERR_BAD_REQUEST, "unknown operation");
}
