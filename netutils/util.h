/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.h - small helpers shared by every lowport module
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_UTIL_H
#define LOWPORT_UTIL_H

#include <errno.h>
#include <unistd.h>

#include <glib.h>

/**
 * lp_closep() - Close *@fd if it is open, then set it to -1
 * @fd:	Pointer to a file descriptor
 */
static inline void lp_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

/* GLib 2.74 has no g_autofd (2.76); this is the project's one copy. */
#define lp_autofd __attribute__((cleanup(lp_closep)))

/**
 * lp_steal_fd() - Take ownership of *@fd, leaving -1 behind
 * @fd:	Pointer to a file descriptor
 *
 * Return: the descriptor that was in *@fd
 */
static inline int lp_steal_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

/**
 * lp_oom() - Abort on allocation failure of a non-GLib allocator
 *
 * GLib aborts on OOM; libnftnl and libmnl return NULL. Treat both the same.
 */
G_NORETURN void lp_oom(void);

#define LP_ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#endif /* LOWPORT_UTIL_H */
