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

#include "client.h"
#include "ctl.h"
#include "protocol.h"

G_DEFINE_QUARK(lp_ctl_usage_error, lp_ctl_usage_error)

/* The containers.conf drop-in that puts the pasta shim first */
#define CTL_PODMAN_DROPIN "/etc/containers/containers.conf.d/50-lowport.conf"

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
	return TRUE;
}

/**
 * ctl_check_line() - Print one check result
 * @ok:		Whether the check passed
 * @fmt:	What was found, printf() style
 *
 * Return: @ok
 */
static gboolean G_GNUC_PRINTF(2, 3)
	ctl_check_line(gboolean ok, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	printf("%-6s%s\n", ok ? "ok" : "FAIL", msg);
	return ok;
}

/**
 * ctl_check_file() - Check that an installed file exists
 * @path:	File
 * @what:	What it is, for the message
 * @mode:	access() mode it needs
 *
 * Return: TRUE if it exists with @mode
 */
static gboolean ctl_check_file(const char *path, const char *what, int mode)
{
	if (!access(path, mode))
		return ctl_check_line(TRUE, "%s: %s", what, path);
	if (errno == EACCES && mode == R_OK)
		return ctl_check_line(TRUE, "%s: %s (not readable by you)",
				      what, path);
	return ctl_check_line(FALSE, "%s: %s: %s", what, path,
			      g_strerror(errno));
}

/**
 * lp_ctl_check() - "lowportctl check": is this host set up for lowport
 * @ctl:	Invocation
 * @error:	LP_CTL_CHECK_FAILED if any check failed
 *
 * Checks the helper, its nft table, the policy, the pasta shim and the
 * Podman drop-in. Each result is one line on stdout.
 *
 * Return: TRUE if every check passed
 */
gboolean lp_ctl_check(const LpCtl *ctl, GError **error)
{
	g_autoptr(GError) call_error = NULL;
	g_autoptr(LpReply) reply = NULL;
	gboolean ok = TRUE;

	reply = lp_ctl_call(ctl, LP_OP_STATUS, NULL, &call_error);
	if (reply) {
		ctl_check_line(TRUE, "lowportd %s answers on %s",
			       reply->status.version, ctl->socket_path);
		ok &= ctl_check_line(
			reply->status.table_present, "table inet lowport %s",
			reply->status.table_present ? "present" : "missing");
	} else {
		ok = ctl_check_line(FALSE, "%s", call_error->message);
	}
	ok &= ctl_check_file(LOWPORT_POLICY_PATH, "policy", R_OK);
	ok &= ctl_check_file(LOWPORT_PKGLIBEXECDIR "/pasta", "pasta shim",
			     X_OK);
	ok &= ctl_check_file(CTL_PODMAN_DROPIN, "Podman drop-in", R_OK);
	if (!ok)
		g_set_error(error, LP_CTL_USAGE_ERROR, LP_CTL_CHECK_FAILED,
			    "some checks failed");
	return ok;
}
