// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify.c - systemd integration: socket activation and readiness
 *
 * With libsystemd, sd_listen_fds() and sd_notify(); without it, the same
 * protocols by hand ($LISTEN_PID/$LISTEN_FDS from fd 3, a datagram to
 * $NOTIFY_SOCKET), so lowportd works under systemd either way.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <gio/gio.h>
#include <glib.h>
#include <glib-unix.h>

#include "daemon/notify.h"
#include "netutils/util.h"

#define NOTIFY_FD_START 3

#if !HAVE_LIBSYSTEMD
/**
 * notify_listen_fds() - Number of descriptors passed by socket activation
 *
 * Return: count (0 if not activated), or -errno
 */
static int notify_listen_fds(void)
{
	const char *pid = g_getenv("LISTEN_PID");
	const char *fds = g_getenv("LISTEN_FDS");
	guint64 p, n;

	if (!pid || !fds)
		return 0;
	if (!g_ascii_string_to_unsigned(pid, 10, 1, G_MAXINT32, &p, NULL) ||
	    !g_ascii_string_to_unsigned(fds, 10, 0, 64, &n, NULL))
		return -EINVAL;
	if ((pid_t)p != getpid())
		return 0;
	return n;
}

/**
 * lp_notify() - Tell the service manager about a state change
 * @state:	e.g. "READY=1"
 */
void lp_notify(const char *state)
{
	const char *path = g_getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	lp_autofd int fd = -1;
	socklen_t len;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			     (struct sockaddr *)&sa, len) < 0)
		g_debug("sd_notify: %s", g_strerror(errno));
}
#else
/**
 * notify_listen_fds() - Number of descriptors passed by socket activation
 *
 * Return: count (0 if not activated), or -errno
 */
static int notify_listen_fds(void)
{
	return sd_listen_fds(1);
}

/**
 * lp_notify() - Tell the service manager about a state change
 * @state:	e.g. "READY=1"
 */
void lp_notify(const char *state)
{
	sd_notify(0, state);
}
#endif

/**
 * lp_notify_listen_fd() - The listening socket passed by systemd, if any
 * @ret_fd:	The socket (CLOEXEC), or -1 when not socket-activated
 * @error:	Return location for a GError
 *
 * Return: false if activation passed something unusable
 */
bool lp_notify_listen_fd(int *ret_fd, GError **error)
{
	int n = notify_listen_fds();
	struct stat st;

	*ret_fd = -1;
	g_unsetenv("LISTEN_PID");
	g_unsetenv("LISTEN_FDS");
	g_unsetenv("LISTEN_FDNAMES");
	if (n == 0)
		return true;
	if (n != 1 || fstat(NOTIFY_FD_START, &st) < 0 ||
	    !S_ISSOCK(st.st_mode)) {
		g_set_error(
			error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			"socket activation must pass exactly one unix stream socket (got %d descriptors)",
			n);
		return false;
	}
	if (!g_unix_set_fd_nonblocking(NOTIFY_FD_START, TRUE, error))
		return false;
	if (fcntl(NOTIFY_FD_START, F_SETFD, FD_CLOEXEC) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "cannot set FD_CLOEXEC on the activated socket");
		return false;
	}
	*ret_fd = NOTIFY_FD_START;
	return true;
}
