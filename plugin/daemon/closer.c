// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * closer.c - close client-supplied descriptors off the main loop
 *
 * DOC: Theory of Operation
 *
 * close() can block: the last close of a TCP socket with SO_LINGER set and
 * unsent data waits up to the linger time, a file on a FUSE mount waits for
 * its server's flush, and closing a unix socket releases whatever
 * descriptors are still queued in it, with the same effects. Every
 * descriptor a client hands lowportd, and every client connection, may be
 * such a thing. So the main loop never closes them itself: it disarms
 * lingering where it can and passes them to one closer thread. If a close
 * hangs there, the main loop keeps serving; only that thread waits.
 *
 * Descriptors lowportd made itself, and pidfds it has checked, are closed
 * where they are (closing a pidfd cannot block).
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "daemon/closer.h"

/**
 * closer_run() - Thread pool worker: close one descriptor
 * @data:	Descriptor + 1
 * @user:	Unused
 */
static void closer_run(gpointer data, gpointer user)
{
	close(GPOINTER_TO_INT(data) - 1);
}

/**
 * closer_pool() - The one closer thread, started on first use
 *
 * Return: thread pool
 */
static GThreadPool *closer_pool(void)
{
	static GThreadPool *pool;

	if (!pool)
		pool = g_thread_pool_new(closer_run, NULL, 1, TRUE, NULL);
	return pool;
}

/**
 * lp_closer_close() - Close a client-supplied descriptor without blocking
 * @fd:		Descriptor, or -1; ownership moves here
 */
void lp_closer_close(int fd)
{
	struct linger off = {.l_onoff = 0};
	struct stat st;

	if (fd < 0)
		return;
	/* A lingering socket would make even the closer thread wait */
	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, sizeof(off));
	g_thread_pool_push(closer_pool(), GINT_TO_POINTER(fd + 1), NULL);
}

/**
 * lp_closer_closep() - lp_closer_close() *@fd, then set it to -1
 * @fd:		Pointer to a descriptor
 */
void lp_closer_closep(int *fd)
{
	lp_closer_close(*fd);
	*fd = -1;
}
