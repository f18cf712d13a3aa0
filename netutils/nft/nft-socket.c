// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-socket.c - netfilter netlink sockets: open, size their buffers
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <glib.h>

#include "netutils/nft/nft-socket.h"

/**
 * lp_nft_socket_bufsize() - Raise a socket buffer to at least @size
 * @nl:		Netlink socket
 * @opt:	SO_SNDBUF or SO_RCVBUF
 * @size:	Wanted size in bytes, capped at LP_NFT_SOCKBUF_MAX
 *
 * Uses the FORCE variant (CAP_NET_ADMIN) and falls back to the plain one,
 * which the kernel caps at net.core.[rw]mem_max. Never shrinks.
 */
void lp_nft_socket_bufsize(struct mnl_socket *nl, int opt, int size)
{
	int fd = mnl_socket_get_fd(nl);
	int force = opt == SO_SNDBUF ? SO_SNDBUFFORCE : SO_RCVBUFFORCE;
	int cur = 0;
	socklen_t len = sizeof(cur);

	size = MIN(size, LP_NFT_SOCKBUF_MAX);
	if (!getsockopt(fd, SOL_SOCKET, opt, &cur, &len) && cur >= size)
		return;
	if (setsockopt(fd, SOL_SOCKET, force, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

/**
 * lp_nft_socket_open() - Open a netfilter netlink socket, CLOEXEC
 * @ret:	Socket, caller closes with mnl_socket_close()
 * @flags:	Extra socket flags (SOCK_NONBLOCK)
 *
 * Extended ACKs are enabled, and ACKs are capped: we map errors by
 * sequence number and need no copy of the request.
 *
 * Return: 0 on success, negative errno on failure
 */
int lp_nft_socket_open(struct mnl_socket **ret, int flags)
{
	g_autoptr(MnlSocket) nl = NULL;
	int one = 1;

	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | flags);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	*ret = g_steal_pointer(&nl);
	return 0;
}

/**
 * lp_nft_socket_getbuf() - Read a socket buffer size
 * @nl:		Netlink socket
 * @opt:	SO_SNDBUF or SO_RCVBUF
 *
 * Return: size in bytes, 0 on error
 */
size_t lp_nft_socket_getbuf(struct mnl_socket *nl, int opt)
{
	socklen_t len = sizeof(int);
	int v = 0;

	if (getsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, opt, &v, &len) < 0)
		return 0;
	return v > 0 ? (size_t)v : 0;
}
