// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-front-pesto.c - the pesto front as Podman 6 runs it: a stand-in
 * pesto that logs its argv, a control socket we listen on (the stand-in
 * rootless-netns pasta is this test process), a stand-in lowportd
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "netutils/util.h"
#include "shim/core.h"
#include "shim/front-pesto.h"
#include "test-shim.h"

/*
 * Pesto - one call of the front
 * @dir:	Temporary directory: socket, stand-in pesto, its log
 * @sock:	The control socket we listen on
 * @listener:	Its listening socket
 * @log:	One line per run of the stand-in pesto: its argv
 * @l:		Stand-in lowportd's files
 * @lowportd:	Its PID, 0 if not started
 * @pasta:	The stand-in daemonized pasta: a shell with "-c @sock" in its
 *		argv, named in the PID file next to @sock (the listener, this
 *		process, has no such argv: like pasta's parent before it
 *		daemonized)
 */
typedef struct {
	char *dir;
	char *sock;
	int listener;
	char *log;
	LpTestLowportd l;
	pid_t lowportd;
	pid_t pasta;
} Pesto;

/**
 * pasta_wait_exec() - Wait until the stand-in pasta runs the shell
 * @p:	Call, @pasta forked
 */
static void pasta_wait_exec(const Pesto *p)
{
	g_autofree char *file = g_strdup_printf("/proc/%d/cmdline", p->pasta);
	gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	for (;;) {
		g_autofree char *text = NULL;
		gsize len = 0;

		if (g_file_get_contents(file, &text, &len, NULL) &&
		    memmem(text, len, p->sock, strlen(p->sock)))
			return;
		g_assert_cmpint(g_get_monotonic_time(), <, end);
		g_usleep(1000);
	}
}

/**
 * pesto_setup() - Socket, stand-in pesto (exit status @rc), lowportd
 * @p:		Call to set up
 * @rc:		Exit status of the stand-in pesto
 * @code:	lowportd's answer, LP_ERR_MAX to grant, -1: no lowportd
 */
static void pesto_setup(Pesto *p, int rc, int code)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	g_autofree char *text = NULL, *path = NULL;

	p->dir = g_dir_make_tmp("lp-front-pesto-XXXXXX", NULL);
	p->sock = g_build_filename(p->dir, "pasta.sock", NULL);
	p->log = g_build_filename(p->dir, "pesto.log", NULL);
	p->l.sock = g_build_filename(p->dir, "lowportd.sock", NULL);
	p->l.report = g_build_filename(p->dir, "report", NULL);
	p->l.count = g_build_filename(p->dir, "count", NULL);
	p->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(p->listener, >=, 0);
	g_strlcpy(sa.sun_path, p->sock, sizeof(sa.sun_path));
	g_assert_no_errno(
		bind(p->listener, (struct sockaddr *)&sa, sizeof(sa)));
	g_assert_no_errno(listen(p->listener, 8));
	p->pasta = fork();
	g_assert_cmpint(p->pasta, >=, 0);
	if (p->pasta == 0) {
		execl("/bin/sh", "sh", "-c", "sleep 30; :", "pasta", "-c",
		      p->sock, (char *)NULL);
		_exit(127);
	}
	pasta_wait_exec(p);
	text = g_strdup_printf("%d\n", (int)p->pasta);
	path = g_build_filename(p->dir, "rootless-netns-conn.pid", NULL);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_clear_pointer(&text, g_free);
	g_clear_pointer(&path, g_free);
	text = g_strdup_printf("#!/bin/sh\necho \"$*\" >> '%s'\n"
			       "echo pesto says hi\nexit %d\n",
			       p->log, rc);
	path = lp_test_shim_make_file(p->dir, "pesto", text, 0755);
	g_setenv(LP_FRONT_PESTO_ENV_REAL, path, TRUE);
	g_setenv(LP_CORE_ENV_POLICY, "/nonexistent", TRUE);
	g_setenv("LOWPORT_SOCKET", p->l.sock, TRUE);
	if (code >= 0)
		p->lowportd = lp_test_shim_lowportd(&p->l, 0, code);
}

/**
 * pesto_clear() - Remove a call's files
 * @p:	Call
 */
static void pesto_clear(Pesto *p)
{
	kill(p->pasta, SIGKILL);
	waitpid(p->pasta, NULL, 0);
	close(p->listener);
	lp_test_shim_rm_tree(p->dir);
	g_free(p->dir);
	g_free(p->sock);
	g_free(p->log);
	g_free((char *)p->l.sock);
	g_free((char *)p->l.report);
	g_free((char *)p->l.count);
}

/**
 * pesto_run() - Run lp_front_pesto_main() in a child, output captured
 * @p:		Call
 * @specs:	Arguments between argv[0] and the socket
 * @ret_out:	Its stdout and stderr (one pipe, as with Podman)
 *
 * Return: its exit status
 */
static int pesto_run(Pesto *p, const char *specs, char **ret_out)
{
	g_autofree char *out = g_build_filename(p->dir, "out", NULL);
	g_autofree char *line = g_strdup_printf("pesto %s %s", specs, p->sock);
	int status, fd;
	pid_t pid;

	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		g_auto(GStrv) argv = g_strsplit(line, " ", -1);

		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(98);
		alarm(30);
		status = lp_front_pesto_main((int)g_strv_length(argv), argv);
		fflush(NULL);
		_exit(status);
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_clear_pointer(ret_out, g_free); /* a test may run pesto twice */
	g_assert_true(g_file_get_contents(out, ret_out, NULL, NULL));
	if (p->lowportd) {
		int st;

		g_assert_cmpint(waitpid(p->lowportd, &st, 0), ==, p->lowportd);
		g_assert_true(WIFEXITED(st));
	}
	return WEXITSTATUS(status);
}

/**
 * pesto_log() - What the stand-in pesto was run with, one line per run
 * @p:	Call
 *
 * Return: the log, "" if it never ran; g_free() it
 */
static char *pesto_log(const Pesto *p)
{
	char *text = NULL;

	if (!g_file_get_contents(p->log, &text, NULL, NULL))
		return g_strdup("");
	return text;
}

/**
 * backend_of() - The backend port the stand-in lowportd was asked for
 * @p:	Call, after a request
 *
 * Return: the port
 */
static unsigned int backend_of(const Pesto *p)
{
	g_autofree char *report = NULL;
	unsigned int port = 0, backend = 0, range = 0;
	const char *m;

	g_assert_true(g_file_get_contents(p->l.report, &report, NULL, NULL));
	m = strstr(report, "tcp 0.0.0.0/2 ");
	g_assert_nonnull(m);
	g_assert_cmpint(
		sscanf(m, "tcp 0.0.0.0/2 %u %u %u", &port, &backend, &range),
		==, 3);
	g_assert_cmpuint(port, ==, 80);
	g_assert_cmpuint(range, ==, 1);
	return backend;
}

/**
 * test_add_granted() - --add: 80 goes to a backend port, target kept; the
 * lease is asked for on the pasta behind the socket (the daemon of the PID
 * file, as the listener has no "-c SOCK"), for its rootless netns; pesto's output and status are passed on
 */
static void test_add_granted(void)
{
	g_autofree char *out = NULL, *log = NULL, *want = NULL, *rep = NULL;
	g_autofree char *netns = NULL;
	Pesto p = {0};
	unsigned int high;

	pesto_setup(&p, 0, LP_ERR_MAX);
	g_assert_cmpint(pesto_run(&p,
				  "--add -t 0.0.0.0/80:10.89.0.2/80 "
				  "-u 0.0.0.0/8087:10.89.0.2/53",
				  &out),
			==, 0);
	g_assert_cmpstr(out, ==, "pesto says hi\n");
	high = backend_of(&p);
	g_assert_cmpuint(high, >=, 1024);
	log = pesto_log(&p);
	want = g_strdup_printf("--add -t 0.0.0.0/%u:10.89.0.2/80 "
			       "-u 0.0.0.0/8087:10.89.0.2/53 %s\n",
			       high, p.sock);
	g_assert_cmpstr(log, ==, want);
	g_assert_true(g_file_get_contents(p.l.report, &rep, NULL, NULL));
	netns = g_strdup_printf("netns=%s/rootless-netns\nfront=pesto\n"
				"pid=%d\n",
				p.dir, (int)p.pasta);
	g_assert_true(g_str_has_prefix(rep, netns));
	pesto_clear(&p);
}

/**
 * test_add_refused() - Refused: what pesto added is deleted again, "lowport:
 * WHY", exit 1 (Podman reports an error)
 */
static void test_add_refused(void)
{
	g_autofree char *out = NULL, *log = NULL, *want = NULL;
	Pesto p = {0};
	unsigned int high;

	pesto_setup(&p, 0, LP_ERR_CONFLICT);
	g_assert_cmpint(pesto_run(&p, "--add -t 0.0.0.0/80:10.89.0.2/80", &out),
			==, 1);
	want = g_strdup_printf("lowport: %s\n", LP_TEST_SHIM_REFUSAL);
	g_assert_cmpstr(out, ==, want);
	high = backend_of(&p);
	log = pesto_log(&p);
	g_free(want);
	want = g_strdup_printf("--add -t 0.0.0.0/%u:10.89.0.2/80 %s\n"
			       "--delete -t 0.0.0.0/%u:10.89.0.2/80 %s\n",
			       high, p.sock, high, p.sock);
	g_assert_cmpstr(log, ==, want);
	pesto_clear(&p);
}

/**
 * test_pesto_fails() - pesto itself fails: its output and status, no
 * request, nothing to delete
 */
static void test_pesto_fails(void)
{
	g_autofree char *out = NULL, *log = NULL;
	Pesto p = {0};

	pesto_setup(&p, 3, -1);
	g_assert_cmpint(pesto_run(&p, "--add -t 0.0.0.0/80:10.89.0.2/80", &out),
			==, 3);
	g_assert_cmpstr(out, ==, "pesto says hi\n");
	log = pesto_log(&p);
	g_assert_nonnull(strstr(log, "--add"));
	g_assert_null(strstr(log, "--delete"));
	g_assert_false(g_file_test(p.l.report, G_FILE_TEST_EXISTS));
	pesto_clear(&p);
}

/**
 * test_pass_through() - Unprivileged ports and -s: argv untouched, no
 * request, pesto's status
 */
static void test_pass_through(void)
{
	g_autofree char *out = NULL, *log = NULL, *want = NULL;
	Pesto p = {0};

	pesto_setup(&p, 0, -1);
	g_assert_cmpint(
		pesto_run(&p, "--add -t 0.0.0.0/8080:10.89.0.2/80", &out), ==,
		0);
	g_assert_cmpint(pesto_run(&p, "-s", &out), ==, 0);
	log = pesto_log(&p);
	want = g_strdup_printf("--add -t 0.0.0.0/8080:10.89.0.2/80 %s\n-s %s\n",
			       p.sock, p.sock);
	g_assert_cmpstr(log, ==, want);
	g_assert_false(g_file_test(p.l.report, G_FILE_TEST_EXISTS));
	pesto_clear(&p);
}

/**
 * test_no_pasta() - Nobody listens on the socket: refused before pesto
 * runs
 */
static void test_no_pasta(void)
{
	g_autofree char *out = NULL, *log = NULL;
	Pesto p = {0};

	pesto_setup(&p, 0, -1);
	close(p.listener);
	p.listener = -1;
	g_assert_no_errno(unlink(p.sock));
	g_assert_cmpint(pesto_run(&p, "--add -t 0.0.0.0/80:10.89.0.2/80", &out),
			==, 1);
	g_assert_true(g_str_has_prefix(out, "lowport: no pasta answers on "));
	log = pesto_log(&p);
	g_assert_cmpstr(log, ==, "");
	pesto_clear(&p);
}

/**
 * test_delete_no_lowportd() - --delete while lowportd cannot list the
 * leases: a warning, the specs deleted as given, pesto's status
 */
static void test_delete_no_lowportd(void)
{
	g_autofree char *out = NULL, *log = NULL, *want = NULL;
	Pesto p = {0};

	pesto_setup(&p, 0, -1);
	g_assert_cmpint(
		pesto_run(&p, "--delete -t 0.0.0.0/80:10.89.0.2/80", &out), ==,
		0);
	g_assert_true(g_str_has_prefix(out, "lowport: cannot list the leases"));
	g_assert_nonnull(strstr(out, "pesto says hi\n"));
	log = pesto_log(&p);
	want = g_strdup_printf("--delete -t 0.0.0.0/80:10.89.0.2/80 %s\n",
			       p.sock);
	g_assert_cmpstr(log, ==, want);
	pesto_clear(&p);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/front-pesto/add-granted", test_add_granted);
	g_test_add_func("/front-pesto/add-refused", test_add_refused);
	g_test_add_func("/front-pesto/pesto-fails", test_pesto_fails);
	g_test_add_func("/front-pesto/pass-through", test_pass_through);
	g_test_add_func("/front-pesto/no-pasta", test_no_pasta);
	g_test_add_func("/front-pesto/delete-no-lowportd",
			test_delete_no_lowportd);
	return g_test_run();
}
