// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-sock.c - TCP over loopback for tests: listen, connect, accept, and
 * bytes both ways, asserting every step
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>

#include <glib.h>

#include "test-sock.h"

/**
 * sock_sa() - Build a socket address
 * @family:	AF_INET or AF_INET6
 * @ip:		Address text
 * @port:	Port, host order
 * @ss:		Address to fill
 *
 * Return: its length
 */
static socklen_t sock_sa(int family, const char *ip, uint16_t port,
			 struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		g_assert_cmpint(inet_pton(AF_INET, ip, &s4->sin_addr), ==, 1);
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	g_assert_cmpint(inet_pton(AF_INET6, ip, &s6->sin6_addr), ==, 1);
	return sizeof(*s6);
}

/**
 * lp_test_sock_port() - Port of a socket address
 * @ss:		Address
 *
 * Return: port, host order
 */
uint16_t lp_test_sock_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/**
 * lp_test_sock_listen() - Listening TCP socket on an ephemeral or given port
 * @family:	AF_INET or AF_INET6
 * @ip:		Address to bind
 * @port:	Port to bind, 0 for an ephemeral one
 * @v6only:	IPV6_V6ONLY for AF_INET6
 * @ret_port:	Bound port (may be NULL)
 *
 * Return: the socket
 */
int lp_test_sock_listen(int family, const char *ip, uint16_t port, int v6only,
			uint16_t *ret_port)
{
	struct sockaddr_storage ss;
	socklen_t len = sock_sa(family, ip, port, &ss);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	g_assert_cmpint(fd, >=, 0);
	g_assert_no_errno(
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	if (family == AF_INET6)
		g_assert_no_errno(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
					     &v6only, sizeof(v6only)));
	g_assert_no_errno(bind(fd, (struct sockaddr *)&ss, len));
	g_assert_no_errno(listen(fd, 16));
	len = sizeof(ss);
	g_assert_no_errno(getsockname(fd, (struct sockaddr *)&ss, &len));
	if (ret_port)
		*ret_port = lp_test_sock_port(&ss);
	return fd;
}

/**
 * lp_test_sock_connect() - Connect over TCP
 * @family:	AF_INET or AF_INET6
 * @ip:		Destination address
 * @port:	Destination port
 *
 * Return: connected socket, or negative errno (-ECONNREFUSED: nobody took
 * the connection)
 */
int lp_test_sock_connect(int family, const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = sock_sa(family, ip, port, &ss);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	g_assert_cmpint(fd, >=, 0);
	if (connect(fd, (struct sockaddr *)&ss, len) == 0)
		return fd;
	r = -errno;
	close(fd);
	return r;
}

/**
 * lp_test_sock_accept() - Accept a connection waiting on a listener
 * @lfd:	Listener
 * @timeout_ms:	How long to wait
 *
 * Return: accepted socket, or -1 if none came
 */
int lp_test_sock_accept(int lfd, int timeout_ms)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/**
 * lp_test_sock_roundtrip() - Bytes go both ways between two connected sockets
 * @a:		One end
 * @b:		The other end
 */
void lp_test_sock_roundtrip(int a, int b)
{
	char buf[8] = "";

	g_assert_cmpint(write(a, "ping", 4), ==, 4);
	g_assert_cmpint(read(b, buf, sizeof(buf)), ==, 4);
	g_assert_cmpmem(buf, 4, "ping", 4);
	g_assert_cmpint(write(b, "pong", 4), ==, 4);
	g_assert_cmpint(read(a, buf, sizeof(buf)), ==, 4);
	g_assert_cmpmem(buf, 4, "pong", 4);
}
