// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reserve.c - reservation sockets holding a lease's privileged ports
 *
 * While a lease forwards port 80, lowportd keeps a socket on port 80 of the
 * lease's addresses. Its only job is to make a host service's bind() fail
 * with EADDRINUSE instead of silently serving nothing underneath the forward.
 *
 * TCP: SO_REUSEADDR, so that TIME_WAIT connections of a service that just
 * stopped do not block the lease, then listen(), because only a listening
 * socket keeps other SO_REUSEADDR sockets (nginx, ...) from binding. A
 * socket filter drops every packet that reaches it: normally none do (the
 * DNAT rewrites them first); if the rules were flushed, SYNs are dropped
 * and retried instead of piling up in a queue nobody accepts, and the
 * client gets through once lowportd has rebuilt the table.
 *
 * UDP: plain bind, no SO_REUSEADDR (which would let others share the port),
 * with the same drop-all filter.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <linux/filter.h>

#include "daemon/reserve.h"
#include "netutils/util.h"

/**
 * reserve_drop_all() - Attach a socket filter that drops every packet
 * @fd:		Socket
 *
 * Return: 0 on success, -errno on failure
 */
static int reserve_drop_all(int fd)
{
	struct sock_filter code[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
	struct sock_fprog prog = {.len = 1, .filter = code};

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) <
	    0)
		return -errno;
	return 0;
}

/**
 * reserve_bind() - Create and bind one socket
 * @family:	AF_INET or AF_INET6
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @sa:		Address to bind
 * @salen:	Its length
 * @v6only:	IPV6_V6ONLY value for AF_INET6
 *
 * Return: socket, or -errno
 */
static int reserve_bind(int family, uint8_t proto, const struct sockaddr *sa,
			socklen_t salen, int v6only)
{
	int type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	lp_autofd int fd = socket(family, type | SOCK_CLOEXEC, proto);
	int one = 1, r;

	if (fd < 0)
		return -errno;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
					     &v6only, sizeof(v6only)) < 0)
		return -errno;
	if (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -errno;
	r = reserve_drop_all(fd);
	if (r < 0)
		return r;
	if (bind(fd, sa, salen) < 0)
		return -errno;
	if (type == SOCK_STREAM && listen(fd, 1) < 0)
		return -errno;
	return lp_steal_fd(&fd);
}

/**
 * lp_reserve_port() - Hold one privileged port on a lease's addresses
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Lease scope: every address takes a dual-stack [::] socket
 *		(IPv4 0.0.0.0 where the host has no IPv6)
 * @port:	Port
 *
 * Return: socket, or -errno (-EADDRINUSE if something holds the port)
 */
int lp_reserve_port(uint8_t proto, const LpAddr *addr, uint16_t port)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6,
				  .sin6_port = htons(port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	int fd;

	switch (addr->family) {
	case AF_INET:
		s4.sin_addr = addr->u.v4;
		return reserve_bind(AF_INET, proto, (struct sockaddr *)&s4,
				    sizeof(s4), 0);
	case AF_INET6:
		s6.sin6_addr = addr->u.v6;
		return reserve_bind(AF_INET6, proto, (struct sockaddr *)&s6,
				    sizeof(s6), 1);
	default:
		fd = reserve_bind(AF_INET6, proto, (struct sockaddr *)&s6,
				  sizeof(s6), 0);
		if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)
			fd = reserve_bind(AF_INET, proto,
					  (struct sockaddr *)&s4, sizeof(s4),
					  0);
		return fd;
	}
}

/**
 * lp_reserve_inode() - Socket inode of a reservation, as inet_diag shows it
 * @fd:		Socket
 * @ret_inode:	Inode
 *
 * Return: 0 on success, -errno on failure
 */
int lp_reserve_inode(int fd, uint64_t *ret_inode)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*ret_inode = st.st_ino;
	return 0;
}
