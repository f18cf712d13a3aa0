// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-sockdiag.c - socket owner lookup against real sockets
 *
 * Copyright lowport authors
 *
 * The binary moves itself into a private network namespace first (as root,
 * or rootless through a user namespace), so wildcard binds expose nothing
 * and no host socket can collide with ours. If that is impossible, the
 * tests that need a wildcard bind are skipped and the rest run on loopback.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib.h>

#include "netutils/sockdiag.h"
#include "test-netns.h"
#include "netutils/util.h"

#define NOBODY 65534

static bool private_netns;

/**
 * test_sock() - Open a bound socket, listening if TCP
 * @family:	AF_INET or AF_INET6
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @addr:	Local address
 * @port:	Local port, 0 for any
 * @v6only:	IPV6_V6ONLY value for AF_INET6
 * @ret_port:	Bound port
 *
 * Return: the socket, or -errno
 */
static int test_sock(int family, int type, const char *addr, uint16_t port,
		     int v6only, uint16_t *ret_port)
{
	struct sockaddr_storage ss = {.ss_family = family};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = family == AF_INET ? sizeof(*sin) : sizeof(*sin6);
	lp_autofd int s = socket(family, type | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	if (family == AF_INET) {
		sin->sin_port = htons(port);
		g_assert_cmpint(inet_pton(family, addr, &sin->sin_addr), ==, 1);
	} else {
		sin6->sin6_port = htons(port);
		g_assert_cmpint(inet_pton(family, addr, &sin6->sin6_addr), ==,
				1);
		if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			       sizeof(v6only)))
			return -errno;
	}
	if (bind(s, (struct sockaddr *)&ss, len))
		return -errno;
	if (type == SOCK_STREAM && listen(s, 8))
		return -errno;
	if (getsockname(s, (struct sockaddr *)&ss, &len))
		return -errno;
	*ret_port = ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port);
	return lp_steal_fd(&s);
}

/**
 * test_inode() - Inode of a socket
 * @fd:		Socket
 *
 * Return: st_ino
 */
static uint64_t test_inode(int fd)
{
	struct stat st;

	g_assert_no_errno(fstat(fd, &st));
	return st.st_ino;
}

/**
 * test_local_port() - Local port of an IPv4 socket
 * @fd:		Socket
 *
 * Return: port, host order
 */
static uint16_t test_local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	g_assert_no_errno(getsockname(fd, (struct sockaddr *)&sin, &len));
	return ntohs(sin.sin_port);
}

/**
 * test_find() - Entry for one inode in a query result
 * @socks:	Result
 * @n:		Entries
 * @inode:	Inode
 *
 * Return: the entry, or NULL
 */
static const LpSockInfo *test_find(const LpSockInfo *socks, size_t n,
				   uint64_t inode)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (socks[i].inode == inode)
			return &socks[i];
	}
	return NULL;
}

/**
 * test_query() - Query and check every entry is on the port asked for
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @port:	Port
 * @ret_n:	Number of entries
 *
 * Return: entries, g_free() them
 */
static LpSockInfo *test_query(uint8_t proto, uint16_t port, size_t *ret_n)
{
	LpSockInfo *socks = NULL;
	size_t i;

	g_assert_cmpint(
		lp_sockdiag_query(proto, port, LP_SOCKDIAG_ALL, &socks, ret_n),
		==, 0);
	for (i = 0; i < *ret_n; i++) {
		g_assert_cmpuint(socks[i].port, ==, port);
		g_assert_cmpuint(socks[i].proto, ==, proto);
	}
	return socks;
}

/**
 * test_scope() - Parse an LpAddr for the overlap checks
 * @s:		Address, "" for every address
 *
 * Return: the scope
 */
static LpAddr test_scope(const char *s)
{
	LpAddr a;

	g_assert_cmpint(lp_addr_parse(s, &a), ==, 0);
	return a;
}

/* test_tcp_listen_v4() - A listener on 127.0.0.1 is ours and LISTEN */
static void test_tcp_listen_v4(void)
{
	g_autofree LpSockInfo *socks = NULL;
	lp_autofd int fd = -1;
	const LpSockInfo *s;
	LpAddr v4 = test_scope("127.0.0.1"), other = test_scope("127.0.0.2");
	uint16_t port;
	size_t n;

	fd = test_sock(AF_INET, SOCK_STREAM, "127.0.0.1", 0, 0, &port);
	g_assert_cmpint(fd, >=, 0);

	socks = test_query(IPPROTO_TCP, port, &n);
	g_assert_cmpuint(n, ==, 1);
	s = test_find(socks, n, test_inode(fd));
	g_assert_nonnull(s);
	g_assert_cmpint(s->family, ==, AF_INET);
	g_assert_cmpuint(s->state, ==, TCP_LISTEN);
	g_assert_cmpuint(s->uid, ==, getuid());
	g_assert_cmphex(s->addr.v4.s_addr, ==, htonl(INADDR_LOOPBACK));
	g_assert_false(s->v6only);
	g_assert_true(lp_sockdiag_overlaps(s, &v4));
	g_assert_false(lp_sockdiag_overlaps(s, &other));
}

/* test_tcp_states() - Accepted connections are listed, in their state */
static void test_tcp_states(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	g_autofree LpSockInfo *socks = NULL;
	lp_autofd int lfd = -1, cfd = -1, afd = -1;
	const LpSockInfo *l, *a;
	uint16_t port;
	size_t n;

	lfd = test_sock(AF_INET, SOCK_STREAM, "127.0.0.1", 0, 0, &port);
	g_assert_cmpint(lfd, >=, 0);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	g_assert_no_errno(connect(cfd, (struct sockaddr *)&sin, sizeof(sin)));
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	g_assert_cmpint(afd, >=, 0);

	/* The client's local port is another one: two entries, not three */
	socks = test_query(IPPROTO_TCP, port, &n);
	g_assert_cmpuint(n, ==, 2);
	l = test_find(socks, n, test_inode(lfd));
	a = test_find(socks, n, test_inode(afd));
	g_assert_nonnull(l);
	g_assert_nonnull(a);
	g_assert_cmpuint(l->state, ==, TCP_LISTEN);
	g_assert_cmpuint(a->state, ==, TCP_ESTABLISHED);
	g_assert_cmpuint(a->uid, ==, getuid());

	/* Asking for listeners only leaves the connection out */
	g_clear_pointer(&socks, g_free);
	g_assert_cmpint(lp_sockdiag_query(IPPROTO_TCP, port, 1u << TCP_LISTEN,
					  &socks, &n),
			==, 0);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpuint(socks[0].inode, ==, test_inode(lfd));
	g_assert_cmpuint(socks[0].state, ==, TCP_LISTEN);
}

/**
 * test_v6_listener() - One IPv6 listener: check family, address, v6only
 * @addr:	Local address
 * @v6only:	IPV6_V6ONLY
 * @ret_info:	Its entry
 *
 * Return: false if @addr cannot be bound here
 */
static bool test_v6_listener(const char *addr, int v6only, LpSockInfo *ret_info)
{
	g_autofree LpSockInfo *socks = NULL;
	struct in6_addr want;
	lp_autofd int fd = -1;
	const LpSockInfo *s;
	uint16_t port;
	size_t n;

	fd = test_sock(AF_INET6, SOCK_STREAM, addr, 0, v6only, &port);
	if (fd == -EADDRNOTAVAIL || fd == -EAFNOSUPPORT)
		return false;
	g_assert_cmpint(fd, >=, 0);

	socks = test_query(IPPROTO_TCP, port, &n);
	g_assert_cmpuint(n, ==, 1);
	s = test_find(socks, n, test_inode(fd));
	g_assert_nonnull(s);
	g_assert_cmpint(s->family, ==, AF_INET6);
	g_assert_cmpuint(s->state, ==, TCP_LISTEN);
	g_assert_cmpuint(s->uid, ==, getuid());
	g_assert_cmpint(inet_pton(AF_INET6, addr, &want), ==, 1);
	g_assert_cmpmem(&s->addr.v6, sizeof(want), &want, sizeof(want));
	/* Binding a specific, non-mapped address sets ipv6only (inet6_bind) */
	if (!IN6_IS_ADDR_UNSPECIFIED(&want) && !IN6_IS_ADDR_V4MAPPED(&want))
		v6only = 1;
	g_assert_cmpint(s->v6only, ==, !!v6only);
	*ret_info = *s;
	return true;
}

/* test_v6_loopback() - ::1 listeners with and without IPV6_V6ONLY */
static void test_v6_loopback(void)
{
	LpAddr v4 = test_scope("127.0.0.1"), v6 = test_scope("::1");
	LpSockInfo s;

	if (!test_v6_listener("::1", 0, &s)) {
		g_test_skip("no IPv6 loopback");
		return;
	}
	g_assert_false(lp_sockdiag_overlaps(&s, &v4));
	g_assert_true(lp_sockdiag_overlaps(&s, &v6));
	g_assert_true(test_v6_listener("::1", 1, &s));
	g_assert_true(lp_sockdiag_overlaps(&s, &v6));
}

/* test_v6_wildcard() - Dual-stack and v6-only :: listeners */
static void test_v6_wildcard(void)
{
	LpAddr v4 = test_scope("127.0.0.1"), v4any = test_scope("0.0.0.0");
	LpAddr v6 = test_scope("::1"), all = test_scope("");
	LpSockInfo s;

	if (!private_netns) {
		g_test_skip("no private network namespace for a wildcard bind");
		return;
	}
	g_assert_true(test_v6_listener("::", 0, &s));
	g_assert_true(lp_sockdiag_overlaps(&s, &v4));
	g_assert_true(lp_sockdiag_overlaps(&s, &v4any));
	g_assert_true(lp_sockdiag_overlaps(&s, &v6));
	g_assert_true(lp_sockdiag_overlaps(&s, &all));

	g_assert_true(test_v6_listener("::", 1, &s));
	g_assert_false(lp_sockdiag_overlaps(&s, &v4));
	g_assert_false(lp_sockdiag_overlaps(&s, &v4any));
	g_assert_true(lp_sockdiag_overlaps(&s, &v6));
	g_assert_true(lp_sockdiag_overlaps(&s, &all));
}

/* test_v4_mapped() - An IPv6 socket on ::ffff:127.0.0.1 serves IPv4 only */
static void test_v4_mapped(void)
{
	LpAddr v4 = test_scope("127.0.0.1"), v6 = test_scope("::1");
	LpAddr v4other = test_scope("127.0.0.2");
	LpSockInfo s;
	LpAddr a;

	g_assert_true(test_v6_listener("::ffff:127.0.0.1", 0, &s));
	lp_sockdiag_scope(&s, &a);
	g_assert_cmpint(a.family, ==, AF_INET);
	g_assert_false(a.any);
	g_assert_cmphex(a.u.v4.s_addr, ==, htonl(INADDR_LOOPBACK));
	g_assert_true(lp_sockdiag_overlaps(&s, &v4));
	g_assert_false(lp_sockdiag_overlaps(&s, &v4other));
	g_assert_false(lp_sockdiag_overlaps(&s, &v6));
}

/* test_udp() - An unconnected UDP socket is found, TCP on its port is not */
static void test_udp(void)
{
	g_autofree LpSockInfo *socks = NULL, *tcp = NULL;
	lp_autofd int fd = -1;
	const LpSockInfo *s;
	uint16_t port;
	size_t n;

	fd = test_sock(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, 0, &port);
	g_assert_cmpint(fd, >=, 0);

	socks = test_query(IPPROTO_UDP, port, &n);
	g_assert_cmpuint(n, ==, 1);
	s = test_find(socks, n, test_inode(fd));
	g_assert_nonnull(s);
	g_assert_cmpint(s->family, ==, AF_INET);
	g_assert_cmpuint(s->state, ==, TCP_CLOSE);
	g_assert_cmpuint(s->uid, ==, getuid());
	g_assert_cmphex(s->addr.v4.s_addr, ==, htonl(INADDR_LOOPBACK));

	if (private_netns) {
		tcp = test_query(IPPROTO_TCP, port, &n);
		g_assert_cmpuint(n, ==, 0);
	}
}

/* test_udp_v6only() - v6only is reported for unconnected UDP sockets too */
static void test_udp_v6only(void)
{
	g_autofree LpSockInfo *socks = NULL;
	lp_autofd int fd = -1;
	uint16_t port;
	size_t n;

	fd = test_sock(AF_INET6, SOCK_DGRAM, "::1", 0, 1, &port);
	if (fd == -EADDRNOTAVAIL || fd == -EAFNOSUPPORT) {
		g_test_skip("no IPv6 loopback");
		return;
	}
	g_assert_cmpint(fd, >=, 0);
	socks = test_query(IPPROTO_UDP, port, &n);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpuint(socks[0].inode, ==, test_inode(fd));
	g_assert_true(socks[0].v6only);
}

/* test_unused() - A port nobody uses gives an empty result */
static void test_unused(void)
{
	LpSockInfo *socks = (LpSockInfo *)&socks;
	lp_autofd int fd = -1;
	uint16_t port;
	size_t n = 42;

	fd = test_sock(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, 0, &port);
	g_assert_cmpint(fd, >=, 0);
	lp_closep(&fd);

	g_assert_cmpint(lp_sockdiag_query(IPPROTO_UDP, port, LP_SOCKDIAG_ALL,
					  &socks, &n),
			==, 0);
	g_assert_cmpuint(n, ==, 0);
	g_assert_null(socks);
	socks = (LpSockInfo *)&socks;
	g_assert_cmpint(lp_sockdiag_query(IPPROTO_TCP, port, LP_SOCKDIAG_ALL,
					  &socks, &n),
			==, 0);
	g_assert_cmpuint(n, ==, 0);
	g_assert_null(socks);
}

/* test_bad_args() - Other protocols and port 0 are refused */
static void test_bad_args(void)
{
	LpSockInfo *socks = NULL;
	size_t n;

	g_assert_cmpint(lp_sockdiag_query(IPPROTO_SCTP, 80, LP_SOCKDIAG_ALL,
					  &socks, &n),
			==, -EPROTONOSUPPORT);
	g_assert_cmpint(lp_sockdiag_query(0, 80, LP_SOCKDIAG_ALL, &socks, &n),
			==, -EPROTONOSUPPORT);
	g_assert_cmpint(
		lp_sockdiag_query(IPPROTO_TCP, 0, LP_SOCKDIAG_ALL, &socks, &n),
		==, -EINVAL);
	g_assert_null(socks);
}

/* test_scope_table() - Scope of hand-made entries */
static void test_scope_table(void)
{
	static const struct {
		int family;
		const char *addr;
		bool v6only;
		const char *scope; /* NULL: every address of both families */
	} t[] = {
		{AF_INET, "0.0.0.0", false, "0.0.0.0"},
		{AF_INET, "192.0.2.1", false, "192.0.2.1"},
		{AF_INET6, "::", false, NULL},
		{AF_INET6, "::", true, "::"},
		{AF_INET6, "::ffff:0.0.0.0", false, "0.0.0.0"},
		{AF_INET6, "::ffff:192.0.2.1", false, "192.0.2.1"},
		{AF_INET6, "2001:db8::1", false, "2001:db8::1"},
		{AF_INET6, "2001:db8::1", true, "2001:db8::1"},
	};
	size_t i;

	for (i = 0; i < LP_ELEMENTSOF(t); i++) {
		LpSockInfo s = {.family = t[i].family, .v6only = t[i].v6only};
		LpAddr got, want = LP_ADDR_ALL;

		g_assert_cmpint(inet_pton(t[i].family, t[i].addr, &s.addr), ==,
				1);
		if (t[i].scope)
			want = test_scope(t[i].scope);
		lp_sockdiag_scope(&s, &got);
		g_assert_true(lp_addr_equal(&got, &want));
	}
}

/**
 * test_nobody_child() - Child: become nobody, listen, report the port
 * @out:	Pipe for the port (uint16_t)
 * @go:		Pipe to wait on before exiting
 */
static G_NORETURN void test_nobody_child(int out, int go)
{
	uint16_t port;
	char b;
	int fd;

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		_exit(1);
	fd = test_sock(AF_INET, SOCK_STREAM, "127.0.0.1", 0, 0, &port);
	if (fd < 0)
		_exit(2);
	if (write(out, &port, sizeof(port)) != sizeof(port))
		_exit(3);
	while (read(go, &b, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* test_other_uid() - A listener of another user reports that user */
static void test_other_uid(void)
{
	g_autofree LpSockInfo *socks = NULL;
	int ready[2], go[2], status;
	uint16_t port;
	pid_t pid;
	size_t n;

	if (geteuid() != 0 || getuid() != 0) {
		g_test_skip("needs root to run a listener as another uid");
		return;
	}
	g_assert_no_errno(pipe2(ready, O_CLOEXEC));
	g_assert_no_errno(pipe2(go, O_CLOEXEC));
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		test_nobody_child(ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);
	g_assert_cmpint(read(ready[0], &port, sizeof(port)), ==, sizeof(port));
	close(ready[0]);

	socks = test_query(IPPROTO_TCP, port, &n);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpuint(socks[0].uid, ==, NOBODY);
	g_assert_cmpuint(socks[0].state, ==, TCP_LISTEN);
	g_assert_cmpuint(socks[0].inode, !=, 0);

	close(go[1]);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* test_too_many() - More than LP_SOCKDIAG_MAX sockets on a port: -E2BIG */
static void test_too_many(void)
{
	const size_t want = LP_SOCKDIAG_MAX + 1;
	g_autofree int *fds = g_new(int, want);
	struct rlimit rl;
	LpSockInfo *socks = NULL;
	int one = 1, r = 0;
	uint16_t port = 0;
	size_t i, n;

	if (!private_netns) {
		g_test_skip("no private network namespace");
		return;
	}
	g_assert_no_errno(getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_max < want + 64) {
		g_test_skip("RLIMIT_NOFILE too low");
		return;
	}
	rl.rlim_cur = rl.rlim_cur < want + 64 ? want + 64 : rl.rlim_cur;
	g_assert_no_errno(setrlimit(RLIMIT_NOFILE, &rl));

	for (i = 0; i < want; i++) {
		struct sockaddr_in sin = {.sin_family = AF_INET,
					  .sin_port = htons(port)};

		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		g_assert_cmpint(fds[i], >=, 0);
		g_assert_no_errno(setsockopt(fds[i], SOL_SOCKET, SO_REUSEPORT,
					     &one, sizeof(one)));
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		g_assert_no_errno(
			bind(fds[i], (struct sockaddr *)&sin, sizeof(sin)));
		if (!port)
			port = test_local_port(fds[i]);
	}
	r = lp_sockdiag_query(IPPROTO_UDP, port, LP_SOCKDIAG_ALL, &socks, &n);
	for (i = 0; i < want; i++)
		close(fds[i]);
	g_assert_cmpint(r, ==, -E2BIG);
	g_assert_null(socks);
}

int main(int argc, char **argv)
{
	private_netns = lp_test_enter_netns() == NULL;
	g_test_init(&argc, &argv, NULL);
	if (!private_netns)
		g_test_message(
			"no private network namespace, using the host's");

	g_test_add_func("/sockdiag/tcp-listen-v4", test_tcp_listen_v4);
	g_test_add_func("/sockdiag/tcp-states", test_tcp_states);
	g_test_add_func("/sockdiag/v6-loopback", test_v6_loopback);
	g_test_add_func("/sockdiag/v6-wildcard", test_v6_wildcard);
	g_test_add_func("/sockdiag/v4-mapped", test_v4_mapped);
	g_test_add_func("/sockdiag/udp", test_udp);
	g_test_add_func("/sockdiag/udp-v6only", test_udp_v6only);
	g_test_add_func("/sockdiag/unused", test_unused);
	g_test_add_func("/sockdiag/bad-args", test_bad_args);
	g_test_add_func("/sockdiag/scope-table", test_scope_table);
	g_test_add_func("/sockdiag/other-uid", test_other_uid);
	g_test_add_func("/sockdiag/too-many", test_too_many);

	return g_test_run();
}
