// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-front-rootlessport.c - the rootlessport front as Podman runs it: a
 * stand-in rootlessport, a stand-in lowportd, the config on stdin, ExitFD 3
 * and ReadyFD 4
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "netutils/pidfd.h"
#include "netutils/util.h"
#include "shim/core.h"
#include "shim/core-listeners.h"
#include "shim/core-reap.h"
#include "shim/front-rootlessport.h"
#include "shim/rootlessport-config.h"
#include "test-listeners.h"
#include "test-shim.h"

/* A config as Podman 5.4 to 6.1 write it: port 80 and 8080, no newline */
#define RLP_CONFIG                                                             \
	"{\"Mappings\":[{\"host_ip\":\"\",\"container_port\":80,"              \
	"\"host_port\":80,\"range\":1,\"protocol\":\"tcp\"},"                  \
	"{\"host_ip\":\"\",\"container_port\":80,\"host_port\":8080,"          \
	"\"range\":1,\"protocol\":\"tcp\"}],"                                  \
	"\"NetNSPath\":\"/run/user/1000/netns/netns-rlp\",\"ExitFD\":3,"       \
	"\"ReadyFD\":4,\"TmpDir\":\"/run/user/1000/libpod/tmp\","              \
	"\"ChildIP\":\"10.89.0.2\",\"ContainerID\":\"0afb\","                  \
	"\"RootlessCNI\":true}"

/* The same with only the unprivileged port */
#define RLP_CONFIG_UNPRIV                                                      \
	"{\"Mappings\":[{\"host_ip\":\"\",\"container_port\":80,"              \
	"\"host_port\":8080,\"range\":1,\"protocol\":\"tcp\"}],"               \
	"\"NetNSPath\":\"/run/user/1000/netns/netns-rlp\",\"ExitFD\":3,"       \
	"\"ReadyFD\":4,\"Extra\":[1,{\"a\":null}]}"

/*
 * Rlp - one call of the front, as Podman makes it
 * @dir:	Temporary directory
 * @l:		Stand-in lowportd's files
 * @lowportd:	Its PID, 0 if not started
 * @out:	What the front wrote to stdout
 * @status:	Its exit status
 * @ready:	What came on the ready pipe before end of file
 * @exit_seen:	What the stand-in read from ExitFD (after we closed it)
 */
typedef struct {
	char *dir;
	LpTestLowportd l;
	pid_t lowportd;
	char *out;
	int status;
	char *ready;
} Rlp;

/**
 * rlp_setup() - Stand-in rootlessport running @script, stand-in lowportd
 * @r:		Call to set up
 * @script:	Shell script of the stand-in rootlessport ($D: the directory)
 * @code:	lowportd's answer, LP_ERR_MAX to grant, -1: no lowportd
 */
static void rlp_setup(Rlp *r, const char *script, int code)
{
	g_autofree char *text = NULL, *path = NULL;

	r->dir = g_dir_make_tmp("lp-front-rlp-XXXXXX", NULL);
	r->l.sock = g_build_filename(r->dir, "lowportd.sock", NULL);
	r->l.report = g_build_filename(r->dir, "report", NULL);
	r->l.count = g_build_filename(r->dir, "count", NULL);
	text = g_strdup_printf("#!/bin/sh\nD='%s'\n%s\n", r->dir, script);
	path = lp_test_shim_make_file(r->dir, "rootlessport", text, 0755);
	g_setenv(LP_FRONT_ROOTLESSPORT_ENV_REAL, path, TRUE);
	g_setenv(LP_CORE_ENV_POLICY, "/nonexistent", TRUE);
	g_setenv("LOWPORT_SOCKET", r->l.sock, TRUE);
	if (code >= 0)
		r->lowportd = lp_test_shim_lowportd(&r->l, 0, code);
}

/**
 * rlp_clear() - Remove a call's files
 * @r:	Call
 */
static void rlp_clear(Rlp *r)
{
	lp_test_shim_rm_tree(r->dir);
	g_free(r->dir);
	g_free((char *)r->l.sock);
	g_free((char *)r->l.report);
	g_free((char *)r->l.count);
	g_free(r->out);
	g_free(r->ready);
}

/**
 * read_all() - Read a descriptor to end of file
 * @fd:	Descriptor
 *
 * Return: what was read, g_free() it
 */
static char *read_all(int fd)
{
	GString *s = g_string_new(NULL);
	char buf[512];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		g_string_append_len(s, buf, n);
	return g_string_free(s, FALSE);
}

/**
 * rlp_run() - Run lp_front_rootlessport_main() in a child as Podman does:
 * @config on stdin, an ExitFD pipe on 3 (we hold the other end, like
 * conmon), a ReadyFD pipe on 4
 * @r:		Call, set up
 * @config:	The config
 * @exit_w:	Where the write end of ExitFD goes (caller closes)
 */
static void rlp_run(Rlp *r, const char *config, int *exit_w)
{
	int in[2], out[2], ex[2], rd[2], st;
	pid_t pid;

	g_assert_no_errno(pipe2(in, O_CLOEXEC));
	g_assert_no_errno(pipe2(out, O_CLOEXEC));
	g_assert_no_errno(pipe2(ex, O_CLOEXEC));
	g_assert_no_errno(pipe2(rd, O_CLOEXEC));
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		char *argv[] = {"rootlessport", NULL};

		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
		    dup2(ex[0], 3) < 0 || dup2(rd[1], 4) < 0)
			_exit(98);
		alarm(30);
		_exit(lp_front_rootlessport_main(1, argv));
	}
	close(in[0]);
	close(out[1]);
	close(ex[0]);
	close(rd[1]);
	g_assert_cmpint(write(in[1], config, strlen(config)), ==,
			(ssize_t)strlen(config));
	close(in[1]);
	/* Podman waits for the ready byte or the end; then for the exit */
	r->ready = read_all(rd[0]);
	close(rd[0]);
	r->out = read_all(out[0]);
	close(out[0]);
	g_assert_cmpint(waitpid(pid, &st, 0), ==, pid);
	g_assert_true(WIFEXITED(st));
	r->status = WEXITSTATUS(st);
	*exit_w = ex[1];
	if (r->lowportd) {
		g_assert_cmpint(waitpid(r->lowportd, &st, 0), ==, r->lowportd);
		g_assert_true(WIFEXITED(st));
	}
}

/**
 * report_pid() - The PID the stand-in lowportd got a pidfd of
 * @r:	Call, after a request
 *
 * Return: the PID
 */
static pid_t report_pid(const Rlp *r)
{
	g_autofree char *report = NULL;
	const char *p;

	g_assert_true(g_file_get_contents(r->l.report, &report, NULL, NULL));
	p = strstr(report, "pid=");
	g_assert_nonnull(p);
	return (pid_t)atoi(p + 4);
}

/**
 * test_granted() - Port 80 rewritten, 8080 and every other key kept; the
 * ready byte reaches Podman; the shim exits 0 while rootlessport runs on,
 * the lease follows rootlessport, which still has ExitFD
 */
static void test_granted(void)
{
	g_autofree char *got = NULL, *want = NULL, *in = NULL;
	g_autofree char *report = NULL;
	lp_autofd int pidfd = -1;
	Rlp r = {0};
	int exit_w;
	pid_t pid;

	rlp_setup(&r,
		  "cat > \"$D/in\"\n"
		  "printf 1 >&4\nexec 4>&-\nexec >/dev/null 2>&1\n"
		  "read x <&3\necho gone > \"$D/exit\"",
		  LP_ERR_MAX);
	rlp_run(&r, RLP_CONFIG, &exit_w);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "");
	g_assert_cmpstr(r.ready, ==, "1");

	pid = report_pid(&r);
	pidfd = lp_pidfd_open(pid);
	g_assert_cmpint(pidfd, >=, 0);
	g_assert_cmpint(lp_pidfd_is_alive(pidfd), ==, 1);
	g_assert_true(g_file_get_contents(r.l.report, &report, NULL, NULL));
	g_assert_nonnull(strstr(report, "netns=/run/user/1000/netns/"
					"netns-rlp\nfront=rootlessport\n"));
	g_assert_nonnull(strstr(report, "tcp 0.0.0.0/0 80 "));

	/* the config it got: only host_port 80 changed */
	g_assert_true(g_file_get_contents(
		(in = g_build_filename(r.dir, "in", NULL)), &got, NULL, NULL));
	g_assert_null(strstr(got, "\"host_port\":80,"));
	g_assert_nonnull(strstr(got, "\"host_port\":8080"));
	g_assert_nonnull(strstr(got, "\"ContainerID\":\"0afb\""));
	g_assert_nonnull(strstr(got, "\"ChildIP\":\"10.89.0.2\""));
	g_assert_nonnull(strstr(got, "\"RootlessCNI\":true"));
	g_assert_nonnull(strstr(got, "\"ExitFD\":3"));

	/* closing ExitFD (conmon exits) ends it: it had fd 3 unchanged */
	close(exit_w);
	g_assert_cmpint(poll(&(struct pollfd){pidfd, POLLIN, 0}, 1, 10000), ==,
			1);
	want = g_build_filename(r.dir, "exit", NULL);
	g_assert_true(g_file_test(want, G_FILE_TEST_EXISTS));
	rlp_clear(&r);
}

/* A stand-in rootlessport that, like the real one, listens itself */
#define RLP_LISTENING_PY                                                       \
	"import json, os, socket, sys\n"                                       \
	"socks = []\n"                                                         \
	"for m in json.load(sys.stdin)['Mappings']:\n"                         \
	"    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)\n"         \
	"    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)\n"       \
	"    s.bind(('::', m['host_port']))\n"                                 \
	"    s.listen(8)\n"                                                    \
	"    socks.append(s)\n"                                                \
	"os.write(4, b'1')\n"                                                  \
	"os.close(4)\n"                                                        \
	"os.read(3, 1)\n"

/**
 * test_granted_listeners() - The request carries rootlessport's own
 * listener on the backend port (not the one on the unprivileged port
 * 8080), and only rootlessport holds it afterwards
 */
static void test_granted_listeners(void)
{
	g_autofree char *report = NULL, *py = NULL;
	lp_autofd int pidfd = -1;
	Rlp r = {0};
	int exit_w;

	rlp_setup(&r, "exec python3 \"$D/rlp.py\"", LP_ERR_MAX);
	py = lp_test_shim_make_file(r.dir, "rlp.py", RLP_LISTENING_PY, 0644);
	rlp_run(&r, RLP_CONFIG, &exit_w);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.ready, ==, "1");
	pidfd = lp_pidfd_open(report_pid(&r));
	g_assert_cmpint(pidfd, >=, 0);
	g_assert_true(g_file_get_contents(r.l.report, &report, NULL, NULL));
	lp_test_listeners_check_report(report);
	close(exit_w);
	g_assert_cmpint(poll(&(struct pollfd){pidfd, POLLIN, 0}, 1, 10000), ==,
			1);
	rlp_clear(&r);
}

/**
 * test_refused() - lowportd refuses: "lowport: WHY" on stdout (Podman
 * shows "rootlessport lowport: WHY"), exit 1, no ready byte, rootlessport
 * stopped
 */
static void test_refused(void)
{
	g_autofree char *want = NULL;
	Rlp r = {0};
	int exit_w;
	pid_t pid;

	rlp_setup(&r,
		  "cat >/dev/null\nprintf 1 >&4\nexec >/dev/null 2>&1\n"
		  "exec sleep 30",
		  LP_ERR_CONFLICT);
	rlp_run(&r, RLP_CONFIG, &exit_w);
	close(exit_w);
	want = g_strdup_printf("lowport: %s\n", LP_TEST_SHIM_REFUSAL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_cmpstr(r.out, ==, want);
	g_assert_cmpstr(r.ready, ==, "");
	pid = report_pid(&r);
	g_assert_true(kill(pid, 0) < 0 && errno == ESRCH);
	rlp_clear(&r);
}

/**
 * test_pass_through() - No privileged port: the same bytes reach
 * rootlessport, no request, ready byte and status are its own
 */
static void test_pass_through(void)
{
	g_autofree char *got = NULL, *in = NULL;
	Rlp r = {0};
	int exit_w;

	rlp_setup(&r, "cat > \"$D/in\"\nprintf 1 >&4\nexit 0", -1);
	rlp_run(&r, RLP_CONFIG_UNPRIV, &exit_w);
	close(exit_w);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.ready, ==, "1");
	in = g_build_filename(r.dir, "in", NULL);
	g_assert_true(g_file_get_contents(in, &got, NULL, NULL));
	g_assert_cmpstr(got, ==, RLP_CONFIG_UNPRIV);
	g_assert_false(g_file_test(r.l.report, G_FILE_TEST_EXISTS));
	rlp_clear(&r);
}

/**
 * test_helper_fails() - rootlessport fails before ready: its stdout goes
 * to stdout (Podman's error), its log lines do not; its status
 */
static void test_helper_fails(void)
{
	Rlp r = {0};
	int exit_w;

	rlp_setup(&r,
		  "cat >/dev/null\n"
		  "echo 'time=\"x\" level=info msg=\"Starting parent driver\"' "
		  ">&2\necho 'cannot expose privileged port 80'\nexit 1",
		  -1);
	rlp_run(&r, RLP_CONFIG, &exit_w);
	close(exit_w);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_cmpstr(r.out, ==, "cannot expose privileged port 80\n");
	g_assert_cmpstr(r.ready, ==, "");
	rlp_clear(&r);
}

/**
 * test_too_long() - A config over the bound is refused unread
 */
static void test_too_long(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *big = g_malloc(LP_ROOTLESSPORT_CONFIG_MAX + 2);
	GBytes *b;
	int p[2];
	pid_t pid;

	memset(big, ' ', LP_ROOTLESSPORT_CONFIG_MAX + 1);
	g_assert_no_errno(pipe2(p, O_CLOEXEC));
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (write(p[1], big, LP_ROOTLESSPORT_CONFIG_MAX + 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	b = lp_front_rootlessport_read_input(p[0], &error);
	g_assert_null(b);
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS);
	close(p[0]);
	waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
	lp_test_shim_have_netns = lp_test_shim_probe_netns();
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/front-rootlessport/granted", test_granted);
	g_test_add_data_func("/front-rootlessport/granted-listeners",
			     test_granted_listeners, lp_test_shim_in_netns);
	g_test_add_func("/front-rootlessport/refused", test_refused);
	g_test_add_func("/front-rootlessport/pass-through", test_pass_through);
	g_test_add_func("/front-rootlessport/helper-fails", test_helper_fails);
	g_test_add_func("/front-rootlessport/too-long", test_too_long);
	return g_test_run();
}
