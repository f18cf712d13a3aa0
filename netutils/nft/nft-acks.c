// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-acks.c - collect the ACKs of one nf_tables batch
 *
 * DOC: Theory of Operation
 *
 * Every message of a batch except BATCH_BEGIN/END carries NLM_F_ACK; the
 * kernel queues one ACK per message (also for messages that succeeded in
 * an aborted batch) and a batch-level failure as one error carrying the
 * BATCH_BEGIN sequence. An LpNftAcks collects them from any number of
 * receive buffers, with the first error and its extended ACK (message
 * text, attribute offset).
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <linux/netlink.h>

#include <glib.h>
#include <libmnl/libmnl.h>

#include "netutils/nft/nft-acks.h"
#include "netutils/nft/nft-nlmsg.h"

/**
 * lp_nft_acks_init() - Prepare ACK collection for a batch
 * @a:		State to initialise, release with lp_nft_acks_clear()
 * @portid:	Our netlink port ID
 * @seq_begin:	Sequence number of BATCH_BEGIN
 * @n:		Number of messages between BEGIN and END
 */
void lp_nft_acks_init(LpNftAcks *a, uint32_t portid, uint32_t seq_begin,
		      unsigned int n)
{
	memset(a, 0, sizeof(*a));
	a->portid = portid;
	a->seq_begin = seq_begin;
	a->n = n;
	a->acked = g_malloc0(n ? n : 1);
	a->done = !n;
}

/**
 * lp_nft_acks_clear() - Release what lp_nft_acks_init() allocated
 * @a:		State
 */
void lp_nft_acks_clear(LpNftAcks *a)
{
	g_clear_pointer(&a->acked, g_free);
}

/**
 * lp_nft_acks_extack_cb() - mnl_attr_parse() callback for extended ACK TLVs
 * @attr:	Attribute
 * @data:	LpNftAcks to fill
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_acks_extack_cb(const struct nlattr *attr, void *data)
{
	LpNftAcks *a = data;
	const char *s;
	size_t i;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			break;
		s = mnl_attr_get_str(attr);
		g_strlcpy(a->error_msg, s, sizeof(a->error_msg));
		for (i = 0; a->error_msg[i]; i++) {
			if (!g_ascii_isprint(a->error_msg[i]))
				a->error_msg[i] = '?';
		}
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			a->error_offs = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

/**
 * lp_nft_acks_extack() - Parse extended ACK TLVs of an error message
 * @a:		State to fill
 * @nlh:	NLMSG_ERROR message, at least a struct nlmsgerr long
 */
static void lp_nft_acks_extack(LpNftAcks *a, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	size_t off = sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < sizeof(struct nlmsghdr) ||
		    err->msg.nlmsg_len > plen - off)
			return;
		off += MNL_ALIGN(err->msg.nlmsg_len) - sizeof(struct nlmsghdr);
	}
	if (off > plen)
		return;
	mnl_attr_parse(nlh, off, lp_nft_acks_extack_cb, a);
}

/**
 * lp_nft_acks_error() - Account one NLMSG_ERROR message
 * @a:		State
 * @nlh:	Message
 */
static void lp_nft_acks_error(LpNftAcks *a, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	uint32_t i = nlh->nlmsg_seq - a->seq_begin - 1;
	int e;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
		return;
	e = err->error;
	if (e > 0 || e < -4095)
		e = -EPROTO;
	if (nlh->nlmsg_seq == a->seq_begin) {
		/* An error here fails the batch as a whole */
		if (!e)
			return;
		if (!a->error) {
			a->error = e;
			a->error_seq = nlh->nlmsg_seq;
			lp_nft_acks_extack(a, nlh);
		}
		a->done = true;
		return;
	}
	if (i >= a->n || a->acked[i])
		return; /* not ours, or a duplicate */
	a->acked[i] = 1;
	a->n_acked++;
	if (e && !a->error) {
		a->error = e;
		a->error_seq = nlh->nlmsg_seq;
		lp_nft_acks_extack(a, nlh);
	}
	if (a->n_acked == a->n)
		a->done = true;
}

/**
 * lp_nft_acks_parse() - Account the ACKs in one received netlink buffer
 * @a:		State from lp_nft_acks_init()
 * @buf:	Received bytes, any content, 4-byte aligned
 * @len:	Length of @buf
 *
 * Messages that are not NLMSG_ERROR, are addressed to another port, or
 * carry a sequence number outside the batch are skipped; truncated or
 * malformed messages end the walk.
 *
 * Return: 1 once the batch is complete (a->done), 0 if more are needed
 */
int lp_nft_acks_parse(LpNftAcks *a, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	for (; !a->done && lp_nft_nlmsg_ok(nlh, len);
	     nlh = lp_nft_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		if (nlh->nlmsg_pid && nlh->nlmsg_pid != a->portid)
			continue;
		lp_nft_acks_error(a, nlh);
	}
	return a->done ? 1 : 0;
}
