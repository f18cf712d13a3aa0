// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-monitor.c - notice outside changes to table inet lowport
 *
 * A netlink socket subscribed to NFNLGRP_NFTABLES sees one notification
 * per object a committed transaction created or deleted. Its nlmsg_pid
 * is the port ID of the socket that sent the transaction, so the events
 * of our own batches carry the port ID of the engine's socket, whatever
 * PID namespace lowportd runs in (NFTA_GEN_PROC_PID, by contrast, is a
 * PID in the initial namespace). Only events that name table inet
 * lowport and come from another socket count: an outside `nft flush
 * ruleset` or `delete table`, or a stray element, tell the daemon to
 * check the table; other tables (kube-proxy, firewalld, Docker) are none
 * of its business. Lost events (ENOBUFS) count as foreign: checking is
 * cheap, missing a flush is not.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft-monitor.h"
#include "netutils/nft/nft-nlmsg.h"
#include "netutils/nft/nft-socket.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

/* Room for the events of a large transaction of ours between two reads */
#define LP_NFT_MONITOR_RCVBUF (8 * 1024 * 1024)

/* Receive buffer: one event datagram at most */
#define LP_NFT_MONITOR_BUF 65536

/*
 * LpNftMonitor - event listener
 * @nl:		Netlink socket, nonblocking, in group NFNLGRP_NFTABLES
 * @own_portid:	Port ID of the engine's socket: its events are ours
 */
struct LpNftMonitor {
	struct mnl_socket *nl;
	uint32_t own_portid;
};

/**
 * lp_nft_monitor_new() - Subscribe to nftables events
 * @nft:	Engine whose own transactions are not reported
 * @error:	Return location for a GError
 *
 * Return: new monitor, free with lp_nft_monitor_free(), NULL on error
 */
LpNftMonitor *lp_nft_monitor_new(LpNft *nft, GError **error)
{
	g_autoptr(LpNftMonitor) mon = g_new0(LpNftMonitor, 1);
	int group = NFNLGRP_NFTABLES;
	int r;

	r = lp_nft_socket_open(&mon->nl, SOCK_NONBLOCK);
	if (r < 0) {
		g_set_error(error, LP_NFT_ERROR, -r,
			    "Cannot open nftables event socket: %s",
			    g_strerror(-r));
		return NULL;
	}
	if (mnl_socket_setsockopt(mon->nl, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		r = errno;
		g_set_error(error, LP_NFT_ERROR, r,
			    "Cannot subscribe to nftables events: %s",
			    g_strerror(r));
		return NULL;
	}
	lp_nft_socket_bufsize(mon->nl, SO_RCVBUF, LP_NFT_MONITOR_RCVBUF);
	mon->own_portid = lp_nft_portid(nft);
	return g_steal_pointer(&mon);
}

/**
 * lp_nft_monitor_free() - Close the monitor
 * @mon:	Monitor, may be NULL
 */
void lp_nft_monitor_free(LpNftMonitor *mon)
{
	if (!mon)
		return;
	if (mon->nl)
		mnl_socket_close(mon->nl);
	g_free(mon);
}

/**
 * lp_nft_monitor_fd() - File descriptor to poll for readability
 * @mon:	Monitor
 *
 * Return: the socket, owned by @mon
 */
int lp_nft_monitor_fd(LpNftMonitor *mon)
{
	return mnl_socket_get_fd(mon->nl);
}

/**
 * lp_nft_monitor_names_us() - Tell whether an event is about our table
 * @nlh:	nf_tables message, length checked
 *
 * Every object message names its table in attribute 1: NFTA_TABLE_NAME,
 * NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE,
 * NFTA_SET_ELEM_LIST_TABLE, NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE.
 *
 * Return: true for a table, chain, rule, set, element, object or flowtable
 *	   event of table inet lowport
 */
static bool lp_nft_monitor_names_us(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *nfg;
	const struct nlattr *attr;
	const char *end;

	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case NFT_MSG_NEWTABLE:
	case NFT_MSG_DELTABLE:
	case NFT_MSG_NEWCHAIN:
	case NFT_MSG_DELCHAIN:
	case NFT_MSG_NEWRULE:
	case NFT_MSG_DELRULE:
	case NFT_MSG_NEWSET:
	case NFT_MSG_DELSET:
	case NFT_MSG_NEWSETELEM:
	case NFT_MSG_DELSETELEM:
	case NFT_MSG_NEWOBJ:
	case NFT_MSG_DELOBJ:
	case NFT_MSG_NEWFLOWTABLE:
	case NFT_MSG_DELFLOWTABLE:
		break;
	default:
		return false;
	}
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nfg))
		return false;
	nfg = mnl_nlmsg_get_payload(nlh);
	if (nfg->nfgen_family != NFPROTO_INET)
		return false;
	/* like mnl_attr_for_each(), but bounded by nlmsg_len, not aligned */
	end = (const char *)nlh + nlh->nlmsg_len;
	for (attr = mnl_nlmsg_get_payload_offset(nlh, sizeof(*nfg));
	     mnl_attr_ok(attr, end - (const char *)attr);
	     attr = mnl_attr_next(attr)) {
		if (mnl_attr_get_type(attr) != NFTA_TABLE_NAME)
			continue;
		return mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0 &&
		       !strcmp(mnl_attr_get_str(attr), LP_NFT_TABLE);
	}
	return false;
}

/**
 * lp_nft_monitor_parse() - Look for foreign changes to our table
 * @buf:	Received bytes
 * @len:	Length of @buf
 * @own_portid:	Port ID whose events are ours
 *
 * Return: true if another socket changed table inet lowport
 */
static bool lp_nft_monitor_parse(const void *buf, size_t len,
				 uint32_t own_portid)
{
	const struct nlmsghdr *nlh = buf;

	for (; lp_nft_nlmsg_ok(nlh, len); nlh = lp_nft_nlmsg_next(nlh, &len)) {
		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
			continue;
		if (nlh->nlmsg_pid != own_portid &&
		    lp_nft_monitor_names_us(nlh))
			return true;
	}
	return false;
}

/**
 * lp_nft_monitor_read() - Drain pending events
 * @mon:	Monitor
 * @ret_foreign: Set to true if another socket changed table inet lowport
 *		(or events were lost), else false
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
bool lp_nft_monitor_read(LpNftMonitor *mon, bool *ret_foreign, GError **error)
{
	g_autofree uint32_t *buf = g_malloc(LP_NFT_MONITOR_BUF);
	bool foreign = false;
	ssize_t n;

	for (;;) {
		n = recv(lp_nft_monitor_fd(mon), buf, LP_NFT_MONITOR_BUF,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			foreign = true; /* events lost: assume the worst */
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			int r = errno;

			g_set_error(error, LP_NFT_ERROR, r,
				    "Cannot read nftables events: %s",
				    g_strerror(r));
			return false;
		}
		if (lp_nft_monitor_parse(buf, n, mon->own_portid))
			foreign = true;
	}
	*ret_foreign = foreign;
	return true;
}
