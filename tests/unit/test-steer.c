// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-steer.c - BPF sk_lookup steering (netutils/steer/) on the real kernel
 *
 * Runs as root only (loading BPF needs CAP_BPF and CAP_NET_ADMIN in the
 * initial user namespace), in a network namespace of its own and a private
 * mount namespace with a bpffs of its own on a temporary directory: the
 * host's /sys/fs/bpf is never touched. Each case pins in its own directory
 * of that bpffs and removes it again.
 *
 * Traffic is TCP over the namespace's loopback: port 80 is steered onto a
 * listener on an ephemeral ("high") port; nothing listens on 80, so a
 * connection that is not steered is refused.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>

#include <bpf/bpf.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "test-netns.h"
#include "test-sock.h"
#include "netutils/steer/steer.h"
#include "netutils/util.h"

#define TEST_PORT 80

/* Private bpffs mount point (a temporary directory), "" before setup */
static char test_bpffs[64];

/**
 * test_steered() - A connection to ip:80 lands on a listener, via port 80
 * @family:	AF_INET or AF_INET6
 * @ip:		Destination address
 * @lfd:	Listener that must accept it
 *
 * The accepted socket's local port is 80, the client's peer port is 80,
 * and data goes both ways.
 */
static void test_steered(int family, const char *ip, int lfd)
{
	lp_autofd int c = lp_test_sock_connect(family, ip, TEST_PORT), s = -1;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (c < 0)
		g_error("connect to %s port %d: %s", ip, TEST_PORT,
			g_strerror(-c));
	s = lp_test_sock_accept(lfd, 1000);
	g_assert_cmpint(s, >=, 0);
	g_assert_no_errno(getsockname(s, (struct sockaddr *)&ss, &len));
	g_assert_cmpuint(lp_test_sock_port(&ss), ==, TEST_PORT);
	len = sizeof(ss);
	g_assert_no_errno(getpeername(c, (struct sockaddr *)&ss, &len));
	g_assert_cmpuint(lp_test_sock_port(&ss), ==, TEST_PORT);
	lp_test_sock_roundtrip(c, s);
}

/**
 * test_refused() - A connection to ip:80 is refused, nobody accepts it
 * @family:	AF_INET or AF_INET6
 * @ip:		Destination address
 * @lfd:	Listener that must not see it, or -1
 */
static void test_refused(int family, const char *ip, int lfd)
{
	g_assert_cmpint(lp_test_sock_connect(family, ip, TEST_PORT), ==,
			-ECONNREFUSED);
	if (lfd >= 0)
		g_assert_cmpint(lp_test_sock_accept(lfd, 0), <, 0);
}

/**
 * test_wait_refused() - Wait until connections to ip:80 are refused
 * @family:	AF_INET or AF_INET6
 * @ip:		Destination address
 * @lfd:	Listener that takes them until then
 *
 * A link whose last pin goes is detached by a kernel worker, a moment
 * after its id is gone.
 */
static void test_wait_refused(int family, const char *ip, int lfd)
{
	int i, c, s;

	for (i = 0; i < 200; i++) {
		c = lp_test_sock_connect(family, ip, TEST_PORT);
		if (c == -ECONNREFUSED)
			break;
		g_assert_cmpint(c, >=, 0);
		close(c);
		s = lp_test_sock_accept(lfd, 1000);
		g_assert_cmpint(s, >=, 0);
		close(s);
		g_usleep(10000);
	}
	test_refused(family, ip, lfd);
}

/**
 * test_pin_dir() - A fresh pin directory path for a case (not created)
 * @name:	Case name
 *
 * Return: path under the private bpffs
 */
static char *test_pin_dir(const char *name)
{
	return g_build_filename(test_bpffs, name, NULL);
}

/**
 * test_unpin() - Remove a pin directory with its pins (rm -rf)
 * @dir:	Pin directory
 */
static void test_unpin(const char *dir)
{
	g_autofree char *link = g_build_filename(dir, "link", NULL);
	g_autofree char *map = g_build_filename(dir, "map", NULL);

	g_unlink(link);
	g_unlink(map);
	g_assert_no_errno(rmdir(dir));
}

/**
 * test_netns_ino() - Inode of the current network namespace
 *
 * Return: inode number
 */
static uint32_t test_netns_ino(void)
{
	struct stat st;

	g_assert_no_errno(stat("/proc/self/ns/net", &st));
	return (uint32_t)st.st_ino;
}

/**
 * test_count_links() - sk_lookup netns links attached to a namespace
 * @netns_ino:	Namespace inode
 *
 * Return: how many there are
 */
static unsigned int test_count_links(uint32_t netns_ino)
{
	unsigned int n = 0;
	uint32_t id = 0;

	while (bpf_link_get_next_id(id, &id) == 0) {
		lp_autofd int fd = bpf_link_get_fd_by_id(id);
		struct bpf_link_info li = {0};
		uint32_t len = sizeof(li);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &li, &len) < 0)
			continue;
		n += li.type == BPF_LINK_TYPE_NETNS &&
		     li.netns.attach_type == BPF_SK_LOOKUP &&
		     li.netns.netns_ino == netns_ino;
	}
	return n;
}

/**
 * test_wait_links() - Wait until a namespace has a given number of links
 * @netns_ino:	Namespace inode
 * @want:	Number of sk_lookup links
 *
 * A link whose last pin goes is freed by a kernel worker, a moment later.
 *
 * Return: the number seen last
 */
static unsigned int test_wait_links(uint32_t netns_ino, unsigned int want)
{
	unsigned int n = 0;
	int i;

	for (i = 0; i < 200; i++) {
		n = test_count_links(netns_ino);
		if (n == want)
			break;
		g_usleep(10000);
	}
	return n;
}

/**
 * test_key() - Build a key, asserting success
 * @family:	AF_INET or AF_INET6
 * @ip:		Address text, NULL for any
 *
 * Return: TCP key for port 80
 */
static LpSteerKey test_key(int family, const char *ip)
{
	struct in6_addr a;
	LpSteerKey key;

	if (ip)
		g_assert_cmpint(inet_pton(family, ip, &a), ==, 1);
	g_assert_cmpint(lp_steer_key_init(&key, family, IPPROTO_TCP,
					  ip ? &a : NULL, TEST_PORT),
			==, 0);
	return key;
}

/**
 * test_open() - Open steering in a pin directory, asserting success
 * @dir:	Pin directory
 *
 * Return: handle
 */
static LpSteer *test_open(const char *dir)
{
	g_autoptr(GError) error = NULL;
	LpSteer *steer = lp_steer_open(dir, &error);

	g_assert_no_error(error);
	g_assert_nonnull(steer);
	return steer;
}

/**
 * test_cookie() - SO_COOKIE of a socket, asserting success
 * @fd:		Socket
 *
 * Return: cookie
 */
static uint64_t test_cookie(int fd)
{
	uint64_t c = 0;

	g_assert_cmpint(lp_steer_sock_cookie(fd, &c), ==, 0);
	g_assert_cmpuint(c, !=, 0);
	return c;
}

/**
 * test_probe() - The probe says yes here, and why not without bpffs
 */
static void test_probe(void)
{
	g_autofree char *dir = test_pin_dir("probe"), *reason = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(LpSteer) steer = NULL;

	g_assert_true(lp_steer_probe(dir, &reason));
	g_assert_nonnull(reason);
	g_clear_pointer(&reason, g_free);
	/* the probe leaves nothing behind */
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_assert_cmpuint(test_count_links(test_netns_ino()), ==, 0);

	g_assert_false(lp_steer_probe("/proc/lowport-steer", &reason));
	g_assert_nonnull(strstr(reason, "no bpffs at /proc"));
	steer = lp_steer_open("/proc/lowport-steer", &error);
	g_assert_null(steer);
	g_assert_error(error, LP_STEER_ERROR, ENOENT);
	g_assert_nonnull(strstr(error->message, "no bpffs at /proc"));
	g_clear_error(&error);
	steer = lp_steer_open("relative/dir", &error);
	g_assert_null(steer);
	g_assert_error(error, LP_STEER_ERROR, EINVAL);
}

/**
 * test_keys() - Keys and sockets the engine refuses
 */
static void test_keys(void)
{
	g_autofree char *dir = test_pin_dir("keys");
	g_autoptr(LpSteer) steer = test_open(dir);
	struct in6_addr mapped;
	LpSteerKey key, v4 = test_key(AF_INET, "127.0.0.1");
	lp_autofd int v6only = -1, plain = -1, udp = -1;

	g_assert_cmpint(lp_steer_key_init(&key, AF_INET, IPPROTO_UDP, NULL, 80),
			==, -EPROTONOSUPPORT);
	g_assert_cmpint(lp_steer_key_init(&key, AF_UNIX, IPPROTO_TCP, NULL, 80),
			==, -EAFNOSUPPORT);
	g_assert_cmpint(lp_steer_key_init(&key, AF_INET, IPPROTO_TCP, NULL, 0),
			==, -EINVAL);
	/* ::ffff:127.0.0.1 is looked up as IPv4 by the kernel */
	g_assert_cmpint(inet_pton(AF_INET6, "::ffff:127.0.0.1", &mapped), ==,
			1);
	g_assert_cmpint(
		lp_steer_key_init(&key, AF_INET6, IPPROTO_TCP, &mapped, 80), ==,
		0);
	g_assert_cmpmem(&key, sizeof(key), &v4, sizeof(v4));

	v6only = lp_test_sock_listen(AF_INET6, "::1", 0, 1, NULL);
	g_assert_cmpint(lp_steer_add(steer, &v4, v6only, NULL), ==,
			-EAFNOSUPPORT);
	plain = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(lp_steer_add(steer, &v4, plain, NULL), ==, -EINVAL);
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(lp_steer_add(steer, &v4, udp, NULL), ==, -EPROTOTYPE);
	g_assert_cmpint(lp_steer_add(steer, &v4, -1, NULL), ==, -EBADF);
	g_assert_cmpint(lp_steer_lookup(steer, &v4, NULL), ==, -ENOENT);
	test_unpin(dir);
}

/**
 * test_v4() - 127.0.0.1:80 onto a high port; only that address
 */
static void test_v4(void)
{
	g_autofree char *dir = test_pin_dir("v4");
	g_autoptr(LpSteer) steer = test_open(dir);
	LpSteerKey key = test_key(AF_INET, "127.0.0.1");
	g_autoptr(GArray) list = NULL;
	lp_autofd int lfd = -1, other = -1;
	uint64_t cookie = 0, found = 0;
	g_autoptr(GError) error = NULL;
	uint16_t high;

	test_refused(AF_INET, "127.0.0.1", -1);
	lfd = lp_test_sock_listen(AF_INET, "127.0.0.1", 0, 0, &high);
	g_assert_cmpuint(high, !=, TEST_PORT);
	g_assert_cmpint(lp_steer_add(steer, &key, lfd, &cookie), ==, 0);
	g_assert_cmpuint(cookie, ==, test_cookie(lfd));
	g_assert_cmpint(lp_steer_lookup(steer, &key, &found), ==, 0);
	g_assert_cmpuint(found, ==, cookie);

	test_steered(AF_INET, "127.0.0.1", lfd);
	/* address-scoped: 127.0.0.2 is not steered */
	test_refused(AF_INET, "127.0.0.2", lfd);

	/* never replaced behind the owner's back */
	other = lp_test_sock_listen(AF_INET, "127.0.0.1", 0, 0, NULL);
	g_assert_cmpint(lp_steer_add(steer, &key, other, NULL), ==, -EEXIST);
	list = lp_steer_list(steer, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 1);
	g_assert_cmpmem(&g_array_index(list, LpSteerEntry, 0).key, sizeof(key),
			&key, sizeof(key));
	g_assert_cmpuint(g_array_index(list, LpSteerEntry, 0).cookie, ==,
			 cookie);

	g_assert_cmpint(lp_steer_remove(steer, &key), ==, 0);
	g_assert_cmpint(lp_steer_remove(steer, &key), ==, -ENOENT);
	g_assert_cmpint(lp_steer_lookup(steer, &key, NULL), ==, -ENOENT);
	test_refused(AF_INET, "127.0.0.1", lfd);
	test_unpin(dir);
}

/**
 * test_v6() - [::1]:80 onto a high port
 */
static void test_v6(void)
{
	g_autofree char *dir = test_pin_dir("v6");
	g_autoptr(LpSteer) steer = test_open(dir);
	LpSteerKey key = test_key(AF_INET6, "::1");
	lp_autofd int lfd = -1;

	test_refused(AF_INET6, "::1", -1);
	lfd = lp_test_sock_listen(AF_INET6, "::1", 0, 1, NULL);
	g_assert_cmpint(lp_steer_add(steer, &key, lfd, NULL), ==, 0);
	test_steered(AF_INET6, "::1", lfd);
	test_unpin(dir);
}

/**
 * test_precedence() - Steering goes before a listener on port 80 itself
 *
 * The program runs before the kernel's own listener lookup: a socket bound
 * to 127.0.0.1:80 gets nothing while the key is steered, and everything
 * again once it is removed.
 */
static void test_precedence(void)
{
	g_autofree char *dir = test_pin_dir("precedence");
	g_autoptr(LpSteer) steer = test_open(dir);
	LpSteerKey key = test_key(AF_INET, NULL);
	lp_autofd int lfd = -1, on80 = -1, c = -1, s = -1;

	lfd = lp_test_sock_listen(AF_INET, "127.0.0.1", 0, 0, NULL);
	on80 = lp_test_sock_listen(AF_INET, "127.0.0.1", TEST_PORT, 0, NULL);
	g_assert_cmpint(lp_steer_add(steer, &key, lfd, NULL), ==, 0);
	test_steered(AF_INET, "127.0.0.1", lfd);
	g_assert_cmpint(lp_test_sock_accept(on80, 0), <, 0);

	g_assert_cmpint(lp_steer_remove(steer, &key), ==, 0);
	c = lp_test_sock_connect(AF_INET, "127.0.0.1", TEST_PORT);
	g_assert_cmpint(c, >=, 0);
	s = lp_test_sock_accept(on80, 1000);
	g_assert_cmpint(s, >=, 0);
	lp_test_sock_roundtrip(c, s);
	g_assert_cmpint(lp_test_sock_accept(lfd, 0), <, 0);
	test_unpin(dir);
}

/**
 * test_wildcard() - The any-address key catches 127.0.0.2; an exact key
 * goes first
 */
static void test_wildcard(void)
{
	g_autofree char *dir = test_pin_dir("wildcard");
	g_autoptr(LpSteer) steer = test_open(dir);
	LpSteerKey any = test_key(AF_INET, NULL);
	LpSteerKey exact = test_key(AF_INET, "127.0.0.3");
	lp_autofd int a = -1, b = -1;

	a = lp_test_sock_listen(AF_INET, "127.0.0.1", 0, 0, NULL);
	b = lp_test_sock_listen(AF_INET, "127.0.0.1", 0, 0, NULL);
	g_assert_cmpint(lp_steer_add(steer, &any, a, NULL), ==, 0);
	g_assert_cmpint(lp_steer_add(steer, &exact, b, NULL), ==, 0);
	test_steered(AF_INET, "127.0.0.1", a);
	test_steered(AF_INET, "127.0.0.2", a);
	test_steered(AF_INET, "127.0.0.3", b);
	g_assert_cmpint(lp_test_sock_accept(a, 0), <, 0);
	/* IPv4 keys do not steer IPv6 */
	test_refused(AF_INET6, "::1", -1);
	test_unpin(dir);
}

/**
 * test_dual_stack() - One dual-stack listener under both wildcard keys
 */
static void test_dual_stack(void)
{
	g_autofree char *dir = test_pin_dir("dual");
	g_autoptr(LpSteer) steer = test_open(dir);
	LpSteerKey v4 = test_key(AF_INET, NULL), v6 = test_key(AF_INET6, NULL);
	lp_autofd int lfd = lp_test_sock_listen(AF_INET6, "::", 0, 0, NULL);

	g_assert_cmpint(lp_steer_add(steer, &v4, lfd, NULL), ==, 0);
	g_assert_cmpint(lp_steer_add(steer, &v6, lfd, NULL), ==, 0);
	test_steered(AF_INET, "127.0.0.1", lfd);
	test_steered(AF_INET6, "::1", lfd);
	test_unpin(dir);
}

/**
 * test_closed() - A closed listener leaves the map; a newcomer on its port
 * gets nothing
 */
static void test_closed(void)
{
	g_autofree char *dir = test_pin_dir("closed");
	g_autoptr(LpSteer) steer = test_open(dir);
	LpSteerKey key = test_key(AF_INET, NULL);
	g_autoptr(GArray) list = NULL;
	lp_autofd int lfd = -1, newcomer = -1;
	uint16_t high;

	lfd = lp_test_sock_listen(AF_INET, "0.0.0.0", 0, 0, &high);
	g_assert_cmpint(lp_steer_add(steer, &key, lfd, NULL), ==, 0);
	test_steered(AF_INET, "127.0.0.1", lfd);
	lp_closep(&lfd);

	g_assert_cmpint(lp_steer_lookup(steer, &key, NULL), ==, -ENOENT);
	list = lp_steer_list(steer, NULL);
	g_assert_cmpuint(list->len, ==, 0);
	newcomer = lp_test_sock_listen(AF_INET, "0.0.0.0", high, 0, NULL);
	test_refused(AF_INET, "127.0.0.1", newcomer);
	test_refused(AF_INET, "127.0.0.2", newcomer);
	test_unpin(dir);
}

/**
 * test_persist() - Steering outlives the process that set it up; a second
 * open re-finds the same link and its entries
 */
static void test_persist(void)
{
	g_autofree char *dir = test_pin_dir("persist");
	LpSteerKey key = test_key(AF_INET, "127.0.0.1");
	lp_autofd int lfd =
		lp_test_sock_listen(AF_INET, "127.0.0.1", 0, 0, NULL);
	uint32_t child_link = 0, ino = test_netns_ino();
	g_autoptr(LpSteer) steer = NULL;
	g_autoptr(GArray) list = NULL;
	uint64_t cookie = 0;
	int pipefd[2], status;
	pid_t pid;

	g_assert_no_errno(pipe2(pipefd, O_CLOEXEC));
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		LpSteer *s = lp_steer_open(dir, NULL);
		uint32_t id = s ? lp_steer_link_id(s) : 0;

		if (!s || lp_steer_add(s, &key, lfd, NULL) < 0)
			id = 0;
		if (write(pipefd[1], &id, sizeof(id)) != sizeof(id))
			_exit(2);
		_exit(id ? 0 : 1);
	}
	close(pipefd[1]);
	g_assert_cmpint(read(pipefd[0], &child_link, sizeof(child_link)), ==,
			sizeof(child_link));
	close(pipefd[0]);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	g_assert_cmpuint(child_link, !=, 0);

	/* the child is gone with its descriptors: the pins keep steering */
	test_steered(AF_INET, "127.0.0.1", lfd);
	steer = test_open(dir);
	g_assert_cmpuint(lp_steer_link_id(steer), ==, child_link);
	g_assert_cmpuint(test_count_links(ino), ==, 1);
	g_assert_cmpint(lp_steer_lookup(steer, &key, &cookie), ==, 0);
	g_assert_cmpuint(cookie, ==, test_cookie(lfd));
	list = lp_steer_list(steer, NULL);
	g_assert_cmpuint(list->len, ==, 1);
	test_steered(AF_INET, "127.0.0.1", lfd);
	test_unpin(dir);
}

/**
 * test_other_netns() - A link pinned from another namespace is replaced
 *
 * The pins are made in a second namespace (kept alive by a descriptor),
 * then opened from ours: the open attaches a new link here and the old one
 * leaves the other namespace.
 */
static void test_other_netns(void)
{
	g_autofree char *dir = test_pin_dir("other");
	lp_autofd int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	lp_autofd int lfd = -1, away = -1;
	uint32_t away_link, ino = test_netns_ino(), away_ino;
	LpSteerKey key = test_key(AF_INET, "127.0.0.1");
	g_autoptr(LpSteer) steer = NULL;

	g_assert_cmpint(home, >=, 0);
	g_assert_no_errno(unshare(CLONE_NEWNET));
	away = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	away_ino = test_netns_ino();
	g_assert_cmpuint(away_ino, !=, ino);
	steer = test_open(dir);
	away_link = lp_steer_link_id(steer);
	g_assert_cmpuint(test_count_links(away_ino), ==, 1);
	g_clear_pointer(&steer, lp_steer_free);
	g_assert_no_errno(setns(home, CLONE_NEWNET));
	lp_test_assert_netns();

	steer = test_open(dir);
	g_assert_cmpuint(lp_steer_link_id(steer), !=, away_link);
	g_assert_cmpuint(test_count_links(ino), ==, 1);
	g_assert_cmpuint(test_wait_links(away_ino, 0), ==, 0);
	lfd = lp_test_sock_listen(AF_INET, "127.0.0.1", 0, 0, NULL);
	g_assert_cmpint(lp_steer_add(steer, &key, lfd, NULL), ==, 0);
	test_steered(AF_INET, "127.0.0.1", lfd);
	test_unpin(dir);
}

/**
 * test_link_netns() - Network namespace inode of a pinned link
 * @dir:	Pin directory
 *
 * Return: inode, 0 once the namespace is gone
 */
static uint32_t test_link_netns(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "link", NULL);
	lp_autofd int fd = bpf_obj_get(path);
	struct bpf_link_info li = {0};
	uint32_t len = sizeof(li);

	g_assert_cmpint(fd, >=, 0);
	g_assert_no_errno(bpf_obj_get_info_by_fd(fd, &li, &len));
	return li.netns.netns_ino;
}

/**
 * test_dead_netns() - A link pinned from a namespace that is gone is
 * replaced
 */
static void test_dead_netns(void)
{
	g_autofree char *dir = test_pin_dir("dead");
	lp_autofd int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	LpSteerKey key = test_key(AF_INET, "127.0.0.1");
	uint32_t dead_link, ino = test_netns_ino();
	g_autoptr(LpSteer) steer = NULL;
	lp_autofd int lfd = -1;
	int i;

	g_assert_cmpint(home, >=, 0);
	g_assert_no_errno(unshare(CLONE_NEWNET));
	steer = test_open(dir);
	dead_link = lp_steer_link_id(steer);
	g_clear_pointer(&steer, lp_steer_free);
	g_assert_no_errno(setns(home, CLONE_NEWNET));
	lp_test_assert_netns();
	/* nothing holds the other namespace now: the kernel cleans it up */
	for (i = 0; i < 500 && test_link_netns(dir); i++)
		g_usleep(10000);
	g_assert_cmpuint(test_link_netns(dir), ==, 0);

	steer = test_open(dir);
	g_assert_cmpuint(lp_steer_link_id(steer), !=, dead_link);
	g_assert_cmpuint(test_link_netns(dir), ==, ino);
	lfd = lp_test_sock_listen(AF_INET, "127.0.0.1", 0, 0, NULL);
	g_assert_cmpint(lp_steer_add(steer, &key, lfd, NULL), ==, 0);
	test_steered(AF_INET, "127.0.0.1", lfd);
	test_unpin(dir);
}

/**
 * test_unpinned() - Removing the pin directory ends the steering
 */
static void test_unpinned(void)
{
	g_autofree char *dir = test_pin_dir("unpinned");
	LpSteerKey key = test_key(AF_INET, "127.0.0.1");
	lp_autofd int lfd =
		lp_test_sock_listen(AF_INET, "127.0.0.1", 0, 0, NULL);
	uint32_t ino = test_netns_ino();
	LpSteer *steer = test_open(dir);

	g_assert_cmpint(lp_steer_add(steer, &key, lfd, NULL), ==, 0);
	lp_steer_free(steer);
	test_steered(AF_INET, "127.0.0.1", lfd);
	test_unpin(dir);
	g_assert_cmpuint(test_wait_links(ino, 0), ==, 0);
	test_wait_refused(AF_INET, "127.0.0.1", lfd);
}

/**
 * test_private_bpffs() - Private mount namespace with a bpffs of our own
 *
 * Return: NULL on success, else why not (static string)
 */
static const char *test_private_bpffs(void)
{
	g_strlcpy(test_bpffs, "/tmp/lowport-test-steer.XXXXXX",
		  sizeof(test_bpffs));
	if (unshare(CLONE_NEWNS) < 0)
		return "unshare(CLONE_NEWNS) failed";
	/* no mount below may propagate to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return "cannot make the mount namespace private";
	if (!g_mkdtemp(test_bpffs))
		return "cannot create a temporary directory";
	if (mount("bpf", test_bpffs, "bpf", 0, "mode=0700") < 0) {
		rmdir(test_bpffs);
		return "cannot mount a private bpffs";
	}
	return NULL;
}

/**
 * test_skip() - Report why the kernel tests cannot run
 * @data:	Reason
 */
static void test_skip(gconstpointer data)
{
	g_test_skip(data);
}

int main(int argc, char **argv)
{
	const char *why = "needs root (CAP_BPF and CAP_NET_ADMIN)";
	int r;

	if (getuid() == 0 && !(why = lp_test_enter_netns()))
		why = test_private_bpffs();
	g_test_init(&argc, &argv, NULL);
	if (why) {
		g_test_add_data_func("/steer/skipped", why, test_skip);
		return g_test_run();
	}
	g_test_add_func("/steer/probe", test_probe);
	g_test_add_func("/steer/keys", test_keys);
	g_test_add_func("/steer/v4", test_v4);
	g_test_add_func("/steer/v6", test_v6);
	g_test_add_func("/steer/precedence", test_precedence);
	g_test_add_func("/steer/wildcard", test_wildcard);
	g_test_add_func("/steer/dual-stack", test_dual_stack);
	g_test_add_func("/steer/closed", test_closed);
	g_test_add_func("/steer/persist", test_persist);
	g_test_add_func("/steer/other-netns", test_other_netns);
	g_test_add_func("/steer/dead-netns", test_dead_netns);
	g_test_add_func("/steer/unpinned", test_unpinned);
	r = g_test_run();
	umount2(test_bpffs, MNT_DETACH);
	rmdir(test_bpffs);
	return r;
}
