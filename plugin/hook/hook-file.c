// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hook-file.c - open a file an image may have planted, safely
 *
 * The container's /etc/resolv.conf may come from its root file system,
 * which the image controls: it may be a FIFO (an open() for reading would
 * block the hook until its timeout) or a symbolic link, or sit below a
 * linked directory, pointing out of the root file system at a file of the
 * host. Files are therefore opened non-blocking and must be regular
 * files; a path inside a root file system is resolved with openat2()
 * and RESOLVE_IN_ROOT, so that links resolve as they would inside the
 * container, or, where the kernel lacks openat2() (ENOSYS, before Linux
 * 5.6), walked one component at a time without following any link.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "hook/hook-file.h"
#include "hook/hook.h"
#include "netutils/util.h"

/* Flags of the file itself: never blocks, never becomes our terminal */
#define FILE_FLAGS (O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

/**
 * file_walk() - Open @path below @dirfd following no symbolic link
 * @dirfd:	Root directory
 * @path:	Relative path, without ".." components
 *
 * Return: descriptor, negative errno on failure (-ELOOP for a link)
 */
static int file_walk(int dirfd, const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	lp_autofd int cur = dup(dirfd);
	unsigned int i;
	int fd;

	if (cur < 0)
		return -errno;
	for (i = 0; parts[i] && parts[i + 1]; i++) {
		if (!*parts[i] || !strcmp(parts[i], "."))
			continue;
		if (!strcmp(parts[i], ".."))
			return -EXDEV;
		fd = openat(cur, parts[i],
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close(cur);
		cur = fd;
	}
	if (!parts[i] || !*parts[i] || !strcmp(parts[i], "..") ||
	    !strcmp(parts[i], "."))
		return -EISDIR;
	fd = openat(cur, parts[i], FILE_FLAGS | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

/**
 * file_open_in_root() - Open @path as it resolves inside @root
 * @root:	Root directory
 * @path:	Path relative to it
 *
 * Return: descriptor, negative errno on failure
 */
static int file_open_in_root(const char *root, const char *path)
{
	struct open_how how = {
		.flags = FILE_FLAGS,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	lp_autofd int rfd = -1;
	long fd;

	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	fd = syscall(SYS_openat2, rfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		return file_walk(rfd, path);
	return fd < 0 ? -errno : (int)fd;
}

/**
 * lp_hook_file_open() - Open a regular file without blocking, without
 *			 leaving a root file system
 * @root:	Root file system @path lies in, NULL if @path is a host path
 *		(then a final symbolic link is refused)
 * @path:	File, relative to @root if that is given
 * @error:	Return location for a GError
 *
 * Return: descriptor, -1 on error
 */
int lp_hook_file_open(const char *root, const char *path, GError **error)
{
	lp_autofd int fd = -1;
	struct stat st;
	int r;

	if (root) {
		r = file_open_in_root(root, path);
	} else {
		r = open(path, FILE_FLAGS | O_NOFOLLOW);
		if (r < 0)
			r = -errno;
	}
	fd = r;
	if (fd < 0 || fstat(fd, &st) < 0) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE, "%s",
			    g_strerror(fd < 0 ? -fd : errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE,
			    "not a regular file");
		return -1;
	}
	return lp_steal_fd(&fd);
}
