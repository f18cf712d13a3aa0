// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-core-listeners.c - the shim takes exactly the lease process's
 * listening TCP sockets on the backend ports, from real processes with real
 * sockets, in a network namespace of the test's own
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/mapping.h"
#include "netutils/protocol.h"
#include "netutils/util.h"
#include "shim/core-listeners.h"
#include "test-lease.h"
#include "test-shim.h"

/* Backend ports of the tests; the namespace is ours, so they are free */
#define PORT 30080
/* Unprivileged user of the permission test */
#define NOBODY 65534

/* Most sockets one backend child opens */
#define BACKEND_SOCKS_MAX 8

/*
 * Backend - a child process holding sockets, like pasta or rootlessport
 * @pid:	Its PID
 * @pidfd:	Its pidfd
 * @inodes:	Inode of each socket it opened, in the order asked
 */
typedef struct {
	pid_t pid;
	int pidfd;
	uint64_t inodes[BACKEND_SOCKS_MAX];
} Backend;

/*
 * BackendSock - one socket for a Backend to open
 * @type:	SOCK_STREAM (listens) or SOCK_DGRAM; 0 ends the list
 * @port:	Port on :: (dual-stack)
 * @listen:	Whether a stream socket listens (else only bound)
 */
typedef struct {
	int type;
	uint16_t port;
	bool listen;
} BackendSock;

/**
 * open_sock() - A dual-stack socket bound to [::]:@port, SO_REUSEPORT
 * @s:		What to open
 *
 * Return: the descriptor, -1 on failure
 */
static int open_sock(const BackendSock *s)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6,
				 .sin6_port = htons(s->port)};
	lp_autofd int fd = socket(AF_INET6, s->type | SOCK_CLOEXEC, 0);
	int one = 1, zero = 0;

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (s->listen && listen(fd, 8)))
		return -1;
	return lp_steal_fd(&fd);
}

/**
 * fd_inode() - Inode of a descriptor
 * @fd:		Descriptor
 *
 * Return: st_ino
 */
static uint64_t fd_inode(int fd)
{
	struct stat st;

	g_assert_no_errno(fstat(fd, &st));
	return st.st_ino;
}

/**
 * backend_start() - Fork a child that opens @socks and waits to be killed
 * @b:		Output
 * @socks:	Sockets to open, ended by type 0
 * @uid:	Then run as this uid and gid; 0 to stay as we are
 * @dumpable:	With @uid: whether it stays dumpable (a change of uid makes
 *		a process not dumpable unless it says otherwise)
 *
 * Each socket is also dup()ed once, so it sits under two numbers.
 */
static void backend_start(Backend *b, const BackendSock *socks, uid_t uid,
			  bool dumpable)
{
	uint64_t inodes[BACKEND_SOCKS_MAX] = {0};
	int p[2];
	unsigned int i;

	g_assert_no_errno(pipe2(p, O_CLOEXEC));
	b->pid = fork();
	g_assert_cmpint(b->pid, >=, 0);
	if (b->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 0; socks[i].type && i < BACKEND_SOCKS_MAX; i++) {
			int fd = open_sock(&socks[i]);

			if (fd < 0 || dup(fd) < 0)
				_exit(1);
			inodes[i] = fd_inode(fd);
		}
		if (uid &&
		    (setresgid(uid, uid, uid) || setresuid(uid, uid, uid) ||
		     prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0)))
			_exit(2);
		if (write(p[1], inodes, sizeof(inodes)) != sizeof(inodes))
			_exit(3);
		for (;;)
			pause();
	}
	close(p[1]);
	g_assert_cmpint(read(p[0], b->inodes, sizeof(b->inodes)), ==,
			sizeof(b->inodes));
	close(p[0]);
	b->pidfd = pidfd_open(b->pid, 0);
	g_assert_cmpint(b->pidfd, >=, 0);
}

/**
 * backend_stop() - Kill and reap a backend
 * @b:		Backend
 */
static void backend_stop(Backend *b)
{
	kill(b->pid, SIGKILL);
	waitpid(b->pid, NULL, 0);
	lp_closep(&b->pidfd);
}

/**
 * add() - Append a mapping of host port 80 + backend port @port
 * @a:		GArray of LpMapping
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @port:	First backend port
 * @range:	Ports
 */
static void add(GArray *a, int proto, uint16_t port, uint16_t range)
{
	LpMapping m = {.proto = (uint8_t)proto,
		       .addr = LP_ADDR_ALL,
		       .host_port = 80,
		       .backend_port = port,
		       .range = range};

	g_array_append_val(a, m);
}

/**
 * take_exactly_the_listener() - Of a process's sockets, only its TCP
 * listener on the backend port is copied, once, even though it sits under
 * two descriptors: not a listener on another port, not UDP on the same
 * port, not a bound TCP socket that does not listen, not another process's
 * listener on the same port
 */
static void take_exactly_the_listener(void)
{
	static const BackendSock socks[] = {
		{SOCK_STREAM, PORT, true},     {SOCK_STREAM, PORT + 10, true},
		{SOCK_DGRAM, PORT, false},     {SOCK_STREAM, PORT + 1, false},
		{SOCK_DGRAM, PORT + 1, false}, {0},
	};
	static const BackendSock other = {SOCK_STREAM, PORT, true};
	g_autoptr(GArray) m = g_array_new(FALSE, TRUE, sizeof(LpMapping));
	lp_autofd int mine = -1;
	int fds[LP_LISTENERS_MAX];
	Backend b;
	int n;

	backend_start(&b, socks, 0, true);
	/* after the fork: the child must not hold it too */
	mine = open_sock(&other);
	g_assert_cmpint(mine, >=, 0);
	add(m, IPPROTO_TCP, PORT, 2);
	add(m, IPPROTO_UDP, PORT, 2);
	n = lp_core_listeners_take(b.pidfd, m, fds, LP_LISTENERS_MAX);
	g_assert_cmpint(n, ==, 1);
	g_assert_cmpuint(fd_inode(fds[0]), ==, b.inodes[0]);
	g_assert_cmpuint(fd_inode(fds[0]), !=, fd_inode(mine));
	g_assert_cmpint(fcntl(fds[0], F_GETFD), ==, FD_CLOEXEC);
	lp_core_listeners_close(fds, n);

	/* UDP mappings alone: nothing */
	g_array_remove_index(m, 0);
	g_assert_cmpint(lp_core_listeners_take(b.pidfd, m, fds, 1), ==, 0);
	backend_stop(&b);
}

/**
 * take_whole_mappings() - Listeners go mapping by mapping; a mapping whose
 * listeners do not all fit is left out as a whole
 */
static void take_whole_mappings(void)
{
	static const BackendSock socks[] = {
		{SOCK_STREAM, PORT, true},
		{SOCK_STREAM, PORT + 1, true},
		{SOCK_STREAM, PORT + 2, true},
		{0},
	};
	g_autoptr(GArray) m = g_array_new(FALSE, TRUE, sizeof(LpMapping));
	int fds[LP_LISTENERS_MAX];
	Backend b;
	int n;

	backend_start(&b, socks, 0, true);
	add(m, IPPROTO_TCP, PORT, 2);
	add(m, IPPROTO_TCP, PORT + 2, 1);
	n = lp_core_listeners_take(b.pidfd, m, fds, LP_LISTENERS_MAX);
	g_assert_cmpint(n, ==, 3);
	g_assert_cmpuint(fd_inode(fds[2]), ==, b.inodes[2]);
	g_assert_true((fd_inode(fds[0]) == b.inodes[0] &&
		       fd_inode(fds[1]) == b.inodes[1]) ||
		      (fd_inode(fds[0]) == b.inodes[1] &&
		       fd_inode(fds[1]) == b.inodes[0]));
	lp_core_listeners_close(fds, n);

	n = lp_core_listeners_take(b.pidfd, m, fds, 2);
	g_assert_cmpint(n, ==, 2);
	g_assert_cmpuint(fd_inode(fds[0]) + fd_inode(fds[1]), ==,
			 b.inodes[0] + b.inodes[1]);
	lp_core_listeners_close(fds, n);

	n = lp_core_listeners_take(b.pidfd, m, fds, 1);
	g_assert_cmpint(n, ==, 1);
	g_assert_cmpuint(fd_inode(fds[0]), ==, b.inodes[2]);
	lp_core_listeners_close(fds, n);
	backend_stop(&b);
}

/**
 * take_exited() - A process that has exited gives -ESRCH, nothing taken
 */
static void take_exited(void)
{
	static const BackendSock socks[] = {{SOCK_STREAM, PORT, true}, {0}};
	g_autoptr(GArray) m = g_array_new(FALSE, TRUE, sizeof(LpMapping));
	lp_autofd int mine = -1;
	int fds[LP_LISTENERS_MAX];
	Backend b;

	backend_start(&b, socks, 0, true);
	/* a listener on the port is still there */
	mine = open_sock(&socks[0]);
	g_assert_cmpint(mine, >=, 0);
	add(m, IPPROTO_TCP, PORT, 1);
	kill(b.pid, SIGKILL);
	waitpid(b.pid, NULL, 0);
	g_assert_cmpint(lp_core_listeners_take(b.pidfd, m, fds, 1), ==, -ESRCH);
	lp_closep(&b.pidfd);
}

/**
 * take_as() - Fork a process that drops to @uid and tries to take
 * @b:		Backend
 * @m:		Mappings
 * @uid:	Its uid and gid (no capabilities left)
 *
 * Return: what lp_core_listeners_take() returned there
 */
static int take_as(const Backend *b, const GArray *m, uid_t uid)
{
	pid_t pid = fork();
	int status;

	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		int fds[LP_LISTENERS_MAX];
		int n;

		if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(100);
		n = lp_core_listeners_take(b->pidfd, m, fds, 1);
		if (n == 1 && fd_inode(fds[0]) != b->inodes[0])
			_exit(101);
		_exit(n < 0 ? 50 - n : n);
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), <, 100);
	status = WEXITSTATUS(status);
	return status >= 50 ? 50 - status : status;
}

/**
 * take_not_dumpable() - Without CAP_SYS_PTRACE, the listeners of a process
 * of the same user are taken while it is dumpable, not once it is not (what
 * pasta's daemon makes itself), never another user's: -EACCES, nothing taken
 */
static void take_not_dumpable(void)
{
	static const BackendSock socks[] = {{SOCK_STREAM, PORT, true}, {0}};
	g_autoptr(GArray) m = g_array_new(FALSE, TRUE, sizeof(LpMapping));
	int fds[LP_LISTENERS_MAX];
	Backend b;

	add(m, IPPROTO_TCP, PORT, 1);
	backend_start(&b, socks, NOBODY, true);
	g_assert_cmpint(take_as(&b, m, NOBODY), ==, 1);
	g_assert_cmpint(take_as(&b, m, NOBODY - 1), ==, -EACCES);
	backend_stop(&b);

	backend_start(&b, socks, NOBODY, false);
	g_assert_cmpint(take_as(&b, m, NOBODY), ==, -EACCES);
	/* root, with CAP_SYS_PTRACE, still may */
	g_assert_cmpint(lp_core_listeners_take(b.pidfd, m, fds, 1), ==, 1);
	g_assert_cmpuint(fd_inode(fds[0]), ==, b.inodes[0]);
	lp_core_listeners_close(fds, 1);
	backend_stop(&b);
}

/**
 * collect() - The listeners a forward request carries; a failure is no
 * error, just none
 */
static void collect(void)
{
	static const BackendSock socks[] = {{SOCK_STREAM, PORT, true}, {0}};
	g_autoptr(GArray) m = g_array_new(FALSE, TRUE, sizeof(LpMapping));
	int fds[LP_LISTENERS_MAX];
	Backend b;

	backend_start(&b, socks, 0, true);
	add(m, IPPROTO_TCP, PORT, 1);
	g_assert_cmpuint(lp_core_listeners_collect(b.pidfd, m, fds), ==, 1);
	g_assert_cmpuint(fd_inode(fds[0]), ==, b.inodes[0]);
	lp_core_listeners_close(fds, 1);
	g_assert_cmpint(fds[0], ==, -1);
	backend_stop(&b);
	/* gone: none, and no error */
	b.pidfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	g_assert_cmpuint(lp_core_listeners_collect(b.pidfd, m, fds), ==, 0);
	close(b.pidfd);
}

int main(int argc, char **argv)
{
	lp_test_shim_have_netns = lp_test_shim_probe_netns();
	g_test_init(&argc, &argv, NULL);

	g_test_add_data_func("/shim/listeners/exactly-the-listener",
			     take_exactly_the_listener, lp_test_shim_in_netns);
	g_test_add_data_func("/shim/listeners/whole-mappings",
			     take_whole_mappings, lp_test_shim_in_netns);
	g_test_add_data_func("/shim/listeners/exited", take_exited,
			     lp_test_shim_in_netns);
	if (getuid() == 0)
		g_test_add_data_func("/shim/listeners/not-dumpable",
				     take_not_dumpable, lp_test_shim_in_netns);
	else
		g_test_add_data_func("/shim/listeners/not-dumpable",
				     "needs root (runs processes as nobody)",
				     lp_test_skip);
	g_test_add_data_func("/shim/listeners/collect", collect,
			     lp_test_shim_in_netns);
	return g_test_run();
}
