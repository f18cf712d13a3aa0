// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-shim-spawn.c - shim core: what the next fronts need from a run of
 * the real helper (stdin bytes, passed and ready descriptors, pass-through
 * with replayed stdin), and a whole forward through a rootlessport-like
 * test front with a ready gate
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
	lp_test_shim_output_is(
		&run, "{\"Mappings\":[{\"host_port\":80}],\"ExitFD\":3,"
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
	lp_test_shim_output_is(&run, "ok\n");
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
	lp_test_shim_output_is(&run, "closed\n");
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
	lp_test_shim_output_is(&run, "starting\n");
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
	lp_test_shim_output_is(&run, "cannot expose port 80\n");
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
	LpCoreBlock b = lp_test_shim_block(IPPROTO_TCP, NULL, 1);

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
	/* a helper that is no known front ("sh") is recorded as pasta */
	want = g_strdup_printf("netns=/run/user/1000/netns/gate\nfront=pasta\n"
			       "pid=%d\n"
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
	lp_test_shim_output_is(&f.core.run, "listen tcp :80: denied\n");
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

	g_test_add_func("/shim/core/spawn-input", test_spawn_input);
	g_test_add_func("/shim/core/spawn-pass-fds", test_spawn_pass_fds);
	g_test_add_func("/shim/core/spawn-ready", test_spawn_ready);
	g_test_add_func("/shim/core/spawn-exec", test_spawn_exec);
	g_test_add_data_func("/shim/core/gate-granted", test_gate_granted,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/core/gate-refused", test_gate_refused,
			     lp_test_shim_in_netns);
	g_test_add_data_func("/shim/core/gate-helper-fails",
			     test_gate_helper_fails, lp_test_shim_in_netns);

	return g_test_run();
}
