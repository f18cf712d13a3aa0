// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-front-pasta.c - pasta front: PID files, and the whole shim against a
 * stand-in pasta and lowportd
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

#include "netutils/mapping.h"
#include "shim/portspec-split.h"
#include "shim/portspec.h"
#include "netutils/protocol.h"
#include "shim/core.h"
#include "shim/core-lease.h"
#include "shim/core-listeners.h"
#include "shim/core-reap.h"
#include "shim/front-pasta.h"
#include "shim/pasta-args.h"
#include "shim/pasta-plan.h"
#include "netutils/util.h"
#include "test-fake-pasta.h"
#include "test-lease.h"
#include "test-listeners.h"
#include "test-shim.h"

/* Podman's netns path for a rootless container */
#define NETNS "/run/user/1000/netns/netns-4c5e0e1a-7c2b-4b5e-a7a3-2f0c1d9e8b7a"
/* Podman 5.8 tail after the ports */
#define TAIL58                                                                 \
	"--dns-forward 169.254.1.1 -T none -U none --no-map-gw --quiet "       \
	"--netns " NETNS " --map-guest-addr 169.254.1.2"

/**
 * test_read_pid() - PID files: only one positive number
 */
static void test_read_pid(void)
{
	static const struct {
		const char *text;
		int ret;
		pid_t pid;
	} cases[] = {
		{"1234\n", 0, 1234},
		{"42", 0, 42},
		{"", -EIO, 0},
		{"\n", -EIO, 0},
		{"0\n", -EIO, 0},
		{"-5\n", -EIO, 0},
		{"12a\n", -EIO, 0},
		{"12\n\n", -EIO, 0},
		{" 12", -EIO, 0},
		{"99999999999", -EIO, 0},
		{"123456789012345678901234567890123456789", -EIO, 0},
	};
	g_autofree char *tmp = g_dir_make_tmp("lp-shim-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(tmp, "pid", NULL);
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		pid_t pid = 0;

		g_assert_true(
			g_file_set_contents(path, cases[i].text, -1, NULL));
		g_assert_cmpint(lp_front_pasta_read_pid(path, &pid), ==,
				cases[i].ret);
		if (!cases[i].ret)
			g_assert_cmpint(pid, ==, cases[i].pid);
	}
	g_unlink(path);
	g_assert_cmpint(lp_front_pasta_read_pid(path, &(pid_t){0}), ==,
			-ENOENT);
	g_rmdir(tmp);
}

/**
 * test_pid_file() - Our --pid file: in $XDG_RUNTIME_DIR, private
 */
static void test_pid_file(void)
{
	g_autofree char *tmp = g_dir_make_tmp("lp-shim-XXXXXX", NULL);
	g_autofree char *path = NULL;
	struct stat st;

	g_setenv("XDG_RUNTIME_DIR", tmp, TRUE);
	g_assert_cmpint(lp_front_pasta_pid_file(&path), ==, 0);
	g_assert_true(g_str_has_prefix(path, tmp));
	g_assert_no_errno(stat(path, &st));
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(st.st_size, ==, 0);
	g_unlink(path);
	g_rmdir(tmp);
	g_unsetenv("XDG_RUNTIME_DIR");
}

/* ---- The whole shim against a stand-in pasta and lowportd ---- */

/*
 * Flow - one shim run against the stand-ins
 * @dir:	Temporary directory
 * @sock:	lowportd socket path
 * @report:	What the stand-in lowportd saw in the first request
 * @count:	"REQUESTS SAME": requests it got, and how many of the later
 *		ones were the same as the first (pidfd's PID, mappings)
 * @log:	What the stand-in pasta saw
 * @lowportd:	Stand-in lowportd's PID, 0 if none
 * @elapsed:	How long the shim ran, in microseconds
 */
typedef struct {
	char *dir;
	char *sock;
	char *report;
	char *count;
	char *log;
	pid_t lowportd;
	gint64 elapsed;
} Flow;

/**
 * flow_setup() - Environment for the shim: stand-in pasta, socket, runtime dir
 * @f:		Flow to fill
 * @mode:	Stand-in pasta mode
 */
static void flow_setup(Flow *f, const char *mode)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *script =
		g_strdup_printf("#!/bin/sh\nexec '%s' \"$@\"\n", self);
	g_autofree char *pasta = NULL;
	g_autofree char *run = NULL;

	f->dir = g_dir_make_tmp("lp-shim-flow-XXXXXX", NULL);
	f->sock = g_build_filename(f->dir, "lowportd.sock", NULL);
	f->report = g_build_filename(f->dir, "report", NULL);
	f->count = g_build_filename(f->dir, "count", NULL);
	f->log = g_build_filename(f->dir, "pasta.log", NULL);
	run = g_build_filename(f->dir, "run", NULL);
	g_assert_no_errno(g_mkdir(run, 0700));
	pasta = lp_test_shim_make_file(f->dir, "pasta", script, 0755);
	g_setenv(LP_FRONT_PASTA_ENV_REAL, pasta, TRUE);
	g_setenv(LP_CORE_ENV_POLICY, "/nonexistent", TRUE);
	g_setenv("LOWPORT_SOCKET", f->sock, TRUE);
	g_setenv("XDG_RUNTIME_DIR", run, TRUE);
	g_setenv(LP_TEST_FAKE_PASTA_ENV, mode, TRUE);
	g_setenv(LP_TEST_FAKE_PASTA_LOG_ENV, f->log, TRUE);
}

/**
 * flow_clear() - Remove a flow's files
 * @f:	Flow
 */
static void flow_clear(Flow *f)
{
	lp_test_shim_rm_tree(f->dir);
	g_free(f->dir);
	g_free(f->sock);
	g_free(f->report);
	g_free(f->count);
	g_free(f->log);
}

/**
 * flow_lowportd() - Start the stand-in lowportd
 * @f:		Flow
 * @own:	Own-lease conflicts first, -1 for ever (see
 *		lp_test_shim_lowportd())
 * @code:	Then: refusal code, LP_ERR_MAX to grant
 */
static void flow_lowportd(Flow *f, int own, LpErrorCode code)
{
	const LpTestLowportd l = {f->sock, f->report, f->count};

	f->lowportd = lp_test_shim_lowportd(&l, own, code);
}

/**
 * flow_count() - How many requests the stand-in lowportd got
 * @f:		Flow, after flow_run()
 * @ret_same:	How many of the later ones equal the first
 *
 * Return: number of requests
 */
static unsigned int flow_count(const Flow *f, unsigned int *ret_same)
{
	return lp_test_shim_lowportd_count(f->count, ret_same);
}

/**
 * flow_run() - Run lp_front_pasta_main() in a child, output captured
 * @f:		Flow
 * @line:	Arguments after argv[0]
 * @ret_out:	Its stdout and stderr
 *
 * Return: its exit status
 */
static int flow_run(Flow *f, const char *line, char **ret_out)
{
	g_autofree char *out = g_build_filename(f->dir, "out", NULL);
	g_autofree char *full = g_strconcat("pasta ", line, NULL);
	int status, fd;
	pid_t pid;

	f->elapsed = g_get_monotonic_time();
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		g_auto(GStrv) argv = NULL;
		int argc;

		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
		    !g_shell_parse_argv(full, &argc, &argv, NULL))
			_exit(98);
		alarm(30);
		status = lp_front_pasta_main(argc, argv);
		fflush(NULL);
		_exit(status);
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	f->elapsed = g_get_monotonic_time() - f->elapsed;
	g_assert_true(WIFEXITED(status));
	g_assert_true(g_file_get_contents(out, ret_out, NULL, NULL));
	if (f->lowportd) {
		int st;

		g_assert_cmpint(waitpid(f->lowportd, &st, 0), ==, f->lowportd);
		g_assert_true(WIFEXITED(st));
		g_assert_cmpint(WEXITSTATUS(st), ==, 0);
	}
	return WEXITSTATUS(status);
}

/**
 * flow_log_lines() - The stand-in pasta's log
 * @f:	Flow
 *
 * Return: its lines (g_strfreev() them); runs are "ARGV" then "PID" lines
 */
static char **flow_log_lines(const Flow *f)
{
	g_autofree char *text = NULL;

	if (!g_file_get_contents(f->log, &text, NULL, NULL))
		return g_new0(char *, 1);
	g_strchomp(text);
	return g_strsplit(text, "\n", -1);
}

/**
 * pid_gone() - Tell whether a process has exited
 * @pid:	PID
 *
 * Return: true if it has (or never existed)
 */
static bool pid_gone(pid_t pid)
{
	lp_autofd int fd = pidfd_open(pid, 0);
	struct pollfd pfd = {fd, POLLIN, 0};

	return fd < 0 || poll(&pfd, 1, 0) == 1;
}

/**
 * ppid_of() - Parent of a process
 * @pid:	PID
 *
 * Return: its parent's PID
 */
static pid_t ppid_of(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *text = NULL;
	int ppid = -1;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpint(sscanf(strrchr(text, ')') + 1, " %*c %d", &ppid), ==,
			1);
	return ppid;
}

/**
 * flow_kill() - Stop a stand-in pasta daemon the shim left running
 * @pid:	Its PID
 */
static void flow_kill(pid_t pid)
{
	lp_autofd int fd = pidfd_open(pid, 0);

	if (fd >= 0)
		g_assert_cmpint(lp_core_reap_stop(fd, 2000), ==, 0);
}

/**
 * flow_check_run_dir() - Our --pid file is gone after the run
 * @f:	Flow
 */
static void flow_check_run_dir(const Flow *f)
{
	g_autoptr(GDir) d = g_dir_open(g_getenv("XDG_RUNTIME_DIR"), 0, NULL);

	g_assert_nonnull(d);
	g_assert_null(g_dir_read_name(d));
}

/**
 * sweep_hung_pasta() - Start a pasta that forks its daemon and hangs
 * @f:		Flow set up in "hang" mode
 *
 * Return: its daemon's PID, after lp_core_spawn_run() gave up on it
 */
static pid_t sweep_hung_pasta(const Flow *f)
{
	char *argv[] = {"pasta", "--netns", "/n", NULL};
	LpCoreCmd cmd = {.name = "pasta", .argv = argv, .ready_fd = -1};
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) log = NULL;
	LpCoreRun run = {0};

	g_unlink(f->log);
	g_assert_false(lp_core_spawn_run(g_getenv(LP_FRONT_PASTA_ENV_REAL),
					 &cmd, 1500, &run, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL);
	lp_core_spawn_run_clear(&run);
	log = flow_log_lines(f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	return atoi(log[1]);
}

/**
 * test_sweep() - A pasta timed out after forking: its daemon is found
 *
 * In a subprocess: it becomes a subreaper, and the sweep stops every child.
 */
static void test_sweep(void)
{
	Flow f = {0};
	pid_t pid;

	if (!g_test_subprocess()) {
		g_test_trap_subprocess(
			NULL, 60 * G_USEC_PER_SEC,
			G_TEST_SUBPROCESS_INHERIT_STDOUT |
				G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
		return;
	}
	flow_setup(&f, "hang");
	/* without a subreaper the daemon escapes: nothing to find */
	pid = sweep_hung_pasta(&f);
	g_assert_false(pid_gone(pid));
	g_assert_cmpint(lp_core_reap_sweep(1000), ==, 0);
	g_assert_false(pid_gone(pid));
	flow_kill(pid);
	/* as a subreaper: the daemon is ours once pasta's parent is killed */
	g_assert_cmpint(lp_core_reap_adopt_orphans(), ==, 0);
	pid = sweep_hung_pasta(&f);
	g_assert_cmpint(ppid_of(pid), ==, getpid());
	g_assert_cmpint(lp_core_reap_sweep(1000), ==, 1);
	g_assert_true(pid_gone(pid));
	g_assert_cmpint(lp_core_reap_sweep(1000), ==, 0);
	/* not our child: left alone */
	g_assert_cmpint(lp_core_reap_stop_child(getppid(), 1000), ==, -ECHILD);
	flow_clear(&f);
}

/* Podman 5.8 argv with -p 80:80 and -p 8080:8080 */
#define FLOW_ARGV                                                              \
	"--config-net -t 80-80:80-80 -t 8080-8080:8080-8080 -u none " TAIL58

/**
 * flow_granted() - Granted: exit 0, silent, pasta runs on the backend port
 */
static void flow_granted(void)
{
	g_autofree char *out = NULL, *report = NULL, *want = NULL;
	g_auto(GStrv) log = NULL;
	Flow f = {0};
	unsigned int backend, same;
	pid_t pid;

	/* stand in for Podman's nearest subreaper: pasta's daemon is ours
	 * once the shim exits, as it would be without the shim */
	g_assert_no_errno(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	flow_setup(&f, "ok");
	flow_lowportd(&f, 0, LP_ERR_MAX);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 0);
	g_assert_cmpstr(out, ==, "");
	/* the shim waited for nothing but pasta's parent and the pipe */
	g_assert_cmpint(f.elapsed, <, LP_CORE_PIPE_GRACE_MS * 1000);
	g_assert_cmpuint(flow_count(&f, &same), ==, 1);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_cmpint(sscanf(strstr(log[0], " -t ") + 4, "%u-", &backend), ==,
			1);
	g_assert_cmpuint(backend, >, 60999);
	g_assert_true(g_str_has_prefix(log[0], "--pid "));
	g_assert_nonnull(strstr(log[0], " -t 8080-8080:8080-8080 "));
	pid = atoi(log[1]);
	g_assert_false(pid_gone(pid));
	g_assert_cmpint(ppid_of(pid), ==, getpid());
	g_assert_true(g_file_get_contents(f.report, &report, NULL, NULL));
	want = g_strdup_printf("netns=%s\nfront=pasta\npid=%d\n"
			       "tcp 0.0.0.0/0 80 %u 1\nlisteners=1\n",
			       NETNS, (int)pid, backend);
	/* the listener itself: flow_granted_listeners() */
	g_assert_true(g_str_has_prefix(report, want));
	flow_check_run_dir(&f);
	/* the backend is what pasta holds */
	g_assert_cmpint(lp_core_ports_try_bind(IPPROTO_TCP,
					       &(LpAddr){AF_UNSPEC}, backend),
			==, -EADDRINUSE);
	flow_kill(pid);
	flow_clear(&f);
}

/**
 * flow_granted_listeners() - The request carries pasta's listener on the
 * backend port after the pidfd, and the shim keeps no copy: only pasta
 * holds it afterwards
 */
static void flow_granted_listeners(void)
{
	g_autofree char *out = NULL, *report = NULL, *want = NULL;
	g_auto(GStrv) log = NULL;
	Flow f = {0};
	unsigned int backend, same;
	pid_t pid;

	g_assert_no_errno(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	flow_setup(&f, "ok");
	flow_lowportd(&f, 1, LP_ERR_MAX);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 0);
	g_assert_cmpstr(out, ==, "");
	/* the repeated request carried the same listener again */
	g_assert_cmpuint(flow_count(&f, &same), ==, 2);
	g_assert_cmpuint(same, ==, 1);
	log = flow_log_lines(&f);
	g_assert_cmpint(sscanf(strstr(log[0], " -t ") + 4, "%u-", &backend), ==,
			1);
	pid = atoi(log[1]);
	g_assert_true(g_file_get_contents(f.report, &report, NULL, NULL));
	want = g_strdup_printf("netns=%s\nfront=pasta\npid=%d\n"
			       "tcp 0.0.0.0/0 80 %u 1\nlisteners=1\n"
			       "listener %u %" PRIu64 "\n",
			       NETNS, (int)pid, backend, backend,
			       lp_test_listeners_inode(backend));
	g_assert_cmpstr(report, ==, want);
	g_assert_cmpuint(
		lp_test_listeners_holders(lp_test_listeners_inode(backend)), ==,
		1);
	flow_kill(pid);
	flow_clear(&f);
}

/**
 * flow_real_pasta() - The real pasta (Debian's passt): the shim hands
 * over pasta's own listener on the backend port, and keeps no copy
 */
static void flow_real_pasta(void)
{
	g_autofree char *real = g_find_program_in_path("pasta");
	g_autofree char *out = NULL, *report = NULL, *line = NULL;
	const char *m;
	Flow f = {0};
	pid_t target, pid = 0;

	g_assert_nonnull(real);
	g_assert_no_errno(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	lp_test_listeners_uplink();
	target = lp_test_listeners_target();
	flow_setup(&f, "ok");
	g_setenv(LP_FRONT_PASTA_ENV_REAL, real, TRUE);
	flow_lowportd(&f, 0, LP_ERR_MAX);
	/* --runas 0: Debian 12's pasta opens our --pid file after setuid() */
	line = g_strdup_printf(
		"--config-net --runas 0 -4 --netns /proc/%d/ns/net"
		" -t 80 -u none -T none -U none",
		(int)target);
	g_assert_cmpint(flow_run(&f, line, &out), ==, 0);
	g_assert_true(g_file_get_contents(f.report, &report, NULL, NULL));
	g_test_message("report: %s", report);
	g_assert_nonnull(m = strstr(report, "pid="));
	pid = atoi(m + 4);
	/* pasta's own, and nobody else holds it now */
	lp_test_listeners_check_report(report);
	flow_kill(pid);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
	flow_clear(&f);
}

/**
 * flow_refused_mode() - Refused: one "lowport:" line, exit 1, pasta stopped
 * @mode:	Stand-in pasta mode: "ok", or "stubborn" (needs SIGKILL)
 */
static void flow_refused_mode(const char *mode)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) log = NULL;
	unsigned int same;
	Flow f = {0};

	flow_setup(&f, mode);
	flow_lowportd(&f, 0, LP_ERR_CONFLICT);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	g_assert_cmpstr(out, ==, "lowport: " LP_TEST_SHIM_REFUSAL "\n");
	/* a refusal without "retry" (here another user's lease; the
	 * shim no longer reads the message): asked once, never again */
	g_assert_cmpuint(flow_count(&f, &same), ==, 1);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_true(pid_gone(atoi(log[1])));
	flow_check_run_dir(&f);
	flow_clear(&f);
}

/**
 * flow_refused() - Refused: the stand-in pasta stops on SIGTERM
 */
static void flow_refused(void)
{
	flow_refused_mode("ok");
}

/**
 * flow_refused_stubborn() - Refused: the stand-in pasta needs SIGKILL
 */
static void flow_refused_stubborn(void)
{
	flow_refused_mode("stubborn");
}

/**
 * flow_not_running() - No lowportd: the message says how to start it
 */
static void flow_not_running(void)
{
	g_autofree char *out = NULL, *want = NULL;
	g_auto(GStrv) log = NULL;
	Flow f = {0};

	flow_setup(&f, "ok");
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	want = g_strdup_printf("lowport: lowportd is not running (no socket at "
			       "%s); start it with: systemctl enable --now "
			       "lowportd.socket\n",
			       f.sock);
	g_assert_cmpstr(out, ==, want);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_true(pid_gone(atoi(log[1])));
	flow_clear(&f);
}

/**
 * flow_pasta_fails() - pasta's own failure: its output and status, as is
 */
static void flow_pasta_fails(void)
{
	g_autofree char *out = NULL;
	Flow f = {0};

	flow_setup(&f, "fail");
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 2);
	g_assert_cmpstr(out, ==, "Some pasta error\non two lines\n");
	flow_check_run_dir(&f);
	flow_clear(&f);
}

/**
 * flow_retry() - A backend port taken meanwhile: other ports, then granted
 */
static void flow_retry(void)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) log = NULL;
	unsigned int b1, b2;
	Flow f = {0};

	flow_setup(&f, "inuse-once");
	flow_lowportd(&f, 0, LP_ERR_MAX);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 0);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 3);
	g_assert_cmpint(sscanf(strstr(log[0], " -t ") + 4, "%u-", &b1), ==, 1);
	g_assert_cmpint(sscanf(strstr(log[1], " -t ") + 4, "%u-", &b2), ==, 1);
	g_assert_cmpuint(b1, !=, b2);
	flow_kill(atoi(log[2]));
	flow_clear(&f);
}

/**
 * flow_no_pid() - pasta exits 0 without a PID: refused, not hung
 */
static void flow_no_pid(void)
{
	g_autofree char *out = NULL;
	Flow f = {0};

	flow_setup(&f, "nopid");
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	g_assert_true(g_str_has_prefix(out, "lowport: pasta started but left "
					    "no PID"));
	g_assert_cmpuint(strlen(out), ==, strcspn(out, "\n") + 1);
	flow_clear(&f);
}

/**
 * flow_own_lease_retry() - Our old lease goes away: asked again, granted
 */
static void flow_own_lease_retry(void)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) log = NULL;
	unsigned int same;
	Flow f = {0};

	flow_setup(&f, "ok");
	flow_lowportd(&f, 2, LP_ERR_MAX);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 0);
	g_assert_cmpstr(out, ==, "");
	/* the same request from the same pasta, three times */
	g_assert_cmpuint(flow_count(&f, &same), ==, 3);
	g_assert_cmpuint(same, ==, 2);
	g_assert_cmpint(f.elapsed, >=,
			2 * (LP_CORE_LEASE_OWN_RETRY_MS - 10) * 1000);
	g_assert_cmpint(f.elapsed, <, LP_CORE_LEASE_OWN_WAIT_MS * 1000);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_false(pid_gone(atoi(log[1])));
	flow_kill(atoi(log[1]));
	flow_clear(&f);
}

/**
 * flow_own_lease_stays() - Our old lease stays: refused after a bounded wait
 */
static void flow_own_lease_stays(void)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) log = NULL;
	unsigned int n, same;
	Flow f = {0};

	flow_setup(&f, "ok");
	flow_lowportd(&f, -1, LP_ERR_MAX);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	g_assert_cmpstr(out, ==, "lowport: " LP_TEST_SHIM_OWN_CONFLICT "\n");
	g_assert_cmpint(f.elapsed, >=, LP_CORE_LEASE_OWN_WAIT_MS * 1000);
	g_assert_cmpint(f.elapsed, <,
			(LP_CORE_LEASE_OWN_WAIT_MS + 1500) * 1000);
	/* about every LP_CORE_LEASE_OWN_RETRY_MS: paced, not a busy loop */
	n = flow_count(&f, &same);
	g_assert_cmpuint(n, >=, 10);
	g_assert_cmpuint(
		n, <=,
		LP_CORE_LEASE_OWN_WAIT_MS / LP_CORE_LEASE_OWN_RETRY_MS + 2);
	g_assert_cmpuint(same, ==, n - 1);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_true(pid_gone(atoi(log[1])));
	flow_check_run_dir(&f);
	flow_clear(&f);
}

/**
 * flow_own_lease_pasta_quits() - No more asking once our pasta is gone
 */
static void flow_own_lease_pasta_quits(void)
{
	g_autofree char *out = NULL;
	unsigned int same;
	Flow f = {0};

	flow_setup(&f, "short");
	flow_lowportd(&f, -1, LP_ERR_MAX);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	g_assert_cmpstr(out, ==, "lowport: " LP_TEST_SHIM_OWN_CONFLICT "\n");
	g_assert_cmpint(f.elapsed, <, LP_CORE_LEASE_OWN_WAIT_MS * 1000 / 2);
	g_assert_cmpuint(flow_count(&f, &same), <,
			 LP_CORE_LEASE_OWN_WAIT_MS /
				 LP_CORE_LEASE_OWN_RETRY_MS / 2);
	flow_clear(&f);
}

/**
 * flow_no_pid_daemon() - pasta daemonized but wrote no PID: it is stopped
 */
static void flow_no_pid_daemon(void)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) log = NULL;
	Flow f = {0};

	flow_setup(&f, "nopid-daemon");
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	g_assert_true(g_str_has_prefix(out, "lowport: pasta started but left "
					    "no PID"));
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_true(pid_gone(atoi(log[1])));
	flow_check_run_dir(&f);
	flow_clear(&f);
}

/**
 * flow_passthrough() - --version and unprivileged calls reach pasta as is
 */
static void flow_passthrough(void)
{
	const char *plain = "--config-net -t 8080-8080:80-80 -u none " TAIL58;
	g_autofree char *out = NULL, *out2 = NULL;
	g_auto(GStrv) log = NULL;
	Flow f = {0};

	flow_setup(&f, "ok");
	g_assert_cmpint(flow_run(&f, "--version", &out), ==, 0);
	g_assert_cmpstr(out, ==, "pasta 2025_05_12.fake\n");
	g_assert_cmpint(flow_run(&f, plain, &out2), ==, 0);
	g_assert_cmpstr(out2, ==, "");
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 3);
	g_assert_cmpstr(log[0], ==, "--version");
	g_assert_cmpstr(log[1], ==, plain);
	flow_kill(atoi(log[2]));
	flow_clear(&f);
}

int main(int argc, char **argv)
{
	g_autofree char *real_pasta = NULL;

	if (g_getenv(LP_TEST_FAKE_PASTA_ENV))
		return lp_test_fake_pasta_main(argc, argv);
	real_pasta = g_find_program_in_path("pasta");
	lp_test_shim_have_netns = lp_test_shim_probe_netns();
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/shim/exec/read-pid", test_read_pid);
	g_test_add_func("/shim/exec/pid-file", test_pid_file);
	g_test_add_func("/shim/exec/sweep", test_sweep);
	g_test_add_data_func("/shim/flow/granted", flow_granted,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/granted-listeners",
			     flow_granted_listeners, lp_test_shim_in_netns);
	if (!real_pasta || getuid() != 0 || access("/dev/net/tun", R_OK | W_OK))
		g_test_add_data_func("/shim/flow/real-pasta",
				     "needs root and the real pasta (passt)",
				     lp_test_skip);
	else
		g_test_add_data_func("/shim/flow/real-pasta", flow_real_pasta,
				     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/refused", flow_refused,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/refused-stubborn",
			     flow_refused_stubborn, lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/not-running", flow_not_running,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/pasta-fails", flow_pasta_fails,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/retry", flow_retry,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/no-pid", flow_no_pid,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/no-pid-daemon", flow_no_pid_daemon,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/own-lease-retry", flow_own_lease_retry,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/own-lease-stays", flow_own_lease_stays,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/own-lease-pasta-quits",
			     flow_own_lease_pasta_quits, lp_test_shim_in_netns);
	g_test_add_data_func("/shim/flow/passthrough", flow_passthrough,
			     lp_test_shim_in_netns);

	return g_test_run();
}
