// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-lease.c - leases and processes for the lowportd unit tests
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/pidfd.h"
#include "test-lease.h"

/**
 * lp_test_mapping() - One mapping from its parts
 * @proto:		IPPROTO_TCP or IPPROTO_UDP
 * @addr:		Host address ("" for every address)
 * @host_port:		First host port
 * @backend_port:	First backend port
 * @range:		Number of ports
 *
 * Return: the mapping
 */
LpMapping lp_test_mapping(int proto, const char *addr, uint16_t host_port,
			  uint16_t backend_port, uint16_t range)
{
	LpMapping m = {.proto = proto,
		       .host_port = host_port,
		       .backend_port = backend_port,
		       .range = range};

	g_assert_cmpint(lp_addr_parse(addr, &m.addr), ==, 0);
	return m;
}

/**
 * lp_test_lease() - A lease of @uid for process @pid
 * @id:		Lease ID
 * @uid:	Owner (also its gid)
 * @pid:	Process; the lease gets a pidfd of it, and its start time
 * @m:		Mappings
 * @n:		Number of @m
 *
 * Return: new lease
 */
LpLease *lp_test_lease(const char *id, uid_t uid, pid_t pid, const LpMapping *m,
		       unsigned int n)
{
	LpLease *lease = lp_lease_new();

	g_strlcpy(lease->id, id, sizeof(lease->id));
	lease->uid = uid;
	lease->gid = uid;
	lease->pid = pid;
	lease->netns = g_strdup("/run/user/test/netns");
	lease->created = 1700000000;
	lease->pidfd = lp_pidfd_open(pid);
	g_assert_cmpint(lease->pidfd, >=, 0);
	g_assert_cmpint(lp_pidfd_get_starttime(lease->pidfd, &lease->starttime),
			==, 0);
	g_array_append_vals(lease->mappings, m, n);
	return lease;
}

/**
 * lp_test_child() - Fork a child that sleeps until killed (or the test
 *		     dies: it must not hold the test's output open)
 *
 * Return: its PID
 */
pid_t lp_test_child(void)
{
	pid_t pid = fork();

	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

/**
 * lp_test_reap() - Kill and reap a child of lp_test_child()
 * @pid:	Child
 */
void lp_test_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/**
 * lp_test_skip() - A test that only says why the suite cannot run
 * @why:	Reason
 */
void lp_test_skip(gconstpointer why)
{
	g_test_skip(why);
}
