// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-shim-core.c - shim core: backend port picking against real sockets,
 * the lease's mappings, finding the real helper, running and stopping it
 * (test-shim-spawn.c: stdin, passed and ready descriptors, the ready gate)
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "netutils/client.h"
#include "netutils/mapping.h"
#include "netutils/pidfd.h"
#include "shim/portspec-split.h"
#include "shim/portspec.h"
#include "netutils/protocol.h"
#include "shim/core.h"
#include "shim/core-lease.h"
#include "shim/core-reap.h"
#include "shim/front-pasta.h"
#include "shim/pasta-args.h"
#include "shim/pasta-plan.h"
#include "netutils/util.h"
#include "test-shim.h"

/* Usual net.ipv4.ip_unprivileged_port_start */
#define UNPRIV 1024

/**
 * occupy() - Hold a port with a socket (listening if TCP)
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Numeric address
 * @port:	Port
 *
 * Return: the socket
 */
static int occupy(int proto, const char *addr, unsigned int port)
{
	int type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	const int one = 1;
	int fd, r;

	if (strchr(addr, ':')) {
		fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
		g_assert_no_errno(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
					     &one, sizeof(one)));
		g_assert_cmpint(inet_pton(AF_INET6, addr, &s6.sin6_addr), ==,
				1);
		s6.sin6_port = htons((uint16_t)port);
		r = bind(fd, (struct sockaddr *)&s6, sizeof(s6));
	} else {
		fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
		g_assert_cmpint(inet_pton(AF_INET, addr, &s4.sin_addr), ==, 1);
		s4.sin_port = htons((uint16_t)port);
		r = bind(fd, (struct sockaddr *)&s4, sizeof(s4));
	}
	g_assert_no_errno(r);
	if (proto == IPPROTO_TCP)
		g_assert_no_errno(listen(fd, 1));
	return fd;
}

/**
 * pick1() - Pick for one block in a window
 * @b:		Block
 * @lo:		Window start, also where the search starts
 * @hi:		Window end
 * @error:	Error
 *
 * Return: the first backend port, 0 on error
 */
static unsigned int pick1(LpCoreBlock b, unsigned int lo, unsigned int hi,
			  GError **error)
{
	LpCorePortWindow w = {.lo = lo, .hi = hi, .start = lo};
	uint16_t port = 0;

	if (!lp_core_ports_pick(&w, &b, 1, &port, error))
		return 0;
	return port;
}

/**
 * ports_skip_taken() - A taken port is skipped, on its address only
 */
static void ports_skip_taken(void)
{
	lp_autofd int a = occupy(IPPROTO_TCP, "127.0.0.1", 40000);
	lp_autofd int b = occupy(IPPROTO_TCP, "::1", 41000);
	lp_autofd int c = occupy(IPPROTO_UDP, "127.0.0.1", 42000);

	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_TCP, "127.0.0.1", 1),
			       40000, 40010, NULL),
			 ==, 40001);
	/* every address covers 127.0.0.1 */
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_TCP, NULL, 1), 40000,
			       40010, NULL),
			 ==, 40001);
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_TCP, "0.0.0.0", 1),
			       40000, 40010, NULL),
			 ==, 40001);
	/* other address, other family, other protocol: free */
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_TCP, "127.0.0.2", 1),
			       40000, 40010, NULL),
			 ==, 40000);
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_TCP, "::1", 1), 40000,
			       40010, NULL),
			 ==, 40000);
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_UDP, "127.0.0.1", 1),
			       40000, 40010, NULL),
			 ==, 40000);
	/* IPv6 */
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_TCP, "::1", 1), 41000,
			       41010, NULL),
			 ==, 41001);
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_TCP, "::", 1), 41000,
			       41010, NULL),
			 ==, 41001);
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_TCP, NULL, 1), 41000,
			       41010, NULL),
			 ==, 41001);
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_TCP, "127.0.0.1", 1),
			       41000, 41010, NULL),
			 ==, 41000);
	/* UDP */
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_UDP, NULL, 1), 42000,
			       42010, NULL),
			 ==, 42001);
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_TCP, NULL, 1), 42000,
			       42010, NULL),
			 ==, 42000);
}

/**
 * ports_contiguous() - A range gets a contiguous free block
 */
static void ports_contiguous(void)
{
	lp_autofd int a = occupy(IPPROTO_TCP, "127.0.0.1", 40002);
	lp_autofd int b = occupy(IPPROTO_TCP, "::1", 40007);
	unsigned int p;
	int i;

	p = pick1(lp_test_shim_block(IPPROTO_TCP, "127.0.0.1", 3), 40000, 40020,
		  NULL);
	g_assert_cmpuint(p, ==, 40003);
	p = pick1(lp_test_shim_block(IPPROTO_TCP, NULL, 5), 40000, 40020, NULL);
	g_assert_cmpuint(p, ==, 40008);
	for (i = 0; i < 5; i++) {
		g_assert_cmpint(lp_core_ports_try_bind(IPPROTO_TCP,
						       &(LpAddr){AF_UNSPEC},
						       p + (unsigned int)i),
				==, 0);
	}
	g_assert_cmpint(lp_core_ports_try_bind(IPPROTO_TCP,
					       &(LpAddr){AF_UNSPEC}, 40007),
			==, -EADDRINUSE);
}

/**
 * ports_wrap() - The search wraps around; a block never passes the window
 */
static void ports_wrap(void)
{
	LpCorePortWindow w = {.lo = 40000, .hi = 40003, .start = 40003};
	LpCoreBlock b = lp_test_shim_block(IPPROTO_TCP, "127.0.0.1", 2);
	lp_autofd int a = occupy(IPPROTO_TCP, "127.0.0.1", 40000);
	uint16_t port = 0;

	g_assert_true(lp_core_ports_pick(&w, &b, 1, &port, NULL));
	g_assert_cmpuint(port, ==, 40001);
	w.start = 40002;
	g_assert_true(lp_core_ports_pick(&w, &b, 1, &port, NULL));
	g_assert_cmpuint(port, ==, 40002);
}

/**
 * used_40000s() - LpCorePortUsedFn: 40000-40004 TCP are named in argv
 * @proto:	Protocol
 * @port:	Port
 * @data:	Unused
 *
 * Return: true for those
 */
static bool used_40000s(int proto, unsigned int port, void *data)
{
	return proto == IPPROTO_TCP && port >= 40000 && port <= 40004;
}

/**
 * ports_used_and_several() - Argv ports are avoided; blocks do not overlap
 */
static void ports_used_and_several(void)
{
	LpCorePortWindow w = {
		.lo = 40000, .hi = 40100, .start = 40000, .used = used_40000s};
	LpCoreBlock b[] = {
		lp_test_shim_block(IPPROTO_TCP, NULL, 2),
		lp_test_shim_block(IPPROTO_TCP, "127.0.0.1", 3),
		lp_test_shim_block(IPPROTO_UDP, NULL, 2),
		lp_test_shim_block(IPPROTO_TCP, "::1", 1),
	};
	uint16_t port[G_N_ELEMENTS(b)] = {0};

	g_assert_true(lp_core_ports_pick(&w, b, G_N_ELEMENTS(b), port, NULL));
	g_assert_cmpuint(port[0], ==, 40005);
	g_assert_cmpuint(port[1], ==, 40007);
	g_assert_cmpuint(port[2], ==, 40000);
	g_assert_cmpuint(port[3], ==, 40010);
}

/**
 * ports_exhausted() - No free block, or an address that is not ours
 */
static void ports_exhausted(void)
{
	lp_autofd int a = occupy(IPPROTO_UDP, "127.0.0.1", 40000);
	lp_autofd int b = occupy(IPPROTO_UDP, "127.0.0.1", 40002);
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_UDP, NULL, 2), 40000,
			       40003, &error),
			 ==, 0);
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_PORTS);
	g_assert_nonnull(strstr(error->message, "no 2 free udp ports"));
	g_clear_error(&error);
	g_assert_cmpuint(pick1(lp_test_shim_block(IPPROTO_TCP, "192.0.2.1", 1),
			       40000, 40003, &error),
			 ==, 0);
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_PORTS);
	g_assert_nonnull(strstr(error->message, "cannot bind host address "
						"192.0.2.1"));
}

/**
 * test_ports_window() - Default windows: above the ephemeral range, or all
 */
static void test_ports_window(void)
{
	g_autofree char *text = NULL;
	unsigned int first = 32768, last = 60999;
	LpCorePortWindow w;
	int i;

	if (g_file_get_contents("/proc/sys/net/ipv4/ip_local_port_range", &text,
				NULL, NULL))
		g_assert_cmpint(sscanf(text, "%u %u", &first, &last), ==, 2);
	for (i = 0; i < 100; i++) {
		lp_core_ports_window(UNPRIV, true, &w);
		g_assert_cmpuint(w.lo, ==, MIN(MAX(last + 1, UNPRIV), 65535U));
		g_assert_cmpuint(w.hi, ==, 65535);
		g_assert_cmpuint(w.start, >=, w.lo);
		g_assert_cmpuint(w.start, <=, w.hi);
		g_assert_null(w.used);
		lp_core_ports_window(UNPRIV, false, &w);
		g_assert_cmpuint(w.lo, ==, UNPRIV);
		g_assert_cmpuint(w.start, >=, UNPRIV);
	}
	lp_core_ports_window(0, false, &w);
	g_assert_cmpuint(w.lo, ==, 1);
}

/* ---- Finding and running the real pasta ---- */

/**
 * file_id() - Identity of a file
 * @path:	File
 *
 * Return: its LpCoreFileId
 */
static LpCoreFileId file_id(const char *path)
{
	struct stat st;

	g_assert_no_errno(stat(path, &st));
	return (LpCoreFileId){st.st_dev, st.st_ino};
}

/**
 * test_search() - Next executable "pasta" that is not a shim
 */
static void test_search(void)
{
	g_autofree char *tmp = g_dir_make_tmp("lp-shim-XXXXXX", NULL);
	g_autofree char *d1 = g_build_filename(tmp, "noexec", NULL);
	g_autofree char *d2 = g_build_filename(tmp, "shim", NULL);
	g_autofree char *d3 = g_build_filename(tmp, "link", NULL);
	g_autofree char *d4 = g_build_filename(tmp, "real", NULL);
	g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL, *p4 = NULL;
	g_autofree char *found = NULL, *path_env = NULL;
	g_autoptr(GArray) skip = g_array_new(FALSE, TRUE, sizeof(LpCoreFileId));
	LpCoreFileId id;

	g_assert_no_errno(g_mkdir(d1, 0755));
	g_assert_no_errno(g_mkdir(d2, 0755));
	g_assert_no_errno(g_mkdir(d3, 0755));
	g_assert_no_errno(g_mkdir(d4, 0755));
	p1 = lp_test_shim_make_file(d1, "pasta", "#!/bin/sh\n", 0644);
	p2 = lp_test_shim_make_file(d2, "pasta", "#!/bin/sh\n", 0755);
	p3 = g_build_filename(d3, "pasta", NULL);
	g_assert_no_errno(symlink(p2, p3));
	p4 = lp_test_shim_make_file(d4, "pasta", "#!/bin/sh\n", 0755);
	id = file_id(p2);
	g_array_append_val(skip, id);

	{
		const char *dirs[] = {"", "relative/dir", d1, d2, d3, d4, NULL};

		found = lp_core_find_search("pasta", dirs, NULL, skip);
		g_assert_cmpstr(found, ==, p4);
		g_clear_pointer(&found, g_free);
	}
	{
		const char *dirs[] = {d1, d2, NULL};

		path_env = g_strjoin(":", "", ".", d3, d4, NULL);
		found = lp_core_find_search("pasta", dirs, path_env, skip);
		g_assert_cmpstr(found, ==, p4);
		g_clear_pointer(&found, g_free);
		g_assert_null(lp_core_find_search("pasta", dirs, d3, skip));
		g_assert_null(lp_core_find_search("pasta", NULL, NULL, skip));
		/* without the skip list the shim would be found first */
		g_array_set_size(skip, 0);
		found = lp_core_find_search("pasta", dirs, NULL, skip);
		g_assert_cmpstr(found, ==, p2);
	}
	g_unlink(p1);
	g_unlink(p2);
	g_unlink(p3);
	g_unlink(p4);
	g_rmdir(d1);
	g_rmdir(d2);
	g_rmdir(d3);
	g_rmdir(d4);
	g_rmdir(tmp);
}

/**
 * test_find_pasta() - $LOWPORT_REAL_PASTA, policy real-pasta, refusals
 */
static void test_find_pasta(void)
{
	g_autofree char *tmp = g_dir_make_tmp("lp-shim-XXXXXX", NULL);
	g_autofree char *real =
		lp_test_shim_make_file(tmp, "real", "#!/bin/sh\n", 0755);
	g_autofree char *noexec =
		lp_test_shim_make_file(tmp, "noexec", "x", 0644);
	g_autofree char *conf = NULL, *found = NULL, *seen = NULL;
	g_autoptr(GArray) self = lp_core_find_self_ids();
	g_autoptr(GArray) again = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text =
		g_strdup_printf("[lowport]\nreal-pasta = %s\n", real);

	/* this test binary plays the shim: /proc/self/exe is first */
	g_assert_cmpuint(self->len, >=, 1);
	conf = lp_test_shim_make_file(tmp, "lowport.conf", text, 0644);

	g_setenv(LP_FRONT_PASTA_ENV_REAL, real, TRUE);
	found = lp_core_find_real(&lp_front_pasta_helper, self, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(found, ==, real);
	g_clear_pointer(&found, g_free);

	g_setenv(LP_FRONT_PASTA_ENV_REAL, "/proc/self/exe", TRUE);
	g_assert_null(lp_core_find_real(&lp_front_pasta_helper, self, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL);
	g_assert_nonnull(strstr(error->message, "is the lowport pasta shim"));
	g_clear_error(&error);

	g_setenv(LP_FRONT_PASTA_ENV_REAL, noexec, TRUE);
	g_assert_null(lp_core_find_real(&lp_front_pasta_helper, self, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL);
	g_clear_error(&error);

	g_unsetenv(LP_FRONT_PASTA_ENV_REAL);
	g_setenv(LP_CORE_ENV_POLICY, conf, TRUE);
	found = lp_core_find_real(&lp_front_pasta_helper, self, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(found, ==, real);
	g_unsetenv(LP_CORE_ENV_POLICY);

	/* LOWPORT_SHIM_SEEN round trip */
	seen = lp_core_find_seen_env(self);
	g_setenv(LP_CORE_ENV_SEEN, "junk,1:2,x:y", TRUE);
	again = lp_core_find_self_ids();
	g_assert_cmpuint(again->len, ==, 2);
	g_assert_cmpuint(g_array_index(again, LpCoreFileId, 1).ino, ==, 2);
	g_setenv(LP_CORE_ENV_SEEN, seen, TRUE);
	g_array_unref(g_steal_pointer(&again));
	again = lp_core_find_self_ids();
	g_assert_cmpuint(again->len, ==, self->len);
	g_unsetenv(LP_CORE_ENV_SEEN);

	g_unlink(real);
	g_unlink(noexec);
	g_unlink(conf);
	g_rmdir(tmp);
}

/**
 * run_argv() - Run a program through lp_core_spawn_run(), argv only
 * @path:	Binary
 * @argv:	Arguments, argv[0] included
 * @timeout_ms:	Bound
 * @ret:	Result
 * @error:	Error
 *
 * Return: as lp_core_spawn_run()
 */
static gboolean run_argv(const char *path, char **argv, unsigned int timeout_ms,
			 LpCoreRun *ret, GError **error)
{
	LpCoreCmd cmd = {.name = "pasta", .argv = argv, .ready_fd = -1};

	return lp_core_spawn_run(path, &cmd, timeout_ms, ret, error);
}

/**
 * run_sh() - Run a shell command through run_argv()
 * @cmd:	Command
 * @timeout_ms:	Bound
 * @ret:	Result
 * @error:	Error
 *
 * Return: as run_argv()
 */
static gboolean run_sh(const char *cmd, unsigned int timeout_ms, LpCoreRun *ret,
		       GError **error)
{
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};

	return run_argv("/bin/sh", argv, timeout_ms, ret, error);
}

/**
 * test_run() - Exit codes, combined output, daemonized children, hangs
 */
static void test_run(void)
{
	LpCoreRun run = {0};
	g_autoptr(GError) error = NULL;
	gint64 t;

	g_assert_true(
		run_sh("echo out; echo err >&2; exit 3", 5000, &run, NULL));
	g_assert_cmpint(run.status, ==, 3);
	lp_test_shim_output_is(&run, "out\nerr\n");
	lp_core_spawn_run_clear(&run);

	g_assert_true(run_sh("kill -9 $$", 5000, &run, NULL));
	g_assert_cmpint(run.status, ==, 128 + SIGKILL);
	lp_core_spawn_run_clear(&run);

	/* like pasta: the daemonized child writes, then lets the pipe go */
	g_assert_true(run_sh("(sleep 0.3; echo late; exec >/dev/null 2>&1; "
			     "sleep 0.2) & exit 0",
			     5000, &run, NULL));
	g_assert_cmpint(run.status, ==, 0);
	lp_test_shim_output_is(&run, "late\n");
	lp_core_spawn_run_clear(&run);

	/* a child keeping the pipe is waited for a bounded time only */
	t = g_get_monotonic_time();
	g_assert_true(run_sh("sleep 4 & echo x; exit 0", 10000, &run, NULL));
	t = g_get_monotonic_time() - t;
	g_assert_cmpint(run.status, ==, 0);
	lp_test_shim_output_is(&run, "x\n");
	g_assert_cmpint(t, >=, (LP_CORE_PIPE_GRACE_MS - 100) * 1000);
	g_assert_cmpint(t, <, 3900 * 1000);
	lp_core_spawn_run_clear(&run);

	/* output is bounded */
	g_assert_true(run_sh("head -c 200000 /dev/zero", 5000, &run, NULL));
	g_assert_cmpuint(run.output->len, ==, LP_CORE_OUTPUT_MAX);
	lp_core_spawn_run_clear(&run);

	/* a pasta that never finishes starting is killed */
	g_assert_false(run_sh("sleep 30", 300, &run, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL);
	g_clear_error(&error);
	lp_core_spawn_run_clear(&run);

	g_assert_false(run_argv("/nonexistent/pasta", (char *[]){"pasta", NULL},
				1000, &run, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL);
	g_assert_nonnull(strstr(error->message, "/nonexistent/pasta"));
	lp_core_spawn_run_clear(&run);
}

/**
 * test_stop() - SIGTERM, and SIGKILL for a process ignoring it
 */
static void test_stop(void)
{
	const char *const cmds[] = {
		"exec sleep 30", "trap '' TERM; while :; do sleep 0.1; done"};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cmds); i++) {
		pid_t pid = fork();
		lp_autofd int pidfd = -1;
		struct pollfd pfd;
		int status;

		g_assert_cmpint(pid, >=, 0);
		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", cmds[i], (char *)NULL);
			_exit(127);
		}
		pidfd = pidfd_open(pid, 0);
		g_assert_cmpint(pidfd, >=, 0);
		g_usleep(200 * 1000); /* let sh set its trap */
		g_assert_cmpint(lp_core_reap_stop(pidfd, 1000), ==, 0);
		pfd = (struct pollfd){pidfd, POLLIN, 0};
		g_assert_cmpint(poll(&pfd, 1, 0), ==, 1);
		g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
		g_assert_true(WIFSIGNALED(status));
		g_assert_cmpint(WTERMSIG(status), ==, i ? SIGKILL : SIGTERM);
		/* already gone: nothing to do */
		g_assert_cmpint(lp_core_reap_stop(pidfd, 1000), ==, 0);
	}
}

/**
 * test_lease_mappings() - One mapping per block, on its backend block
 */
static void test_lease_mappings(void)
{
	g_autoptr(GArray) blocks =
		g_array_new(FALSE, TRUE, sizeof(LpCoreBlock));
	const uint16_t backend[] = {61080, 40000};
	g_autoptr(GArray) m = NULL;
	LpCoreBlock b = lp_test_shim_block(IPPROTO_TCP, NULL, 1);
	const LpMapping *x;

	g_array_append_val(blocks, b);
	b = lp_test_shim_block(IPPROTO_UDP, "::1", 4);
	b.host_port = 440;
	g_array_append_val(blocks, b);
	m = lp_core_lease_mappings(blocks, backend);
	g_assert_cmpuint(m->len, ==, 2);
	x = &g_array_index(m, LpMapping, 0);
	g_assert_cmpuint(x->proto, ==, IPPROTO_TCP);
	g_assert_true(lp_addr_equal(&x->addr, &LP_ADDR_ALL));
	g_assert_cmpuint(x->host_port, ==, 80);
	g_assert_cmpuint(x->backend_port, ==, 61080);
	g_assert_cmpuint(x->range, ==, 1);
	x = &g_array_index(m, LpMapping, 1);
	g_assert_cmpuint(x->proto, ==, IPPROTO_UDP);
	g_assert_true(lp_addr_equal(&x->addr, &b.addr));
	g_assert_cmpuint(x->host_port, ==, 440);
	g_assert_cmpuint(x->backend_port, ==, 40000);
	g_assert_cmpuint(x->range, ==, 4);
}

/**
 * test_find_helper() - Another helper by name: helper directories only
 */
static void test_find_helper(void)
{
	static const LpCoreHelper rp = {
		.name = "rootlessport",
		.package = "podman",
		.search_path = false,
		.policy_key = "real-rootlessport",
	};
	g_autofree char *tmp = g_dir_make_tmp("lp-shim-XXXXXX", NULL);
	g_autofree char *d1 = g_build_filename(tmp, "helpers", NULL);
	g_autofree char *d2 = g_build_filename(tmp, "bin", NULL);
	g_autofree char *a = NULL, *b = NULL, *env = NULL, *found = NULL;
	g_autoptr(GArray) self = g_array_new(FALSE, TRUE, sizeof(LpCoreFileId));
	g_autofree char *path = g_strdup(g_getenv("PATH"));
	g_autoptr(GError) error = NULL;

	env = lp_core_find_env_name(&rp);
	g_assert_cmpstr(env, ==, "LOWPORT_REAL_ROOTLESSPORT");
	g_assert_no_errno(g_mkdir(d1, 0755));
	g_assert_no_errno(g_mkdir(d2, 0755));
	b = lp_test_shim_make_file(d2, "rootlessport", "#!/bin/sh\n", 0755);
	g_setenv("PATH", d2, TRUE);
	g_setenv("CONTAINERS_HELPER_BINARY_DIR", d1, TRUE);
	g_unsetenv(env);

	/* only in $PATH: Podman would not find it there, nor do we */
	g_assert_null(lp_core_find_real(&rp, self, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL);
	g_assert_nonnull(strstr(error->message, "real rootlessport"));
	g_assert_nonnull(strstr(error->message, "helper directories);"));
	g_assert_nonnull(strstr(error->message, "real-rootlessport"));
	g_clear_error(&error);

	a = lp_test_shim_make_file(d1, "rootlessport", "#!/bin/sh\n", 0755);
	found = lp_core_find_real(&rp, self, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(found, ==, a);
	g_clear_pointer(&found, g_free);

	g_setenv(env, b, TRUE);
	found = lp_core_find_real(&rp, self, &error);
	g_assert_cmpstr(found, ==, b);
	g_unsetenv(env);
	g_unsetenv("CONTAINERS_HELPER_BINARY_DIR");
	g_setenv("PATH", path, TRUE);
	g_unlink(a);
	g_unlink(b);
	g_rmdir(d1);
	g_rmdir(d2);
	g_rmdir(tmp);
}

int main(int argc, char **argv)
{
	lp_test_shim_have_netns = lp_test_shim_probe_netns();
	g_test_init(&argc, &argv, NULL);

	g_test_add_data_func("/shim/ports/skip-taken", ports_skip_taken,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/ports/contiguous", ports_contiguous,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/ports/wrap", ports_wrap,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/ports/used-and-several",
			     ports_used_and_several, lp_test_shim_in_netns);
	g_test_add_data_func("/shim/ports/exhausted", ports_exhausted,
			     lp_test_shim_in_netns);
	g_test_add_func("/shim/ports/window", test_ports_window);
	g_test_add_func("/shim/exec/search", test_search);
	g_test_add_func("/shim/exec/find-pasta", test_find_pasta);
	g_test_add_func("/shim/exec/run", test_run);
	g_test_add_func("/shim/exec/stop", test_stop);
	g_test_add_func("/shim/core/lease-mappings", test_lease_mappings);
	g_test_add_func("/shim/core/find-helper", test_find_helper);

	return g_test_run();
}
