// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-netns.c - tests and benchmarks run in a network namespace of their own
 *
 * Call lp_test_enter_netns() first thing in main(), before GLib can start
 * threads (unshare(CLONE_NEWUSER) needs a single-threaded process). As root
 * it enters a plain new network namespace; otherwise a new user namespace
 * with the caller mapped to root, plus a network namespace. Then lo is up.
 * Anything touching nftables must call lp_test_assert_netns() first.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "test-netns.h"
#include "netutils/util.h"

static ino_t test_host_netns;
static ino_t test_own_netns;
static bool test_rootless;

/**
 * test_netns_inode() - Inode of the current network namespace
 *
 * Return: inode number, 0 on error
 */
static ino_t test_netns_inode(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return 0;
	return st.st_ino;
}

/**
 * test_write() - Write a string to a file
 * @path:	File
 * @s:		Contents
 *
 * Return: 0 on success, -1 on failure
 */
static int test_write(const char *path, const char *s)
{
	lp_autofd int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		return -1;
	return 0;
}

/**
 * test_map_self() - Map the caller to root in a fresh user namespace
 *
 * Return: NULL on success, else why not
 */
static const char *test_map_self(void)
{
	char map[64];

	g_snprintf(map, sizeof(map), "0 %u 1", (unsigned int)getuid());
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		return "unshare(CLONE_NEWUSER | CLONE_NEWNET) failed";
	if (test_write("/proc/self/setgroups", "deny") ||
	    test_write("/proc/self/uid_map", map))
		return "cannot write uid_map";
	g_snprintf(map, sizeof(map), "0 %u 1", (unsigned int)getgid());
	if (test_write("/proc/self/gid_map", map))
		return "cannot write gid_map";
	return NULL;
}

/**
 * lp_test_enter_netns() - Enter a new network namespace, bring lo up
 *
 * Return: NULL on success, else why not (static string)
 */
const char *lp_test_enter_netns(void)
{
	struct ifreq ifr = {.ifr_name = "lo"};
	lp_autofd int s = -1;
	const char *err;

	test_host_netns = test_netns_inode();
	test_rootless = getuid() != 0;
	if (!test_rootless && unshare(CLONE_NEWNET) < 0)
		return "unshare(CLONE_NEWNET) failed";
	if (test_rootless && (err = test_map_self()))
		return err;
	test_own_netns = test_netns_inode();
	if (!test_own_netns || test_own_netns == test_host_netns)
		return "still in the initial network namespace";
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return "cannot read flags of lo";
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return "cannot bring lo up";
	return NULL;
}

/**
 * lp_test_assert_netns() - Abort unless we run in the namespace we made
 */
void lp_test_assert_netns(void)
{
	ino_t now = test_netns_inode();

	if (!now || now == test_host_netns || now != test_own_netns)
		g_error("not in the test network namespace, refusing to go on");
}

/**
 * lp_test_rootless() - Did we start without root?
 *
 * Return: true if the namespace is a user namespace of an unprivileged user
 */
bool lp_test_rootless(void)
{
	return test_rootless;
}
