// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core-listeners.c - shim core: take the lease process's listening TCP
 * sockets on the backend ports, to hand them to lowportd
 *
 * Copyright lowport authors
 *
 * DOC: Theory of Operation
 *
 * lowportd can steer a TCP mapping onto the backend's own listening socket
 * (no NAT) if it gets that socket. It does not take it itself (that would
 * need CAP_SYS_PTRACE); the shim, which started the lease's process, does:
 *
 * 1. inet_diag (netutils/sockdiag.c) lists the TCP sockets in LISTEN on each
 *    backend port of each TCP mapping, in the shim's network namespace (the
 *    host side, where pasta and rootlessport listen), by inode.
 * 2. /proc/PID/fd of the lease's process says which of its descriptors are
 *    "socket:[INODE]" for one of them.
 * 3. pidfd_getfd() copies each such descriptor; fstat() confirms the inode
 *    (the descriptor number may have been reused meanwhile).
 *
 * Only whole mappings are taken: if a mapping's listeners do not fit in the
 * LP_LISTENERS_MAX left, none of them is sent and lowportd keeps NAT for it.
 * The caller sends the copies with the request and closes them right after:
 * the steering must end when the backend closes its socket, so no copy may
 * stay open anywhere. Not getting them is not an error: lowportd then uses
 * NAT (or, with policy datapath = steer, refuses and says why); the reason
 * is printed as "lowport: debug: ..." on stderr when GLib debug messages
 * are on for this log domain (G_MESSAGES_DEBUG=lowport-shim).
 *
 * Who may take them. /proc/PID/fd needs ptrace read access, pidfd_getfd()
 * ptrace attach access (PTRACE_MODE_ATTACH_REALCREDS). The kernel grants it
 * to the same uid and gid, if the target is dumpable or the caller has
 * CAP_SYS_PTRACE in the user namespace the target was exec'd in, and if the
 * caller's permitted capabilities include the target's:
 *
 * - pasta: the daemonized pasta calls prctl(PR_SET_DUMPABLE, 0) (passt's
 *   isolate_postfork()), and with --netns (no --userns: "netns only") stays
 *   in the user namespace it was started in, with fewer capabilities than
 *   its starter. Rootless Podman starts the shim, and the shim pasta, as
 *   root of the user's rootless user namespace with every capability there:
 *   the shim may take pasta's listeners. Measured with Debian 12's passt
 *   (0.0~git20230309.7c7625d) on kernel 6.18: as root of a user's user
 *   namespace, pasta's one dual-stack "[::]:PORT" listener was taken; as
 *   the plain user in the initial user namespace, /proc/PID/fd gave EACCES
 *   and pidfd_getfd() EPERM, so that setup keeps NAT.
 * - Yama: ptrace_scope 1 allows an ancestor (the shim is pasta's parent
 *   and subreaper) or CAP_SYS_PTRACE in the target's user namespace; 2
 *   allows the latter, which the shim has under rootless Podman; 3 denies
 *   everything: NAT.
 * - rootlessport: the process the shim spawns binds every host port itself
 *   (Podman's rootlessport parent() adds them with rootlesskit's builtin
 *   parent driver, which calls net.Listen() in that process, in the host
 *   network namespace; its "rootlessport-child" runs in the container's
 *   namespace). It is a dumpable Go process with the shim's credentials.
 * - pesto: the rootless-netns pasta is not the shim's child; never tried.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/mapping.h"
#include "netutils/pidfd.h"
#include "netutils/sockdiag.h"
#include "netutils/util.h"
#include "shim/core-listeners.h"

/*
 * ListenerWant - a listening socket on a backend port
 * @inode:	Its inode
 * @mapping:	Index of the mapping whose backend port it is bound to
 * @fd:		Our copy, -1 until taken
 */
typedef struct {
	uint64_t inode;
	guint mapping;
	int fd;
} ListenerWant;

/**
 * listeners_want_free() - Close what was taken, free the array
 * @wants:	GArray of ListenerWant, may be NULL
 */
static void listeners_want_free(GArray *wants)
{
	guint i;

	if (!wants)
		return;
	for (i = 0; i < wants->len; i++)
		lp_closep(&g_array_index(wants, ListenerWant, i).fd);
	g_array_unref(wants);
}

typedef GArray ListenerWants;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ListenerWants, listeners_want_free)

/**
 * listeners_find() - The wanted socket with this inode, not taken yet
 * @wants:	GArray of ListenerWant
 * @inode:	Inode
 *
 * Return: the entry, NULL if none
 */
static ListenerWant *listeners_find(GArray *wants, uint64_t inode)
{
	guint i;

	for (i = 0; i < wants->len; i++) {
		ListenerWant *w = &g_array_index(wants, ListenerWant, i);

		if (w->inode == inode)
			return w;
	}
	return NULL;
}

/**
 * listeners_query() - Step 1: the TCP listeners on every backend port
 * @mappings:	GArray of LpMapping
 * @wants:	GArray of ListenerWant to fill, each inode once
 *
 * Return: 0 on success, negative errno from lp_sockdiag_query()
 */
static int listeners_query(const GArray *mappings, GArray *wants)
{
	guint i;

	for (i = 0; i < mappings->len; i++) {
		const LpMapping *m = &g_array_index(mappings, LpMapping, i);
		unsigned int p;

		if (m->proto != IPPROTO_TCP)
			continue;
		for (p = m->backend_port;
		     p < (unsigned int)m->backend_port + m->range && p <= 65535;
		     p++) {
			g_autofree LpSockInfo *socks = NULL;
			size_t n = 0, k;
			int r;

			r = lp_sockdiag_query(IPPROTO_TCP, (uint16_t)p,
					      1u << TCP_LISTEN, &socks, &n);
			if (r < 0)
				return r;
			for (k = 0; k < n; k++) {
				ListenerWant w = {socks[k].inode, i, -1};

				if (w.inode && !listeners_find(wants, w.inode))
					g_array_append_val(wants, w);
			}
		}
	}
	return 0;
}

/**
 * listeners_socket_inode() - Inode a /proc/PID/fd entry links to
 * @dirfd:	/proc/PID/fd
 * @name:	Entry
 *
 * Return: the inode of "socket:[INODE]", 0 for anything else
 */
static uint64_t listeners_socket_inode(int dirfd, const char *name)
{
	char link[64];
	char *end;
	ssize_t n;
	guint64 v;

	n = readlinkat(dirfd, name, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	if (strncmp(link, "socket:[", strlen("socket:[")))
		return 0;
	errno = 0;
	v = g_ascii_strtoull(link + strlen("socket:["), &end, 10);
	if (errno || strcmp(end, "]"))
		return 0;
	return v;
}

/**
 * listeners_take_one() - Step 3: copy one descriptor, confirm its inode
 * @pidfd:	pidfd of the lease's process
 * @target:	Its descriptor number
 * @w:		The socket it should be, @fd set on success
 *
 * Return: 0 if taken or gone meanwhile, negative errno of pidfd_getfd()
 */
static int listeners_take_one(int pidfd, int target, ListenerWant *w)
{
	lp_autofd int fd = pidfd_getfd(pidfd, target, 0);
	struct stat st;

	if (fd < 0)
		return errno == EBADF ? 0 : -errno;
	if (fstat(fd, &st) || !S_ISSOCK(st.st_mode) || st.st_ino != w->inode)
		return 0;
	w->fd = lp_steal_fd(&fd);
	return 0;
}

/**
 * listeners_scan() - Steps 2 and 3: find and copy the wanted descriptors
 * @pidfd:	pidfd of the lease's process
 * @wants:	GArray of ListenerWant, @fd set for each one taken
 *
 * Return: 0 on success, -E2BIG past LP_CORE_LISTENERS_SCAN_MAX entries,
 *	   other negative errno (-EACCES, -EPERM: no ptrace access)
 */
static int listeners_scan(int pidfd, GArray *wants)
{
	char path[sizeof("/proc//fd") + 12];
	unsigned int entries = 0;
	struct dirent *de;
	DIR *dir;
	pid_t pid;
	int r;

	r = lp_pidfd_get_pid(pidfd, &pid);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (!r && (de = readdir(dir))) {
		ListenerWant *w;
		uint64_t inode;
		char *end;
		long fd;

		if (de->d_name[0] == '.')
			continue;
		if (++entries > LP_CORE_LISTENERS_SCAN_MAX) {
			r = -E2BIG;
			break;
		}
		inode = listeners_socket_inode(dirfd(dir), de->d_name);
		w = inode ? listeners_find(wants, inode) : NULL;
		fd = strtol(de->d_name, &end, 10);
		if (w && w->fd < 0 && !*end && fd >= 0 && fd <= INT32_MAX)
			r = listeners_take_one(pidfd, (int)fd, w);
	}
	closedir(dir);
	return r;
}

/**
 * lp_core_listeners_take() - Copy the listening TCP sockets a process holds
 * on the backend ports of TCP mappings
 * @pidfd:	pidfd of the lease's process
 * @mappings:	GArray of LpMapping; UDP mappings are skipped
 * @fds:	Output: the copies (CLOEXEC), mapping by mapping
 * @max:	Room in @fds
 *
 * A mapping whose listeners do not all fit in what is left of @max is
 * skipped as a whole.
 *
 * Return: number of descriptors in @fds (caller closes them), or negative
 *	   errno (nothing taken): -EACCES or -EPERM without ptrace access to
 *	   the process, -ESRCH if it exited, others from inet_diag
 */
int lp_core_listeners_take(int pidfd, const GArray *mappings, int *fds,
			   size_t max)
{
	g_autoptr(ListenerWants) wants =
		g_array_new(FALSE, FALSE, sizeof(ListenerWant));
	size_t n = 0;
	guint i, k;
	int r;

	r = listeners_query(mappings, wants);
	if (r < 0 || !wants->len)
		return r;
	r = listeners_scan(pidfd, wants);
	if (r < 0)
		return r;
	for (i = 0; i < mappings->len; i++) {
		size_t mine = 0;

		for (k = 0; k < wants->len; k++) {
			const ListenerWant *w =
				&g_array_index(wants, ListenerWant, k);

			mine += w->mapping == i && w->fd >= 0;
		}
		if (!mine || n + mine > max)
			continue;
		for (k = 0; k < wants->len; k++) {
			ListenerWant *w =
				&g_array_index(wants, ListenerWant, k);

			if (w->mapping == i && w->fd >= 0)
				fds[n++] = lp_steal_fd(&w->fd);
		}
	}
	return (int)n;
}

/**
 * listeners_debug() - One "lowport: debug: ..." line on stderr, if GLib
 * debug messages are on for our log domain
 * @fmt:	printf() format
 * @...:	Arguments
 */
static void G_GNUC_PRINTF(1, 2) listeners_debug(const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	if (g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "lowport: debug: %s\n", msg);
	fflush(stderr);
}

/**
 * lp_core_listeners_collect() - The listeners to send with a forward
 * request
 * @pidfd:	pidfd of the lease's process
 * @mappings:	GArray of LpMapping of the request
 * @fds:	Output: the copies
 *
 * Failing to take them is no error: none are sent, lowportd uses NAT, and
 * why is logged (listeners_debug()).
 *
 * Return: number of descriptors in @fds (caller closes them)
 */
size_t lp_core_listeners_collect(int pidfd, const GArray *mappings,
				 int fds[LP_LISTENERS_MAX])
{
	int r = lp_core_listeners_take(pidfd, mappings, fds, LP_LISTENERS_MAX);
	if (r < 0)
		listeners_debug("cannot take the backend's listening sockets "
				"(%s); lowportd decides without them",
				g_strerror(-r));
	else
		listeners_debug("handing %d listening socket%s to lowportd", r,
				r == 1 ? "" : "s");
	return r < 0 ? 0 : (size_t)r;
}

/**
 * lp_core_listeners_close() - Close the copies once the request is answered
 * @fds:	Descriptors
 * @n:		Their number
 */
void lp_core_listeners_close(int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		lp_closep(&fds[i]);
}
