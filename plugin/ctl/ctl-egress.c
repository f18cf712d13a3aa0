// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl-egress.c - lowportctl egress: a container's egress allowlist as applied
 *
 * "lowportctl egress CONTAINER" finds the container's process with
 * `podman inspect --format {{.State.Pid}}` and reads table inet
 * lowport_egress (netutils/nft/nft-egress-list.c) in its network
 * namespace: one line per allowed address block and service, then the
 * packets the reject rules counted. A rootless user's container lives in
 * network namespaces owned by the user's rootless user namespace, so for
 * anyone but root the command re-runs itself the way `podman unshare`
 * does, through `podman unshare`, with the namespace path as argument.
 * CONTAINER may also be such a path (/proc/PID/ns/net, /run/netns/NAME).
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/ctl-egress.h"
#include "ctl/ctl.h"
#include "netutils/nft/nft-egress-list.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

/**
 * egress_podman() - The podman program: $LOWPORT_PODMAN or "podman"
 *
 * Return: static or environment string
 */
static const char *egress_podman(void)
{
	const char *p = g_getenv("LOWPORT_PODMAN");

	return p && *p ? p : "podman";
}

/**
 * egress_read_out() - Read a child's stdout, bounded in size and time
 * @fd:		Pipe
 * @timeout_ms:	Longest wait
 * @out:	Output, appended to
 *
 * Return: true on EOF, false on timeout
 */
static bool egress_read_out(int fd, unsigned int timeout_ms, GString *out)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char buf[512];
	ssize_t n;

	for (;;) {
		gint64 left = (end - g_get_monotonic_time()) / 1000;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
			return false;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		if (out->len < LP_CTL_EGRESS_OUTPUT_MAX)
			g_string_append_len(out, buf, n);
	}
}

/**
 * egress_inspect_pid() - PID of a running container, by podman inspect
 * @container:	Name or ID
 * @error:	Return location for a GError
 *
 * Return: PID, 0 on error
 */
static pid_t egress_inspect_pid(const char *container, GError **error)
{
	const char *argv[] = {egress_podman(), "inspect",  "--type",
			      "container",     "--format", "{{.State.Pid}}",
			      container,       NULL};
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) local = NULL;
	int fd = -1, status = 0;
	GPid child;
	bool done;
	long pid;
	char *end;

	if (!g_spawn_async_with_pipes(
		    NULL, (char **)argv, NULL,
		    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
		    &child, NULL, &fd, NULL, &local)) {
		g_set_error(error, LP_NFT_ERROR, ENOENT, "cannot run %s: %s",
			    argv[0], local->message);
		return 0;
	}
	done = egress_read_out(fd, LP_CTL_EGRESS_PODMAN_TIMEOUT_MS, out);
	close(fd);
	if (!done)
		kill(child, SIGKILL);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	g_spawn_close_pid(child);
	pid = strtol(g_strstrip(out->str), &end, 10);
	if (!done || !g_spawn_check_wait_status(status, NULL) || *end ||
	    pid <= 0 || pid > G_MAXINT) {
		g_set_error(error, LP_NFT_ERROR, ESRCH,
			    "container '%s' is not running (%s inspect "
			    "--format {{.State.Pid}} gave '%s'%s)",
			    container, argv[0], out->str,
			    done ? "" : ", timed out");
		return 0;
	}
	return (pid_t)pid;
}

/**
 * egress_reexec() - Run "podman unshare <this program> egress PATH"
 * @netns:	Network namespace path
 * @error:	Return location for a GError
 *
 * Return: does not return on success; FALSE with @error set otherwise
 */
static gboolean egress_reexec(const char *netns, GError **error)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	const char *argv[] = {egress_podman(), "unshare", self,
			      "egress",	       netns,	  NULL};

	if (!self) {
		g_set_error(error, LP_NFT_ERROR, ENOENT,
			    "cannot find this program (/proc/self/exe)");
		return FALSE;
	}
	fflush(NULL);
	execvp(argv[0], (char **)argv);
	g_set_error(error, LP_NFT_ERROR, errno, "cannot run %s unshare: %s",
		    argv[0], g_strerror(errno));
	return FALSE;
}

/**
 * egress_service() - Text of a set's service: "any", "tcp", "udp 53"
 * @set:	Set
 *
 * Return: new string
 */
static char *egress_service(const LpNftEgressSet *set)
{
	const char *p = set->proto == IPPROTO_TCP ? "tcp" : "udp";

	if (!set->proto)
		return g_strdup("any protocol and port");
	if (!set->port_first)
		return g_strdup_printf("%s, every port", p);
	if (set->port_first == set->port_last)
		return g_strdup_printf("%s %u", p, set->port_first);
	return g_strdup_printf("%s %u-%u", p, set->port_first, set->port_last);
}

/**
 * egress_print() - Print the allowlist and the reject counter
 * @st:		Table as read
 * @where:	Namespace path, for the heading
 */
static void egress_print(const LpNftEgressState *st, const char *where)
{
	char buf[2 * INET6_ADDRSTRLEN + 2];
	unsigned int n = 0;
	guint i, j;

	printf("table inet %s in %s\n", LP_NFT_EGRESS_TABLE, where);
	printf("allowed (besides loopback and replies):\n");
	for (i = 0; i < st->sets->len; i++) {
		const LpNftEgressSet *set = g_ptr_array_index(st->sets, i);
		g_autofree char *svc = egress_service(set);

		for (j = 0; j < set->ranges->len; j++, n++)
			printf("  %-43s %s\n",
			       lp_nft_egress_range_format(
				       set->family,
				       &g_array_index(set->ranges,
						      LpNftEgressRange, j),
				       buf, sizeof(buf)),
			       svc);
	}
	if (!n)
		printf("  nothing\n");
	if (st->reject_rules != 2)
		printf("warning: %u of the 2 reject rules found: the table "
		       "was changed\n",
		       st->reject_rules);
	printf("rejected: %" G_GUINT64_FORMAT " packet%s (%" G_GUINT64_FORMAT
	       " bytes)\n",
	       st->rejected, st->rejected == 1 ? "" : "s", st->rejected_bytes);
}

/**
 * egress_show() - Enter a network namespace, read the table, print it
 * @netns:	Namespace path
 * @error:	Return location for a GError
 *
 * Return: TRUE on success
 */
static gboolean egress_show(const char *netns, GError **error)
{
	g_autoptr(LpNftEgressState) st = NULL;
	lp_autofd int fd = open(netns, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		g_set_error(error, LP_NFT_ERROR, errno,
			    "cannot enter the network namespace %s: %s%s",
			    netns, g_strerror(errno),
			    errno == EPERM ? " (run as the container's owner "
					     "or root)"
					   : "");
		return FALSE;
	}
	st = lp_nft_egress_list_read(error);
	if (!st)
		return FALSE;
	egress_print(st, netns);
	return TRUE;
}

/**
 * lp_ctl_egress() - lowportctl egress CONTAINER
 * @ctl:	Invocation
 * @container:	Podman container name or ID, or a network namespace path
 * @error:	Return location for a GError
 *
 * Return: TRUE on success (for non-root, on success it does not return)
 */
gboolean lp_ctl_egress(const LpCtl *ctl, const char *container, GError **error)
{
	g_autofree char *netns = NULL;
	pid_t pid;

	if (container[0] == '/')
		return egress_show(container, error);
	if (!container[0] || container[0] == '-') {
		g_set_error(error, LP_CTL_USAGE_ERROR, LP_CTL_USAGE,
			    "usage: lowportctl egress CONTAINER");
		return FALSE;
	}
	pid = egress_inspect_pid(container, error);
	if (!pid)
		return FALSE;
	netns = g_strdup_printf("/proc/%d/ns/net", (int)pid);
	if (geteuid() != 0)
		return egress_reexec(netns, error);
	return egress_show(netns, error);
}
