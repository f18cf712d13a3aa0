// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl-commands.c - lowportctl release and status, and the shared call
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/client.h"
#include "ctl/ctl.h"
#include "netutils/protocol.h"

G_DEFINE_QUARK(lp_ctl_usage_error, lp_ctl_usage_error)

/* The containers.conf drop-in that puts the pasta shim first */

/**
 * lp_ctl_call() - Send one request to lowportd, fail on refusal
 * @ctl:	Invocation
 * @op:		Operation, without descriptor
 * @id:		Lease ID for LP_OP_RELEASE, else NULL
 * @error:	LP_CLIENT_ERROR, LP_PROTOCOL_ERROR or LP_REPLY_ERROR
 *
 * Return: the success reply, NULL on error
 */
LpReply *lp_ctl_call(const LpCtl *ctl, LpOp op, const char *id, GError **error)
{
	g_autoptr(LpRequest) req = lp_request_new(op);
	g_autoptr(LpReply) reply = NULL;

	req->id = g_strdup(id);
	reply = lp_client_call(ctl->socket_path, req, -1, ctl->timeout_ms,
			       error);
	if (!reply || !lp_reply_check(reply, error))
		return NULL;
	return g_steal_pointer(&reply);
}

/**
 * lp_ctl_release() - "lowportctl release ID": end one lease
 * @ctl:	Invocation
 * @id:		Lease ID
 * @error:	LP_CTL_USAGE_ERROR for a malformed ID, else as lp_ctl_call()
 *
 * Return: TRUE once lowportd removed the lease
 */
gboolean lp_ctl_release(const LpCtl *ctl, const char *id, GError **error)
{
	g_autoptr(LpReply) reply = NULL;

	if (!lp_lease_id_valid(id)) {
		g_set_error(error, LP_CTL_USAGE_ERROR, LP_CTL_USAGE,
			    "'%s' is not a lease ID; 'lowportctl list' shows "
			    "them",
			    id);
		return FALSE;
	}
	reply = lp_ctl_call(ctl, LP_OP_RELEASE, id, error);
	if (!reply)
		return FALSE;
	printf("released lease %s\n", id);
	return TRUE;
}

/**
 * lp_ctl_status() - "lowportctl status": is the helper up, what it holds
 * @ctl:	Invocation
 * @error:	As lp_ctl_call(); tells how to start lowportd if it is down
 *
 * Return: TRUE if lowportd answered
 */
gboolean lp_ctl_status(const LpCtl *ctl, GError **error)
{
	g_autoptr(LpReply) reply = lp_ctl_call(ctl, LP_OP_STATUS, NULL, error);
	const LpStatus *st;

	if (!reply)
		return FALSE;
	st = &reply->status;
	printf("helper:              up (lowportd %s at %s)\n", st->version,
	       ctl->socket_path);
	printf("leases:              %u yours, %u in total\n", st->leases,
	       st->leases_total);
	printf("table inet lowport:  %s\n", st->table_present ? "yes" : "no");
	/* absent from a lowportd without steering: it has only NAT */
	printf("data path:           %s\n",
	       st->datapath < 0 ? "nat" : lp_datapath_name(st->datapath));
	return TRUE;
}
