/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reply.h - lowportd replies: build, decode strictly, encode as one line
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_REPLY_H
#define LOWPORT_REPLY_H

#include <stddef.h>

#include <glib.h>

#include "netutils/lease-info.h"
#include "netutils/protocol.h"

/* Longest "datapath_reason" of a status reply, bytes */
#define LP_STATUS_REASON_MAX 256

/*
 * LpStatus - the status reply
 * @version:		lowportd's version
 * @leases:		The caller's leases
 * @leases_total:	Every lease
 * @table_present:	table inet lowport exists
 * @datapath:		enum LpDatapath a TCP lease whose front hands over its
 *			listener gets now, -1 if the reply has none (a
 *			lowportd older than the field, or one that did not
 *			set it); lp_reply_new_ok() sets -1
 * @datapath_reason:	Why, one sentence of at most LP_STATUS_REASON_MAX
 *			bytes (longer ones are cut on encoding, refused on
 *			decoding), NULL if absent
 */
typedef struct {
	char *version;
	unsigned int leases;
	unsigned int leases_total;
	gboolean table_present;
	int datapath;
	char *datapath_reason;
} LpStatus;

/*
 * LpReply - a decoded reply
 * @ok:		TRUE on success
 * @code:	Error code if !ok
 * @message:	One-line message if !ok
 * @retry:	If !ok: the refusal may end by itself soon (the user's own
 *		lease in the way is ending): ask again shortly ("retry" in
 *		the error object, absent: false)
 * @lease_id:	forward: the new lease
 * @leases:	list: GPtrArray of LpLeaseInfo, owns them; never NULL after
 *		lp_reply_new_ok(), lp_reply_new_error() or lp_reply_parse()
 * @status:	status
 */
typedef struct {
	gboolean ok;
	LpErrorCode code;
	char *message;
	gboolean retry;
	char *lease_id;
	GPtrArray *leases;
	LpStatus status;
} LpReply;

LpReply *lp_reply_new_ok(void);
LpReply *lp_reply_new_error(LpErrorCode code, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);
void lp_reply_free(LpReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpReply, lp_reply_free)
LpReply *lp_reply_parse(const char *buf, size_t len, GError **error);
char *lp_reply_serialize(const LpReply *reply, LpOp op, size_t *ret_len);

#endif /* LOWPORT_REPLY_H */
