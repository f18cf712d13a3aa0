// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-monitor.c - notice nftables transactions made by other processes
 *
 * A netlink socket subscribed to NFNLGRP_NFTABLES sees every committed
 * transaction end with NFT_MSG_NEWGEN, which names the committing process
 * (NFTA_GEN_PROC_PID). A transaction from anybody but us, say an outside
 * `nft flush ruleset` or an nftables.service reload, tells the daemon to
 * check table inet lowport and rebuild it if needed. Lost events
 * (ENOBUFS) count as foreign: checking is cheap, missing a flush is not.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "nft-batch.h"
#include "nft.h"
#include "util.h"

/* Room for the events of a large transaction of ours between two reads */
#define LP_NFT_MONITOR_RCVBUF (8 * 1024 * 1024)

/* Receive buffer: one event datagram at most */
#define LP_NFT_MONITOR_BUF 65536

/*
 * LpNftMonitor - event listener
 * @nl:		Netlink socket, nonblocking, in group NFNLGRP_NFTABLES
 * @pid:	Our process ID, to tell our own transactions apart
 */
struct LpNftMonitor {
	struct mnl_socket *nl;
	pid_t pid;
};

/**
 * lp_nft_monitor_new() - Subscribe to nftables events
 * @error:	Return location for a GError
 *
 * Return: new monitor, free with lp_nft_monitor_free(), NULL on error
 */
LpNftMonitor *lp_nft_monitor_new(GError **error)
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
	mon->pid = getpid();
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
 * lp_nft_monitor_attr_cb() - mnl_attr_parse() callback: find the PID
 * @attr:	NFTA_GEN_* attribute
 * @data:	int64_t to set to the PID
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_monitor_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == NFTA_GEN_PROC_PID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		*(int64_t *)data = ntohl(mnl_attr_get_u32(attr));
	return MNL_CB_OK;
}

/**
 * lp_nft_monitor_parse() - Look for foreign NEWGEN events in a datagram
 * @buf:	Received bytes
 * @len:	Length of @buf
 * @self:	Our PID
 *
 * Return: true if a transaction by another process (or an unknown one)
 *	   was committed
 */
static bool lp_nft_monitor_parse(const void *buf, size_t len, pid_t self)
{
	const struct nlmsghdr *nlh = buf;
	bool foreign = false;

	for (; lp_nft_nlmsg_ok(nlh, len); nlh = lp_nft_nlmsg_next(nlh, &len)) {
		int64_t pid = -1;

		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
		    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWGEN)
			continue;
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct nfgenmsg))
			mnl_attr_parse(nlh, sizeof(struct nfgenmsg),
				       lp_nft_monitor_attr_cb, &pid);
		if (pid != self)
			foreign = true;
	}
	return foreign;
}

/**
 * lp_nft_monitor_read() - Drain pending events
 * @mon:	Monitor
 * @ret_foreign: Set to true if another process committed an nftables
 *		transaction (or events were lost), else false
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
		if (lp_nft_monitor_parse(buf, n, mon->pid))
			foreign = true;
	}
	*ret_foreign = foreign;
	return true;
}
