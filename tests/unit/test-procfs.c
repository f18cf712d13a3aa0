// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-procfs.c - /proc/PID/stat and the port sysctls, read once for all
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/pidfd.h"
#include "netutils/procfs.h"

/* A real stat line's fields 3..22 after "PID (COMM)": ppid 1, start 4242 */
#define STAT_TAIL                                                              \
	" S 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 4242 1000 "        \
	"200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"

/**
 * test_parse_stat() - Fields counted from the last ')', whatever comm holds
 */
static void test_parse_stat(void)
{
	static const char *const good[] = {
		"123 (pasta)" STAT_TAIL,
		"123 (a b) (c))" STAT_TAIL,
		"123 (new\nline)" STAT_TAIL,
		"123 ()" STAT_TAIL,
	};
	static const char *const bad[] = {
		"",
		"123 pasta S 1",
		"123 (pasta) S 1 77 77 0 -1\n",
		"123 (pasta)  S 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 "
		"0 4242\n",
		"123 (pasta) S x 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 "
		"0 4242\n",
		"123 (pasta) S 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 "
		"0 -4242\n",
		"123 (pasta) S 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 "
		"0 42x\n",
		"123 (pasta) 7 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 "
		"0 4242\n",
		"123 (pasta) S 99999999999 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 "
		"20 0 1 0 4242\n",
		"123 (pasta) S 1 77 77 0 -1 99999999999 100 0 0 0 1 2 0 0 20 0 "
		"1 0 4242\n",
	};
	LpProcStat st;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(good); i++) {
		memset(&st, 0, sizeof(st));
		g_assert_cmpint(lp_procfs_parse_stat(good[i], &st), ==, 0);
		g_assert_cmpint(st.state, ==, 'S');
		g_assert_cmpint(st.ppid, ==, 1);
		g_assert_cmpuint(st.flags, ==, 4194560);
		g_assert_false(st.flags & LP_PROCFS_PF_EXITING);
		g_assert_cmpuint(st.starttime, ==, 4242);
	}
	/* field 9 with PF_EXITING: a process inside exit() */
	g_assert_cmpint(lp_procfs_parse_stat("1 (x) R 1 0 0 0 -1 4194564 0 0 0 "
					     "0 0 0 0 0 0 0 0 0 7\n",
					     &st),
			==, 0);
	g_assert_true(st.flags & LP_PROCFS_PF_EXITING);
	g_assert_cmpuint(st.starttime, ==, 7);
	g_assert_cmpint(lp_procfs_parse_stat("1 (x) Z 0 0 0 0 0 0 0 0 0 0 0 0 "
					     "0 0 0 0 0 0 18446744073709551615"
					     "\n",
					     &st),
			==, 0);
	g_assert_cmpint(st.state, ==, 'Z');
	g_assert_cmpint(st.ppid, ==, 0);
	g_assert_cmpuint(st.starttime, ==, G_MAXUINT64);
	for (i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(lp_procfs_parse_stat(bad[i], &st), ==, -EIO);
}

/**
 * test_stat() - Our own stat, a zombie's, and a process that is gone
 */
static void test_stat(void)
{
	siginfo_t si;
	LpProcStat st;
	uint64_t t;
	pid_t pid;
	int status;

	g_assert_cmpint(lp_procfs_stat(getpid(), &st), ==, 0);
	g_assert_cmpint(st.state, ==, 'R');
	g_assert_cmpint(st.ppid, ==, getppid());
	g_assert_cmpint(lp_proc_get_starttime(getpid(), &t), ==, 0);
	g_assert_cmpuint(st.starttime, ==, t);
	g_assert_cmpuint(st.starttime, >, 0);

	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(0);
	/* a zombie until reaped: still readable, state Z, parent us */
	g_assert_cmpint(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), ==,
			0);
	g_assert_cmpint(lp_procfs_stat(pid, &st), ==, 0);
	g_assert_cmpint(st.state, ==, 'Z');
	g_assert_cmpint(st.ppid, ==, getpid());
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_cmpint(lp_procfs_stat(pid, &st), ==, -ESRCH);
	g_assert_cmpint(lp_procfs_stat(0, &st), ==, -EINVAL);
	g_assert_cmpint(lp_procfs_stat(-1, &st), ==, -EINVAL);
}

/**
 * test_read() - Small reads say when the file did not fit; missing files
 */
static void test_read(void)
{
	char buf[8];
	bool full = false;

	g_assert_cmpint(
		lp_procfs_read("/proc/self/stat", buf, sizeof(buf), &full), ==,
		0);
	g_assert_true(full);
	g_assert_cmpuint(strlen(buf), ==, sizeof(buf) - 1);
	g_assert_cmpint(lp_procfs_read("/proc/sys/net/ipv4/ip_forward", buf,
				       sizeof(buf), &full),
			==, 0);
	g_assert_false(full);
	g_assert_cmpint(lp_procfs_read("/proc/self/no-such-file", buf,
				       sizeof(buf), &full),
			==, -ESRCH);
}

/**
 * test_sysctls() - The port sysctls match the files, read independently
 */
static void test_sysctls(void)
{
	g_autofree char *unpriv = NULL, *range = NULL;
	unsigned int start, first, last, f2, l2;

	g_assert_true(g_file_get_contents(
		"/proc/sys/net/ipv4/ip_unprivileged_port_start", &unpriv, NULL,
		NULL));
	g_assert_cmpint(lp_procfs_unpriv_start(&start), ==, 0);
	g_assert_cmpuint(start, ==, (unsigned int)atoi(unpriv));
	g_assert_cmpuint(lp_procfs_unpriv_start_or_default(), ==, start);

	g_assert_true(g_file_get_contents(
		"/proc/sys/net/ipv4/ip_local_port_range", &range, NULL, NULL));
	g_assert_cmpint(sscanf(range, "%u %u", &f2, &l2), ==, 2);
	g_assert_cmpint(lp_procfs_local_port_range(&first, &last), ==, 0);
	g_assert_cmpuint(first, ==, f2);
	g_assert_cmpuint(last, ==, l2);
	g_assert_cmpuint(first, <=, last);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/procfs/parse-stat", test_parse_stat);
	g_test_add_func("/procfs/stat", test_stat);
	g_test_add_func("/procfs/read", test_read);
	g_test_add_func("/procfs/sysctls", test_sysctls);

	return g_test_run();
}
