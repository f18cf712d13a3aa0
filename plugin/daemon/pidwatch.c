// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pidwatch.c - watch many pidfds through one epoll descriptor
 *
 * Every lease watches its process through a pidfd. Handing each pidfd to
 * the GLib main loop would make every loop iteration poll() all of them, a
 * cost that grows with the number of leases; instead they sit in one epoll
 * set, and the main loop watches only the epoll descriptor. A pidfd becomes
 * readable once when its process exits; the callback then ends the lease,
 * which removes the pidfd again.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <sys/epoll.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "daemon/pidwatch.h"
#include "netutils/util.h"

#define PIDWATCH_BATCH 64

struct LpPidWatch {
	int epfd;
	guint src;
	LpPidWatchFunc func;
	gpointer data;
};

/**
 * pidwatch_on_ready() - Some watched processes exited
 * @fd:		epoll descriptor
 * @cond:	Condition
 * @user:	Watch
 *
 * Return: G_SOURCE_CONTINUE
 */
static gboolean pidwatch_on_ready(int fd, GIOCondition cond, gpointer user)
{
	struct epoll_event ev[PIDWATCH_BATCH];
	LpPidWatch *w = user;
	int n, i;

	n = epoll_wait(w->epfd, ev, PIDWATCH_BATCH, 0);
	for (i = 0; i < n; i++)
		w->func(ev[i].data.ptr, w->data);
	return G_SOURCE_CONTINUE;
}

/**
 * lp_pidwatch_new() - Create an empty watch set in the main loop
 * @func:	Called with the key of each pidfd whose process exited; it
 *		must lp_pidwatch_remove() that pidfd
 * @data:	Passed to @func
 * @error:	Return location for a GError
 *
 * Return: new watch set, or NULL
 */
LpPidWatch *lp_pidwatch_new(LpPidWatchFunc func, gpointer data, GError **error)
{
	LpPidWatch *w;
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
			    "epoll_create1: %s", g_strerror(e));
		return NULL;
	}
	w = g_new0(LpPidWatch, 1);
	w->epfd = epfd;
	w->func = func;
	w->data = data;
	w->src = g_unix_fd_add(epfd, G_IO_IN, pidwatch_on_ready, w);
	return w;
}

/**
 * lp_pidwatch_free() - Stop watching and free the set
 * @w:		Watch set, or NULL
 */
void lp_pidwatch_free(LpPidWatch *w)
{
	if (!w)
		return;
	g_source_remove(w->src);
	lp_closep(&w->epfd);
	g_free(w);
}

/**
 * lp_pidwatch_add() - Watch one pidfd
 * @w:		Watch set
 * @pidfd:	pidfd, still owned by the caller
 * @key:	Handed to the callback when the process exits
 *
 * Return: 0 on success, -errno on failure
 */
int lp_pidwatch_add(LpPidWatch *w, int pidfd, gpointer key)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = key};

	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, pidfd, &ev) < 0)
		return -errno;
	return 0;
}

/**
 * lp_pidwatch_remove() - Stop watching one pidfd (before closing it)
 * @w:		Watch set
 * @pidfd:	pidfd given to lp_pidwatch_add()
 */
void lp_pidwatch_remove(LpPidWatch *w, int pidfd)
{
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, pidfd, NULL);
}
