// SPDX-License-Identifier: GPL-2.0-or-later
/* nft-flush.c - try to undo the egress table from inside a container
 *
 * busybox has no nft, so the test image carries this static binary. It
 * sends one nf_tables batch over a raw NETLINK_NETFILTER socket, as nft does:
 *   nft-flush table    delete table inet lowport_egress
 *                      (what "nft delete table inet lowport_egress" sends)
 *   nft-flush ruleset  delete every table of every family: NFT_MSG_DELTABLE,
 *                      family NFPROTO_UNSPEC, no name (what "nft flush
 *                      ruleset" sends)
 * It asks for an ACK and prints the kernel's answer: "nft-flush: done", or
 * "nft-flush: " and the kernel's errno text, e.g. "Operation not permitted"
 * for a process without CAP_NET_ADMIN, with exit status 1.
 *
 * Copyright lowport authors
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NFT_FLUSH_BUF	4096
#define NFT_FLUSH_TABLE "lowport_egress"

/**
 * nft_flush_msg() - append one nfnetlink message to a batch
 * @buf:	batch buffer
 * @off:	offset of the new message in @buf, advanced past it
 * @type:	message type
 * @flags:	netlink flags besides NLM_F_REQUEST
 * @family:	nfgen_family
 * @seq:	sequence number
 * @name:	NFTA_TABLE_NAME attribute, or NULL for none
 */
static void nft_flush_msg(char *buf, size_t *off, uint16_t type, uint16_t flags,
			  uint8_t family, uint32_t seq, const char *name)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + *off);
	struct nfgenmsg *nfg;

	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*nfg));
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	nfg = NLMSG_DATA(nlh);
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
	if (name) {
		struct nlattr *nla =
			(struct nlattr *)(buf + *off +
					  NLMSG_ALIGN(nlh->nlmsg_len));

		nla->nla_type = NFTA_TABLE_NAME;
		nla->nla_len = NLA_HDRLEN + strlen(name) + 1;
		memcpy((char *)nla + NLA_HDRLEN, name, strlen(name) + 1);
		nlh->nlmsg_len =
			NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(nla->nla_len);
	}
	*off += NLMSG_ALIGN(nlh->nlmsg_len);
}

/**
 * nft_flush_send() - send the batch: begin, one DELTABLE, end
 * @s:		netlink socket
 * @ruleset:	true: every table (no name, NFPROTO_UNSPEC); false: ours
 * @seq:	sequence number of the DELTABLE message
 *
 * Return: 0, or -errno
 */
static int nft_flush_send(int s, int ruleset, uint32_t seq)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	char buf[NFT_FLUSH_BUF] = {0};
	size_t off = 0;

	nft_flush_msg(buf, &off, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, seq - 1,
		      NULL);
	nft_flush_msg(buf, &off, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELTABLE,
		      NLM_F_ACK, ruleset ? NFPROTO_UNSPEC : NFPROTO_INET, seq,
		      ruleset ? NULL : NFT_FLUSH_TABLE);
	nft_flush_msg(buf, &off, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, seq + 1,
		      NULL);
	if (sendto(s, buf, off, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/**
 * nft_flush_ack() - read answers until the DELTABLE's ACK or any error
 * @s:		netlink socket (with a receive timeout)
 * @seq:	sequence number of the DELTABLE message
 *
 * Return: 0 when the kernel acknowledged it, or -errno (its or ours)
 */
static int nft_flush_ack(int s, uint32_t seq)
{
	char buf[NFT_FLUSH_BUF];

	for (;;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		ssize_t n = recv(s, buf, sizeof(buf), 0);

		if (n < 0)
			return -errno;
		for (; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			struct nlmsgerr *e = NLMSG_DATA(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (e->error)
				return e->error;
			if (nlh->nlmsg_seq == seq)
				return 0;
		}
	}
}

/**
 * nft_flush_run() - open the socket, send the batch, read the answer
 * @ruleset:	true: every table; false: table inet lowport_egress
 *
 * Return: 0, or -errno
 */
static int nft_flush_run(int ruleset)
{
	struct timeval tv = {.tv_sec = 5};
	uint32_t seq = (uint32_t)time(NULL) | 2;
	int s, rc;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rc = nft_flush_send(s, ruleset, seq);
	if (!rc)
		rc = nft_flush_ack(s, seq);
	close(s);
	return rc;
}

/**
 * main() - nft-flush table|ruleset
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0 when the kernel did it, 1 on any error, 2 on bad usage
 */
int main(int argc, char **argv)
{
	int rc;

	if (argc != 2 ||
	    (strcmp(argv[1], "table") && strcmp(argv[1], "ruleset"))) {
		fprintf(stderr, "usage: nft-flush table|ruleset\n");
		return 2;
	}
	rc = nft_flush_run(!strcmp(argv[1], "ruleset"));
	if (rc) {
		fprintf(stderr, "nft-flush: %s\n", strerror(-rc));
		return 1;
	}
	printf("nft-flush: done\n");
	return 0;
}
