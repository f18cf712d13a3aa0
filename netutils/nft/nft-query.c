// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-query.c - nf_tables GET requests and dumps over one netlink socket
 *
 * DOC: Theory of Operation
 *
 * Reading the kernel's state (the table, a map, its elements, the rules of
 * a chain, the ruleset generation) is one request and its replies, run
 * through a callback; a dump can be checked against a ruleset generation,
 * so that a listing spanning several dumps is repeated when the ruleset
 * changed meanwhile (like nft's check_genid). Changes go through batches
 * instead (nft-batch.c).
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/common.h>
#include <libnftnl/gen.h>

#include "netutils/nft/nft-nlmsg.h"
#include "netutils/nft/nft-query.h"
#include "netutils/util.h"

/* Not in libmnl 1.0.4; the kernel's dump skbs stay below this */
#define LP_NFT_DUMP_SIZE 65536

/**
 * lp_nft_query_cb() - mnl_cb_run() callback: generation check, then @q->cb
 * @nlh:	Message
 * @data:	LpNftQuery
 *
 * Return: MNL_CB_OK, or MNL_CB_ERROR on a short message
 */
static int lp_nft_query_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	LpNftQuery *q = data;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nfg)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (q->check_genid && ntohs(nfg->res_id) != q->genid) {
		q->genid_changed = true;
		return MNL_CB_OK;
	}
	return q->cb ? q->cb(nlh, q->data) : MNL_CB_OK;
}

/**
 * lp_nft_query_datagram() - Run the replies to request @seq in one datagram
 * @portid:	Our netlink port ID
 * @buf:	Received bytes
 * @len:	Length of @buf
 * @seq:	Sequence number of the request
 * @q:		Callbacks
 *
 * Messages of other sequence numbers (late ACKs of a batch we gave up
 * on) are skipped rather than failing the request.
 *
 * Return: MNL_CB_OK to read on, MNL_CB_STOP when done, -1 with errno set
 */
static int lp_nft_query_datagram(uint32_t portid, const void *buf, size_t len,
				 uint32_t seq, LpNftQuery *q)
{
	const struct nlmsghdr *m = buf;
	int r = MNL_CB_OK;

	for (; r == MNL_CB_OK && lp_nft_nlmsg_ok(m, len);
	     m = lp_nft_nlmsg_next(m, &len)) {
		if (m->nlmsg_seq != seq)
			continue;
		r = mnl_cb_run(m, m->nlmsg_len, seq, portid, lp_nft_query_cb,
			       q);
	}
	return r;
}

/**
 * lp_nft_query() - Send a request and run its replies through @q
 * @nl:		Netlink socket
 * @nlh:	Request, from lp_nft_query_request()
 * @q:		Callbacks; callbacks must not fail, so dumps are drained
 *
 * Return: 0 on success, -EINTR if the generation changed, negative errno
 */
int lp_nft_query(struct mnl_socket *nl, const struct nlmsghdr *nlh,
		 LpNftQuery *q)
{
	g_autofree uint32_t *buf = g_malloc(LP_NFT_DUMP_SIZE);
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, LP_NFT_DUMP_SIZE);
		if (n < 0)
			return -errno;
		r = lp_nft_query_datagram(mnl_socket_get_portid(nl), buf, n,
					  nlh->nlmsg_seq, q);
	} while (r > MNL_CB_STOP);
	if (r < 0)
		return -errno;
	return q->genid_changed ? -EINTR : 0;
}

/**
 * lp_nft_query_request() - Start a request message in @buf
 * @buf:	Buffer, LP_NFT_REQ_SIZE bytes
 * @type:	NFT_MSG_GET* type
 * @dump:	Dump (NLM_F_DUMP) rather than a single object (NLM_F_ACK)
 * @seq:	The socket's sequence counter, advanced
 *
 * Return: header to add the payload to
 */
struct nlmsghdr *lp_nft_query_request(char *buf, uint16_t type, bool dump,
				      uint32_t *seq)
{
	return nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET,
				     dump ? NLM_F_DUMP : NLM_F_ACK, (*seq)++);
}

/**
 * lp_nft_query_gen_cb() - Read NFTA_GEN_ID from a NEWGEN reply
 * @nlh:	Message
 * @data:	uint32_t to set
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_query_gen_cb(const struct nlmsghdr *nlh, void *data)
{
	g_autoptr(NftnlGen) gen = nftnl_gen_alloc();

	if (!gen)
		lp_oom();
	if (nftnl_gen_nlmsg_parse(nlh, gen) >= 0)
		*(uint32_t *)data = nftnl_gen_get_u32(gen, NFTNL_GEN_ID);
	return MNL_CB_OK;
}

/**
 * lp_nft_query_genid() - Read the current ruleset generation
 * @nl:		Netlink socket
 * @seq:	Its sequence counter
 * @ret:	Generation ID
 *
 * Return: 0 on success, negative errno on failure
 */
int lp_nft_query_genid(struct mnl_socket *nl, uint32_t *seq, uint32_t *ret)
{
	LP_NFT_REQ_BUF(buf);
	LpNftQuery q = {.cb = lp_nft_query_gen_cb, .data = ret};

	return lp_nft_query(
		nl, lp_nft_query_request(buf, NFT_MSG_GETGEN, false, seq), &q);
}
