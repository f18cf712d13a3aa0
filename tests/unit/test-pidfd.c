// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-pidfd.c - pidfd helpers against real processes
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <glib.h>

#include "netutils/pidfd.h"
#include "netutils/util.h"

#define NOBODY 65534

/*
 * TestChild - a forked process that waits until the test lets it go
 * @pid:	Its PID
 * @go:		Write end of the pipe it blocks on; closing it ends the child
 */
typedef struct {
	pid_t pid;
	int go;
} TestChild;

/*
 * TestChildSetupFn - What a child does before it reports ready
 * @data:	User data
 * @out:	Write end of the ready pipe: write exactly 8 bytes to it
 *
 * Return: 0 on success, an exit status otherwise
 */
typedef int (*TestChildSetupFn)(void *data, int out);

/**
 * test_child_start() - Fork a child that runs @setup, then waits
 * @setup:	Setup to run in the child, or NULL (then it writes 8 zeros)
 * @data:	Passed to @setup
 * @ret_msg:	The 8 bytes the child wrote once ready
 *
 * Return: the child; the test fails if it could not get ready
 */
static TestChild test_child_start(TestChildSetupFn setup, void *data,
				  uint64_t *ret_msg)
{
	int ready[2], go[2];
	TestChild c;
	uint64_t msg = 0;
	char b;

	g_assert_no_errno(pipe2(ready, O_CLOEXEC));
	g_assert_no_errno(pipe2(go, O_CLOEXEC));
	c.pid = fork();
	g_assert_cmpint(c.pid, >=, 0);
	if (c.pid == 0) {
		close(ready[0]);
		close(go[1]);
		if (setup) {
			int r = setup(data, ready[1]);

			if (r)
				_exit(r);
		} else if (write(ready[1], &msg, sizeof(msg)) != 8) {
			_exit(120);
		}
		close(ready[1]);
		while (read(go[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	g_assert_cmpint(read(ready[0], &msg, sizeof(msg)), ==, sizeof(msg));
	close(ready[0]);
	if (ret_msg)
		*ret_msg = msg;
	c.go = go[1];
	return c;
}

/**
 * test_child_stop() - Let a child exit and reap it
 * @c:		Child
 *
 * Return: its exit status
 */
static int test_child_stop(TestChild *c)
{
	int status;

	close(c->go);
	g_assert_cmpint(waitpid(c->pid, &status, 0), ==, c->pid);
	g_assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/**
 * test_stat_starttime() - Field 22 of /proc/PID/stat, parsed independently
 * @pid:	Process
 *
 * Return: the start time
 */
static uint64_t test_stat_starttime(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
	g_autofree char *text = NULL;
	g_auto(GStrv) fields = NULL;
	const char *p;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	p = strrchr(text, ')');
	g_assert_nonnull(p);
	/* ") S 1 2 ..." : fields[0] is field 3, fields[19] is field 22 */
	fields = g_strsplit(p + 2, " ", -1);
	g_assert_cmpuint(g_strv_length(fields), >, 19);
	return g_ascii_strtoull(fields[19], NULL, 10);
}

/* test_self() - Our own process: pid, uid and start time */
static void test_self(void)
{
	lp_autofd int fd = lp_pidfd_open(getpid());
	uint64_t t, t2;
	pid_t pid;
	uid_t uid;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(fcntl(fd, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
	g_assert_cmpint(lp_pidfd_get_pid(fd, &pid), ==, 0);
	g_assert_cmpint(pid, ==, getpid());
	g_assert_cmpint(lp_pidfd_is_alive(fd), ==, 1);

	if (geteuid() == getuid()) {
		g_assert_cmpint(lp_pidfd_get_uid(fd, &uid), ==, 0);
		g_assert_cmpuint(uid, ==, getuid());
	}

	g_assert_cmpint(lp_pidfd_get_starttime(fd, &t), ==, 0);
	g_assert_cmpuint(t, ==, test_stat_starttime(getpid()));
	g_assert_cmpint(lp_proc_get_starttime(getpid(), &t2), ==, 0);
	g_assert_cmpuint(t2, ==, t);
}

/* test_child_exit() - Running, zombie and reaped child */
static void test_child_exit(void)
{
	TestChild c = test_child_start(NULL, NULL, NULL);
	lp_autofd int fd = lp_pidfd_open(c.pid);
	siginfo_t si = {0};
	uint64_t t;
	pid_t pid;
	uid_t uid;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(lp_pidfd_is_alive(fd), ==, 1);
	g_assert_cmpint(lp_pidfd_get_pid(fd, &pid), ==, 0);
	g_assert_cmpint(pid, ==, c.pid);
	if (geteuid() == getuid()) {
		g_assert_cmpint(lp_pidfd_get_uid(fd, &uid), ==, 0);
		g_assert_cmpuint(uid, ==, getuid());
	}

	/* Zombie: /proc/PID still exists, the process does not run */
	g_assert_no_errno(kill(c.pid, SIGKILL));
	g_assert_no_errno(waitid(P_PID, c.pid, &si, WEXITED | WNOWAIT));
	g_assert_cmpint(lp_pidfd_is_alive(fd), ==, 0);
	g_assert_cmpint(lp_pidfd_get_uid(fd, &uid), ==, -ESRCH);
	g_assert_cmpint(lp_pidfd_get_starttime(fd, &t), ==, -ESRCH);

	/* Reaped */
	g_assert_cmpint(waitpid(c.pid, NULL, 0), ==, c.pid);
	close(c.go);
	g_assert_cmpint(lp_pidfd_is_alive(fd), ==, 0);
	g_assert_cmpint(lp_pidfd_get_pid(fd, &pid), ==, -ESRCH);
	g_assert_cmpint(lp_pidfd_get_uid(fd, &uid), ==, -ESRCH);
	g_assert_cmpint(lp_pidfd_get_starttime(fd, &t), ==, -ESRCH);
	g_assert_cmpint(lp_proc_get_starttime(c.pid, &t), ==, -ESRCH);
}

/* test_open_checked() - Start time must match, the process must run */
static void test_open_checked(void)
{
	TestChild c = test_child_start(NULL, NULL, NULL);
	lp_autofd int fd = -1;
	uint64_t t;

	g_assert_cmpint(lp_proc_get_starttime(c.pid, &t), ==, 0);
	g_assert_cmpuint(t, ==, test_stat_starttime(c.pid));

	fd = lp_pidfd_open_checked(c.pid, t);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(lp_pidfd_is_alive(fd), ==, 1);
	g_assert_cmpint(lp_pidfd_open_checked(c.pid, t + 1), ==, -ESRCH);
	g_assert_cmpint(lp_pidfd_open_checked(c.pid, t - 1), ==, -ESRCH);

	g_assert_cmpint(test_child_stop(&c), ==, 0);
	g_assert_cmpint(lp_pidfd_open_checked(c.pid, t), ==, -ESRCH);
}

/**
 * test_setresuid_setup() - Child setup: switch uids as given, report ready
 * @data:	uid_t[2]: real and effective uid
 * @out:	Ready pipe
 *
 * Return: 0, or an exit status
 */
static int test_setresuid_setup(void *data, int out)
{
	const uid_t *ids = data;
	uint64_t msg = 0;

	if (setgroups(0, NULL) || setgid(NOBODY))
		return 121;
	if (setresuid(ids[0], ids[1], ids[1]))
		return 122;
	if (write(out, &msg, sizeof(msg)) != sizeof(msg))
		return 123;
	return 0;
}

/* test_other_uid() - A child running as nobody, then one with ruid != euid */
static void test_other_uid(void)
{
	uid_t nobody[2] = {NOBODY, NOBODY}, mixed[2] = {NOBODY, 0};
	lp_autofd int fd = -1, fd2 = -1;
	TestChild c, c2;
	uid_t uid;

	if (geteuid() != 0) {
		g_test_skip("needs root to change uid");
		return;
	}

	c = test_child_start(test_setresuid_setup, nobody, NULL);
	fd = lp_pidfd_open(c.pid);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(lp_pidfd_get_uid(fd, &uid), ==, 0);
	g_assert_cmpuint(uid, ==, NOBODY);
	g_assert_cmpint(test_child_stop(&c), ==, 0);

	c2 = test_child_start(test_setresuid_setup, mixed, NULL);
	fd2 = lp_pidfd_open(c2.pid);
	g_assert_cmpint(fd2, >=, 0);
	g_assert_cmpint(lp_pidfd_get_uid(fd2, &uid), ==, -EPERM);
	g_assert_cmpint(test_child_stop(&c2), ==, 0);
}

/**
 * test_rename_setup() - Child setup: send own start time, then take a name
 * @data:	New command name
 * @out:	Ready pipe; gets the start time read under the original name
 *
 * Return: 0, or an exit status
 */
static int test_rename_setup(void *data, int out)
{
	uint64_t t;

	if (lp_proc_get_starttime(getpid(), &t))
		return 124;
	if (prctl(PR_SET_NAME, (unsigned long)data, 0, 0, 0))
		return 125;
	if (write(out, &t, sizeof(t)) != sizeof(t))
		return 126;
	return 0;
}

/**
 * test_comm_one() - Start time of a child whose name is @name
 * @name:	Command name with blanks, parentheses or newlines (< 16 bytes)
 */
static void test_comm_one(const char *name)
{
	g_autofree char *path = NULL, *comm = NULL, *want = NULL;
	lp_autofd int fd = -1;
	uint64_t before, t;
	TestChild c;

	c = test_child_start(test_rename_setup, (void *)name, &before);
	path = g_strdup_printf("/proc/%d/comm", c.pid);
	g_assert_true(g_file_get_contents(path, &comm, NULL, NULL));
	want = g_strconcat(name, "\n", NULL);
	g_assert_cmpstr(comm, ==, want);

	g_assert_cmpint(lp_proc_get_starttime(c.pid, &t), ==, 0);
	g_assert_cmpuint(t, ==, before);
	fd = lp_pidfd_open_checked(c.pid, before);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(lp_pidfd_get_starttime(fd, &t), ==, 0);
	g_assert_cmpuint(t, ==, before);
	g_assert_cmpint(test_child_stop(&c), ==, 0);
}

/* test_comm_parens() - Command names that look like /proc/PID/stat syntax */
static void test_comm_parens(void)
{
	test_comm_one("a) (b c");
	test_comm_one(") 1 2 3 4 5 )");
	test_comm_one("x)\n9 9 (9");
	test_comm_one("(");
}

/* test_bad_args() - Invalid PIDs and fds that are not pidfds */
static void test_bad_args(void)
{
	int p[2];
	uint64_t t;
	pid_t pid;
	uid_t uid;

	g_assert_cmpint(lp_pidfd_open(0), ==, -EINVAL);
	g_assert_cmpint(lp_pidfd_open(-1), ==, -EINVAL);
	g_assert_cmpint(lp_pidfd_open(INT32_MAX), ==, -ESRCH);
	g_assert_cmpint(lp_proc_get_starttime(0, &t), ==, -EINVAL);
	g_assert_cmpint(lp_proc_get_starttime(INT32_MAX, &t), ==, -ESRCH);
	g_assert_cmpint(lp_pidfd_open_checked(INT32_MAX, 1), ==, -ESRCH);

	g_assert_cmpint(lp_pidfd_get_pid(-1, &pid), ==, -EBADF);
	g_assert_cmpint(lp_pidfd_is_alive(-1), ==, -EBADF);

	g_assert_no_errno(pipe2(p, O_CLOEXEC));
	g_assert_cmpint(lp_pidfd_get_pid(p[0], &pid), ==, -EBADF);
	g_assert_cmpint(lp_pidfd_get_uid(p[0], &uid), ==, -EBADF);
	close(p[0]);
	close(p[1]);
	/* now closed */
	g_assert_cmpint(lp_pidfd_get_pid(p[0], &pid), ==, -EBADF);
	g_assert_cmpint(lp_pidfd_is_alive(p[0]), ==, -EBADF);
}

/**
 * test_remote_child() - In a new pid namespace, ask about an outside pidfd
 * @pidfd:	pidfd of a process outside the namespace
 *
 * Runs as PID 1 of the new namespace with its own /proc.
 *
 * Return: exit status: 0 if lp_pidfd_get_pid() said -EREMOTE
 */
static int test_remote_child(int pidfd)
{
	pid_t pid;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 130;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		return 131;
	if (lp_pidfd_get_pid(pidfd, &pid) != -EREMOTE)
		return 132;
	return 0;
}

/* test_other_pidns() - A pidfd for a process our /proc cannot name */
static void test_other_pidns(void)
{
	lp_autofd int fd = lp_pidfd_open(getpid());
	pid_t outer, inner;
	int status;

	if (geteuid() != 0) {
		g_test_skip("needs root for a pid and mount namespace");
		return;
	}
	g_assert_cmpint(fd, >=, 0);

	outer = fork();
	g_assert_cmpint(outer, >=, 0);
	if (outer == 0) {
		if (unshare(CLONE_NEWPID | CLONE_NEWNS))
			_exit(140);
		inner = fork();
		if (inner < 0)
			_exit(141);
		if (inner == 0)
			_exit(test_remote_child(fd));
		if (waitpid(inner, &status, 0) != inner || !WIFEXITED(status))
			_exit(142);
		_exit(WEXITSTATUS(status));
	}
	g_assert_cmpint(waitpid(outer, &status, 0), ==, outer);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/pidfd/self", test_self);
	g_test_add_func("/pidfd/child-exit", test_child_exit);
	g_test_add_func("/pidfd/open-checked", test_open_checked);
	g_test_add_func("/pidfd/other-uid", test_other_uid);
	g_test_add_func("/pidfd/comm-parens", test_comm_parens);
	g_test_add_func("/pidfd/bad-args", test_bad_args);
	g_test_add_func("/pidfd/other-pidns", test_other_pidns);

	return g_test_run();
}
