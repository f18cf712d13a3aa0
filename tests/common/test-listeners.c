// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-listeners.c - what the tests of handing listeners over share: who
 * holds a socket, the listener on a port, and a setup the real pasta runs in
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <glib.h>

#include "netutils/sockdiag.h"
#include "test-listeners.h"

/**
 * lp_test_listeners_check_report() - Check a stand-in lowportd's report of
 *				      a granted tcp/80 request: exactly one
 *				      listener came with it, the one bound
 *				      to the backend port, and only its
 *				      owner holds it now (the shim kept no
 *				      copy)
 * @report:	The report (tests/common/test-shim.c)
 */
void lp_test_listeners_check_report(const char *report)
{
	unsigned int backend = 0, port = 0;
	uint64_t inode = 0;
	const char *m;

	g_assert_nonnull(m = strstr(report, "\ntcp 0.0.0.0/0 80 "));
	g_assert_cmpint(sscanf(m, "\ntcp 0.0.0.0/0 80 %u 1\n", &backend), ==,
			1);
	g_assert_nonnull(m = strstr(report, "\nlisteners=1\nlistener "));
	g_assert_cmpint(
		sscanf(m, "\nlisteners=1\nlistener %u %" SCNu64, &port, &inode),
		==, 2);
	g_assert_cmpuint(port, ==, backend);
	g_assert_cmpuint(inode, ==, lp_test_listeners_inode(backend));
	g_assert_cmpuint(lp_test_listeners_holders(inode), ==, 1);
}

/**
 * lp_test_listeners_holders() - How many processes hold a socket
 * @inode:	Its inode
 *
 * Return: processes with a descriptor of it (each counted once)
 */
unsigned int lp_test_listeners_holders(uint64_t inode)
{
	g_autofree char *want = g_strdup_printf("socket:[%" PRIu64 "]", inode);
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	unsigned int n = 0;
	const char *pid;

	g_assert_nonnull(proc);
	while ((pid = g_dir_read_name(proc))) {
		g_autofree char *path =
			g_build_filename("/proc", pid, "fd", NULL);
		g_autoptr(GDir) fds = g_dir_open(path, 0, NULL);
		const char *fd;

		while (fds && (fd = g_dir_read_name(fds))) {
			g_autofree char *l = g_build_filename(path, fd, NULL);
			g_autofree char *t = g_file_read_link(l, NULL);

			if (t && !strcmp(t, want)) {
				n++;
				break;
			}
		}
	}
	return n;
}

/**
 * lp_test_listeners_inode() - Inode of the one TCP listener on a port
 * @port:	Port
 *
 * Return: its inode
 */
uint64_t lp_test_listeners_inode(unsigned int port)
{
	g_autofree LpSockInfo *socks = NULL;
	size_t n = 0;

	g_assert_cmpint(lp_sockdiag_query(IPPROTO_TCP, (uint16_t)port,
					  1u << TCP_LISTEN, &socks, &n),
			==, 0);
	g_assert_cmpuint(n, ==, 1);
	return socks[0].inode;
}

/**
 * listeners_ip() - Run "ip ARGS" in the test's own network namespace
 * @args:	Arguments
 */
static void listeners_ip(const char *args)
{
	g_autofree char *cmd = g_strconcat("ip ", args, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *parent =
		g_strdup_printf("/proc/%d/ns/net", (int)getppid());
	struct stat ours, host;
	int status = -1;

	/* the test's parent stayed in the namespace the test started in */
	g_assert_no_errno(stat("/proc/self/ns/net", &ours));
	g_assert_no_errno(stat(parent, &host));
	g_assert_cmpuint(ours.st_ino, !=, host.st_ino);
	g_assert_true(
		g_spawn_command_line_sync(cmd, NULL, NULL, &status, &error));
	g_assert_no_error(error);
	g_assert_cmpint(status, ==, 0);
}

/**
 * lp_test_listeners_target() - A process in a network namespace of its own, with
 * no capabilities (pasta drops most of its own, and may only open the
 * namespace of a process whose capabilities it has)
 *
 * Return: its PID
 */
pid_t lp_test_listeners_target(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0}};
	int p[2];
	pid_t pid;
	char c;

	g_assert_no_errno(pipe2(p, O_CLOEXEC));
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNET) || syscall(SYS_capset, &h, d) ||
		    write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	g_assert_cmpint(read(p[0], &c, 1), ==, 1);
	close(p[0]);
	return pid;
}

/**
 * lp_test_listeners_uplink() - What pasta copies: an interface with an
 * address and a default route, in the test's own network namespace
 */
void lp_test_listeners_uplink(void)
{
	listeners_ip("link add lpt0 type veth peer name lpt1");
	listeners_ip("addr add 192.0.2.1/24 dev lpt0");
	listeners_ip("link set lpt1 up");
	listeners_ip("link set lpt0 up");
	listeners_ip("route add default via 192.0.2.254 dev lpt0");
}
