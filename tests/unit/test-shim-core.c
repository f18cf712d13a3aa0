// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-shim-core.c - shim core: backend port picking against real sockets,
 * finding the real helper, running it (stdin, passed and ready
 * descriptors), stopping it, and a whole forward through a test front
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
 * block() - Make a block
 * @proto:	Protocol
 * @addr:	Address text, or NULL for every address
 * @size:	Ports
 *
 * Return: the block
 */
static LpCoreBlock block(int proto, const char *addr, uint16_t size)
{
	LpCoreBlock b = {.proto = proto,
			 .addr = LP_ADDR_ALL,
			 .size = size,
			 .host_port = 80};

	if (addr)
		g_assert_cmpint(lp_addr_parse(addr, &b.addr), ==, 0);
	return b;
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

	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "127.0.0.1", 1), 40000, 40010, NULL),
		==, 40001);
	/* every address covers 127.0.0.1 */
	g_assert_cmpuint(pick1(block(IPPROTO_TCP, NULL, 1), 40000, 40010, NULL),
			 ==, 40001);
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "0.0.0.0", 1), 40000, 40010, NULL), ==,
		40001);
	/* other address, other family, other protocol: free */
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "127.0.0.2", 1), 40000, 40010, NULL),
		==, 40000);
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "::1", 1), 40000, 40010, NULL), ==,
		40000);
	g_assert_cmpuint(
		pick1(block(IPPROTO_UDP, "127.0.0.1", 1), 40000, 40010, NULL),
		==, 40000);
	/* IPv6 */
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "::1", 1), 41000, 41010, NULL), ==,
		41001);
	g_assert_cmpuint(pick1(block(IPPROTO_TCP, "::", 1), 41000, 41010, NULL),
			 ==, 41001);
	g_assert_cmpuint(pick1(block(IPPROTO_TCP, NULL, 1), 41000, 41010, NULL),
			 ==, 41001);
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "127.0.0.1", 1), 41000, 41010, NULL),
		==, 41000);
	/* UDP */
	g_assert_cmpuint(pick1(block(IPPROTO_UDP, NULL, 1), 42000, 42010, NULL),
			 ==, 42001);
	g_assert_cmpuint(pick1(block(IPPROTO_TCP, NULL, 1), 42000, 42010, NULL),
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

	p = pick1(block(IPPROTO_TCP, "127.0.0.1", 3), 40000, 40020, NULL);
	g_assert_cmpuint(p, ==, 40003);
	p = pick1(block(IPPROTO_TCP, NULL, 5), 40000, 40020, NULL);
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
	LpCoreBlock b = block(IPPROTO_TCP, "127.0.0.1", 2);
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
		block(IPPROTO_TCP, NULL, 2),
		block(IPPROTO_TCP, "127.0.0.1", 3),
		block(IPPROTO_UDP, NULL, 2),
		block(IPPROTO_TCP, "::1", 1),
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

	g_assert_cmpuint(
		pick1(block(IPPROTO_UDP, NULL, 2), 40000, 40003, &error), ==,
		0);
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_PORTS);
	g_assert_nonnull(strstr(error->message, "no 2 free udp ports"));
	g_clear_error(&error);
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "192.0.2.1", 1), 40000, 40003, &error),
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
 * output_is() - Compare a run's output with a string
 * @run:	Result
 * @text:	Expected output
 */
static void output_is(const LpCoreRun *run, const char *text)
{
	g_autofree char *s =
		g_strndup((const char *)run->output->data, run->output->len);

	g_assert_cmpstr(s, ==, text);
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
	output_is(&run, "out\nerr\n");
	lp_core_spawn_run_clear(&run);

	g_assert_true(run_sh("kill -9 $$", 5000, &run, NULL));
	g_assert_cmpint(run.status, ==, 128 + SIGKILL);
	lp_core_spawn_run_clear(&run);

	/* like pasta: the daemonized child writes, then lets the pipe go */
	g_assert_true(run_sh("(sleep 0.3; echo late; exec >/dev/null 2>&1; "
			     "sleep 0.2) & exit 0",
			     5000, &run, NULL));
	g_assert_cmpint(run.status, ==, 0);
	output_is(&run, "late\n");
	lp_core_spawn_run_clear(&run);

	/* a child keeping the pipe is waited for a bounded time only */
	t = g_get_monotonic_time();
	g_assert_true(run_sh("sleep 4 & echo x; exit 0", 10000, &run, NULL));
	t = g_get_monotonic_time() - t;
	g_assert_cmpint(run.status, ==, 0);
	output_is(&run, "x\n");
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

/* ---- What the next fronts need: stdin, passed and ready descriptors ---- */

/* Descriptor numbers a test gives the helper, like rootlessport's 3 and 4 */
#define TEST_PASS_FD  3
#define TEST_READY_FD 4

/**
 * sh_cmd() - A command running a shell script
 * @script:	Script
 * @input:	stdin bytes, NULL to inherit
 *
 * Return: the command; lp_core_spawn_cmd_clear() it
 */
static LpCoreCmd sh_cmd(const char *script, const char *input)
{
	LpCoreCmd cmd = {.name = "sh", .ready_fd = -1};
	char *argv[] = {"sh", "-c", (char *)script, NULL};

	cmd.argv = g_strdupv(argv);
	if (input)
		cmd.input = g_bytes_new(input, strlen(input));
	return cmd;
}

/**
 * read_all() - Read a descriptor until end of file
 * @fd:		Descriptor
 *
 * Return: what it held (g_free() it)
 */
static char *read_all(int fd)
{
	GString *s = g_string_new(NULL);
	char buf[256];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		g_string_append_len(s, buf, n);
	g_assert_cmpint(n, ==, 0);
	return g_string_free(s, FALSE);
}

/**
 * test_spawn_input() - stdin bytes reach the helper, then end of file
 */
static void test_spawn_input(void)
{
	static const char json[] = "{\"Mappings\":[{\"host_port\":80}],"
				   "\"ExitFD\":3,\"ReadyFD\":4}";
	LpCoreCmd cmd = sh_cmd("cat; echo; cat", json);
	LpCoreRun run = {0};

	g_assert_true(lp_core_spawn_run("/bin/sh", &cmd, 5000, &run, NULL));
	g_assert_cmpint(run.status, ==, 0);
	g_assert_false(run.ready);
	output_is(&run, "{\"Mappings\":[{\"host_port\":80}],\"ExitFD\":3,"
			"\"ReadyFD\":4}\n");
	lp_core_spawn_run_clear(&run);
	lp_core_spawn_cmd_clear(&cmd);
}

/**
 * pipe_high() - A close-on-exec pipe whose ends are above the numbers
 * tests give the helper
 * @p:	Read and write end
 */
static void pipe_high(int p[2])
{
	int q[2], i;

	g_assert_no_errno(pipe2(q, O_CLOEXEC));
	for (i = 0; i < 2; i++) {
		p[i] = fcntl(q[i], F_DUPFD_CLOEXEC, 10);
		g_assert_cmpint(p[i], >=, 10);
		close(q[i]);
	}
}

/**
 * test_spawn_pass_fds() - A passed descriptor reaches the helper as it is
 *
 * In a subprocess: the descriptor takes number TEST_PASS_FD there.
 */
static void test_spawn_pass_fds(void)
{
	g_autofree char *got = NULL;
	LpCoreCmd cmd;
	LpCoreRun run = {0};
	int p[2];

	if (!g_test_subprocess()) {
		g_test_trap_subprocess(NULL, 30 * G_USEC_PER_SEC,
				       G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
		return;
	}
	pipe_high(p);
	g_assert_no_errno(dup3(p[1], TEST_PASS_FD, O_CLOEXEC));
	close(p[1]);
	cmd = sh_cmd("echo exit-fd >&3 && echo ok", NULL);
	cmd.pass_fds[cmd.n_pass_fds++] = TEST_PASS_FD;
	g_assert_true(lp_core_spawn_run("/bin/sh", &cmd, 5000, &run, NULL));
	g_assert_cmpint(run.status, ==, 0);
	output_is(&run, "ok\n");
	close(TEST_PASS_FD);
	got = read_all(p[0]);
	g_assert_cmpstr(got, ==, "exit-fd\n");
	lp_core_spawn_run_clear(&run);
	lp_core_spawn_cmd_clear(&cmd);

	/* without it, the same number is closed in the helper */
	pipe_high(p);
	g_assert_no_errno(dup3(p[1], TEST_PASS_FD, O_CLOEXEC));
	cmd = sh_cmd("{ echo exit-fd >&3; } 2>/dev/null || echo closed", NULL);
	g_assert_true(lp_core_spawn_run("/bin/sh", &cmd, 5000, &run, NULL));
	output_is(&run, "closed\n");
	lp_core_spawn_run_clear(&run);
	lp_core_spawn_cmd_clear(&cmd);
}

/**
 * test_spawn_ready() - A ready byte ends the run, the helper keeps running
 */
static void test_spawn_ready(void)
{
	LpCoreCmd cmd = sh_cmd("echo starting; printf 1 >&4; exec >/dev/null "
			       "2>&1; exec sleep 30",
			       NULL);
	LpCoreRun run = {0};

	cmd.ready_fd = TEST_READY_FD;
	g_assert_true(lp_core_spawn_run("/bin/sh", &cmd, 5000, &run, NULL));
	g_assert_true(run.ready);
	g_assert_cmpuint(run.ready_bytes->len, ==, 1);
	g_assert_cmpint(run.ready_bytes->data[0], ==, '1');
	output_is(&run, "starting\n");
	g_assert_cmpint(run.pid, >, 0);
	g_assert_cmpint(lp_pidfd_is_alive(run.pidfd), ==, 1);
	g_assert_cmpint(lp_core_reap_stop(run.pidfd, 2000), ==, 0);
	g_assert_cmpint(waitpid(run.pid, NULL, 0), ==, run.pid);
	lp_core_spawn_run_clear(&run);
	lp_core_spawn_cmd_clear(&cmd);

	/* exit before ready: a failed run, its status and output */
	cmd = sh_cmd("echo 'cannot expose port 80' ; exit 4", NULL);
	cmd.ready_fd = TEST_READY_FD;
	g_assert_true(lp_core_spawn_run("/bin/sh", &cmd, 5000, &run, NULL));
	g_assert_false(run.ready);
	g_assert_cmpint(run.status, ==, 4);
	g_assert_cmpint(run.pidfd, ==, -1);
	output_is(&run, "cannot expose port 80\n");
	lp_core_spawn_run_clear(&run);
	lp_core_spawn_cmd_clear(&cmd);

	/* closing the ready descriptor without a byte is not ready */
	cmd = sh_cmd("exec 4>&-; sleep 0.2; exit 0", NULL);
	cmd.ready_fd = TEST_READY_FD;
	g_assert_true(lp_core_spawn_run("/bin/sh", &cmd, 5000, &run, NULL));
	g_assert_false(run.ready);
	g_assert_cmpint(run.status, ==, 0);
	lp_core_spawn_run_clear(&run);
	lp_core_spawn_cmd_clear(&cmd);
}

/**
 * test_spawn_exec() - A pass-through replays the stdin bytes read so far
 */
static void test_spawn_exec(void)
{
	g_autofree char *got = NULL;
	int p[2], status;
	pid_t pid;

	g_assert_no_errno(pipe2(p, O_CLOEXEC));
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		LpCoreCmd cmd = sh_cmd("cat", "{\"ContainerID\":\"c0\"}");

		if (dup2(p[1], STDOUT_FILENO) < 0)
			_exit(90);
		lp_core_spawn_exec("/bin/sh", &cmd);
		_exit(91);
	}
	close(p[1]);
	got = read_all(p[0]);
	close(p[0]);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	g_assert_cmpstr(got, ==, "{\"ContainerID\":\"c0\"}");
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
	LpCoreBlock b = block(IPPROTO_TCP, NULL, 1);
	const LpMapping *x;

	g_array_append_val(blocks, b);
	b = block(IPPROTO_UDP, "::1", 4);
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

/* ---- A whole forward through a test front with a ready gate ---- */

/* What the test front's helper gets on stdin */
#define GATE_INPUT "{\"Mappings\":[{\"host_port\":80,\"container_port\":80}]}"

/*
 * GateFront - a front like rootlessport: config on stdin, ExitFD passed
 * through, ReadyFD gated, the lease on the helper itself
 * @core:	Core state (first)
 * @script:	Shell script the helper runs
 */
typedef struct {
	LpCoreFront core;
	const char *script;
} GateFront;

/**
 * gate_command() - LpCoreFrontOps.command: the script, stdin, descriptors
 * @f:		Core state of a GateFront
 * @backend:	Backend ports (the script gets the first as $1)
 * @cmd:	Command to fill
 * @error:	Unused
 *
 * Return: TRUE
 */
static gboolean gate_command(LpCoreFront *f, const uint16_t *backend,
			     LpCoreCmd *cmd, GError **error)
{
	g_autofree char *port = g_strdup_printf("%u", backend[0]);
	char *argv[] = {"sh", "-c", (char *)((GateFront *)f)->script,
			"sh", port, NULL};

	(void)error;
	cmd->argv = g_strdupv(argv);
	cmd->input = g_bytes_new_static(GATE_INPUT, strlen(GATE_INPUT));
	cmd->pass_fds[cmd->n_pass_fds++] = TEST_PASS_FD;
	cmd->ready_fd = TEST_READY_FD;
	return TRUE;
}

static const LpCoreFrontOps gate_ops = {.command = gate_command};

static const LpCoreHelper gate_helper = {
	.name = "sh",
	.package = "dash",
	.policy_key = "real-sh",
};

/*
 * Gate - one forward through the GateFront, as a test sees it
 * @dir:	Temporary directory (socket, report, helper's files)
 * @l:		Stand-in lowportd
 * @ready:	Read end of "Podman's" ready pipe (our TEST_READY_FD)
 * @exitfd:	Read end of the pipe passed as TEST_PASS_FD
 * @lowportd:	Stand-in lowportd's PID
 */
typedef struct {
	char *dir;
	LpTestLowportd l;
	int ready;
	int exitfd;
	pid_t lowportd;
} Gate;

/**
 * gate_setup() - Stand-in lowportd, pipes on TEST_PASS_FD/TEST_READY_FD
 * @g:		Gate to fill
 * @code:	lowportd's answer: refusal code, LP_ERR_MAX to grant
 */
static void gate_setup(Gate *g, LpErrorCode code)
{
	int p[2];

	g->dir = g_dir_make_tmp("lp-shim-gate-XXXXXX", NULL);
	g->l.sock = g_build_filename(g->dir, "lowportd.sock", NULL);
	g->l.report = g_build_filename(g->dir, "report", NULL);
	g->l.count = g_build_filename(g->dir, "count", NULL);
	g_setenv("LOWPORT_SOCKET", g->l.sock, TRUE);
	g_setenv("LOWPORT_REAL_SH", "/bin/sh", TRUE);
	g_setenv(LP_CORE_ENV_POLICY, "/nonexistent", TRUE);
	g->lowportd = lp_test_shim_lowportd(&g->l, 0, code);
	pipe_high(p);
	g_assert_no_errno(dup2(p[1], TEST_READY_FD));
	close(p[1]);
	g->ready = p[0];
	pipe_high(p);
	g_assert_no_errno(dup2(p[1], TEST_PASS_FD));
	close(p[1]);
	g->exitfd = p[0];
}

/**
 * gate_forward() - lp_core_forward() through a GateFront
 * @g:		Gate
 * @script:	The helper's script
 * @ret:	Front after the forward; lp_core_clear() it
 * @error:	As lp_core_forward()
 *
 * Return: as lp_core_forward()
 */
static gboolean gate_forward(Gate *g, const char *script, GateFront *ret,
			     GError **error)
{
	LpCoreBlock b = block(IPPROTO_TCP, NULL, 1);

	(void)g;
	lp_core_init(&ret->core, &gate_ops, &gate_helper, UNPRIV);
	ret->script = script;
	ret->core.netns = "/run/user/1000/netns/gate";
	g_array_append_val(ret->core.blocks, b);
	g_assert_true(lp_core_locate(&ret->core, NULL));
	g_assert_cmpstr(ret->core.real, ==, "/bin/sh");
	return lp_core_forward(&ret->core, error);
}

/**
 * readable() - Tell whether a descriptor has data or end of file now
 * @fd:	Descriptor
 *
 * Return: true if a read would not block
 */
static bool readable(int fd)
{
	struct pollfd pfd = {fd, POLLIN, 0};

	return poll(&pfd, 1, 0) == 1;
}

/**
 * gate_granted() - Granted: the ready byte passes only now, the lease is on
 * the helper, stdin and the passed descriptor reached it
 */
static void gate_granted(Gate *gp)
{
	g_autofree char *in = NULL, *report = NULL, *want = NULL, *got = NULL;
	g_autofree char *script = NULL;
	g_autoptr(GError) error = NULL;
	GateFront f;
	Gate g = *gp;

	in = g_build_filename(g.dir, "in", NULL);
	script = g_strdup_printf("cat > '%s'; echo exit-fd >&3; exec 3>&-; "
				 "printf 1 >&4; exec >/dev/null 2>&1; "
				 "exec sleep 30",
				 in);
	g_assert_true(gate_forward(&g, script, &f, &error));
	g_assert_no_error(error);
	g_assert_true(f.core.run.ready);

	/* the helper runs on the backend port; lowportd got its pidfd */
	g_assert_cmpint(lp_pidfd_is_alive(f.core.run.pidfd), ==, 1);
	g_assert_true(g_file_get_contents(g.l.report, &report, NULL, NULL));
	want = g_strdup_printf("netns=/run/user/1000/netns/gate\npid=%d\n"
			       "tcp 0.0.0.0/0 80 %u 1\n",
			       (int)f.core.run.pid, f.core.backend[0]);
	g_assert_cmpstr(report, ==, want);
	g_assert_cmpuint(f.core.backend[0], >=, UNPRIV);

	/* the ready byte went on, and our end is closed after it */
	got = read_all(g.ready);
	g_assert_cmpstr(got, ==, "1");
	g_clear_pointer(&got, g_free);
	close(TEST_PASS_FD);
	got = read_all(g.exitfd);
	g_assert_cmpstr(got, ==, "exit-fd\n");
	g_clear_pointer(&got, g_free);
	g_assert_true(g_file_get_contents(in, &got, NULL, NULL));
	g_assert_cmpstr(got, ==, GATE_INPUT);

	g_assert_cmpint(lp_core_reap_stop(f.core.run.pidfd, 2000), ==, 0);
	lp_core_clear(&f.core);
}

/**
 * gate_refused() - Refused: the ready byte is held back, the helper stopped
 */
static void gate_refused(Gate *gp)
{
	g_autoptr(GError) error = NULL;
	GateFront f;
	Gate g = *gp;

	g_assert_false(gate_forward(&g,
				    "cat >/dev/null; printf 1 >&4; "
				    "exec >/dev/null 2>&1; exec sleep 30",
				    &f, &error));
	g_assert_error(error, LP_REPLY_ERROR, LP_ERR_CONFLICT);
	g_assert_cmpstr(error->message, ==, LP_TEST_SHIM_REFUSAL);
	g_assert_true(f.core.run.ready);
	g_assert_cmpint(lp_pidfd_is_alive(f.core.run.pidfd), ==, 0);
	g_assert_false(readable(g.ready));
	lp_core_clear(&f.core);
}

/**
 * gate_helper_fails() - The helper exits before ready: no request at all
 */
static void gate_helper_fails(Gate *gp)
{
	g_autoptr(GError) error = NULL;
	GateFront f;
	Gate g = *gp;

	g_assert_true(gate_forward(&g, "echo 'listen tcp :80: denied'; exit 1",
				   &f, &error));
	g_assert_no_error(error);
	g_assert_false(f.core.run.ready);
	g_assert_cmpint(f.core.run.status, ==, 1);
	output_is(&f.core.run, "listen tcp :80: denied\n");
	g_assert_false(g_file_test(g.l.report, G_FILE_TEST_EXISTS));
	g_assert_false(readable(g.ready));
	lp_core_clear(&f.core);
}

/**
 * gate_run() - Run a gate case in a child, as the shim runs: it becomes a
 * subreaper and sweeps its children (not the stand-in lowportd, a sibling)
 * @code:	lowportd's answer: refusal code, LP_ERR_MAX to grant
 * @asks:	The case makes a request (else lowportd is stopped unasked)
 * @fn:		The case
 */
static void gate_run(LpErrorCode code, bool asks, void (*fn)(Gate *g))
{
	Gate g = {0};
	pid_t pid;
	int status;

	gate_setup(&g, code);
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		alarm(30);
		fn(&g);
		_exit(0);
	}
	/* only the child holds "Podman's" ends now */
	close(TEST_READY_FD);
	close(TEST_PASS_FD);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	if (!asks)
		kill(g.lowportd, SIGKILL);
	g_assert_cmpint(waitpid(g.lowportd, &status, 0), ==, g.lowportd);
	if (asks) {
		g_assert_true(WIFEXITED(status));
		g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	}
	close(g.ready);
	close(g.exitfd);
	lp_test_shim_rm_tree(g.dir);
	g_free(g.dir);
	g_free((char *)g.l.sock);
	g_free((char *)g.l.report);
	g_free((char *)g.l.count);
}

/**
 * test_gate_granted() - Granted through the ready gate (see gate_granted())
 */
static void test_gate_granted(void)
{
	gate_run(LP_ERR_MAX, true, gate_granted);
}

/**
 * test_gate_refused() - Refused at the ready gate (see gate_refused())
 */
static void test_gate_refused(void)
{
	gate_run(LP_ERR_CONFLICT, true, gate_refused);
}

/**
 * test_gate_helper_fails() - No ready byte (see gate_helper_fails())
 */
static void test_gate_helper_fails(void)
{
	gate_run(LP_ERR_MAX, false, gate_helper_fails);
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
	g_test_add_func("/shim/core/spawn-input", test_spawn_input);
	g_test_add_func("/shim/core/spawn-pass-fds", test_spawn_pass_fds);
	g_test_add_func("/shim/core/spawn-ready", test_spawn_ready);
	g_test_add_func("/shim/core/spawn-exec", test_spawn_exec);
	g_test_add_func("/shim/core/lease-mappings", test_lease_mappings);
	g_test_add_func("/shim/core/find-helper", test_find_helper);
	g_test_add_data_func("/shim/core/gate-granted", test_gate_granted,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/core/gate-refused", test_gate_refused,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/core/gate-helper-fails",
			     test_gate_helper_fails, lp_test_shim_in_netns);

	return g_test_run();
}
