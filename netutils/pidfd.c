// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pidfd.c - pidfd helpers: open, owner uid, start time, liveness
 *
 * Copyright lowport authors
 *
 * Reading /proc/<pid>/... for a pidfd races with PID reuse: the process may
 * exit and its PID be recycled between reading the PID from fdinfo and
 * reading the file. Every pidfd getter therefore reads the PID, reads the
 * file, then checks that the pidfd's process has still not exited. While
 * it has not, its PID cannot name anybody else, so the data was its own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>

#include <glib.h>

#include "netutils/pidfd.h"
#include "netutils/procfs.h"
#include "netutils/util.h"

/**
 * pidfd_find_line() - Find a "Key:" line in a /proc status-style file
 * @buf:	File contents, NUL-terminated
 * @key:	Key including the colon, e.g. "Pid:"
 *
 * Only lines terminated by '\n' count, so a truncated read never yields a
 * partial value.
 *
 * Return: the value after the key and its blanks, or NULL if absent
 */
static const char *pidfd_find_line(const char *buf, const char *key)
{
	size_t klen = strlen(key);
	const char *p = buf;

	while (*p) {
		const char *eol = strchr(p, '\n');

		if (!eol)
			return NULL;
		if (!strncmp(p, key, klen)) {
			p += klen;
			return p + strspn(p, " \t");
		}
		p = eol + 1;
	}
	return NULL;
}

/**
 * pidfd_parse_long() - Parse one decimal integer ending in blank or newline
 * @s:		Text
 * @ret_end:	Position after the number
 * @ret:	Value
 *
 * Return: 0 on success, -EIO if @s holds no such number
 */
static int pidfd_parse_long(const char *s, const char **ret_end, long long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoll(s, &end, 10);
	if (errno || end == s || (*end != '\t' && *end != ' ' && *end != '\n'))
		return -EIO;
	*ret_end = end;
	return 0;
}

/**
 * lp_pidfd_open() - Open a pidfd for a process
 * @pid:	Process ID, > 0
 *
 * The pidfd is close-on-exec (the kernel always sets O_CLOEXEC on pidfds).
 *
 * Return: the pidfd, -EINVAL for a bad @pid, -ESRCH if no such process,
 *	   other negative errno from pidfd_open(2)
 */
int lp_pidfd_open(pid_t pid)
{
	int fd;

	if (pid <= 0)
		return -EINVAL;
	fd = pidfd_open(pid, 0);
	if (fd < 0)
		return -errno;
	return fd;
}

/**
 * lp_pidfd_get_pid() - PID of a pidfd's process, from /proc/self/fdinfo
 * @pidfd:	pidfd
 * @ret_pid:	PID in the pid namespace of our /proc
 *
 * Return: 0 on success, -EBADF if @pidfd is not an open pidfd, -EREMOTE if
 *	   the process is outside our pid namespace (fdinfo "Pid: 0"), -ESRCH
 *	   if it was reaped ("Pid: -1"), -EIO on unparsable fdinfo
 */
int lp_pidfd_get_pid(int pidfd, pid_t *ret_pid)
{
	char path[sizeof("/proc/self/fdinfo/") + 12];
	char buf[LP_PROCFS_BUFSIZE];
	const char *v, *end;
	long long pid;
	bool full;
	int r;

	if (pidfd < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	r = lp_procfs_read(path, buf, sizeof(buf), &full);
	if (r < 0)
		return r == -ESRCH ? -EBADF : r;

	v = pidfd_find_line(buf, "Pid:");
	if (!v)
		return -EBADF;
	if (pidfd_parse_long(v, &end, &pid) < 0 || pid < -1 || pid > INT32_MAX)
		return -EIO;
	if (pid == 0)
		return -EREMOTE;
	if (pid == -1)
		return -ESRCH;
	*ret_pid = (pid_t)pid;
	return 0;
}

/**
 * lp_pidfd_is_alive() - Tell whether a pidfd's process still runs
 * @pidfd:	pidfd
 *
 * A pidfd polls readable once the whole thread group has exited, zombie or
 * reaped.
 *
 * Return: 1 if it runs, 0 if it has exited, -EBADF for a closed fd, other
 *	   negative errno on failure
 */
int lp_pidfd_is_alive(int pidfd)
{
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	int n;

	if (pidfd < 0)
		return -EBADF;
	do
		n = poll(&pfd, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 1;
	if (pfd.revents & POLLNVAL)
		return -EBADF;
	if (pfd.revents & (POLLIN | POLLHUP))
		return 0;
	return -EIO;
}

/**
 * pidfd_confirm() - Check a pidfd's process has not exited, after a read
 * @pidfd:	pidfd whose /proc files were just read
 *
 * Return: 0 if it still runs, -ESRCH if it has exited, other negative errno
 */
static int pidfd_confirm(int pidfd)
{
	int r = lp_pidfd_is_alive(pidfd);

	if (r < 0)
		return r;
	return r ? 0 : -ESRCH;
}

/**
 * pidfd_parse_uid() - Real uid from /proc/<pid>/status, effective must match
 * @buf:	Contents of the status file
 * @ret_uid:	Real uid
 *
 * Return: 0 on success, -EPERM if the effective uid differs from the real
 *	   one, -EIO on unparsable contents
 */
static int pidfd_parse_uid(const char *buf, uid_t *ret_uid)
{
	long long ruid, euid;
	const char *v, *end;

	v = pidfd_find_line(buf, "Uid:");
	if (!v || pidfd_parse_long(v, &end, &ruid) < 0)
		return -EIO;
	if (pidfd_parse_long(end + strspn(end, " \t"), &end, &euid) < 0)
		return -EIO;
	if (ruid < 0 || ruid > UINT32_MAX || euid < 0 || euid > UINT32_MAX)
		return -EIO;
	if (ruid != euid)
		return -EPERM;
	*ret_uid = (uid_t)ruid;
	return 0;
}

/**
 * lp_pidfd_get_uid() - Real uid of a pidfd's process
 * @pidfd:	pidfd
 * @ret_uid:	Real uid, as seen from the user namespace of our /proc reader
 *
 * A process whose effective uid differs from its real uid (setuid binary,
 * half-dropped privileges) is refused: it acts for two users, and we would
 * not know which one a request comes from.
 *
 * Return: 0 on success, -ESRCH if the process has exited, -EPERM if its
 *	   effective uid is not its real uid, other negative errno as
 *	   lp_pidfd_get_pid()
 */
int lp_pidfd_get_uid(int pidfd, uid_t *ret_uid)
{
	char path[sizeof("/proc//status") + 12];
	char buf[LP_PROCFS_BUFSIZE];
	bool full;
	uid_t uid;
	pid_t pid;
	int r;

	r = lp_pidfd_get_pid(pidfd, &pid);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	r = lp_procfs_read(path, buf, sizeof(buf), &full);
	if (r < 0)
		return r;
	r = pidfd_confirm(pidfd);
	if (r < 0)
		return r;

	r = pidfd_parse_uid(buf, &uid);
	if (r < 0)
		return r;
	*ret_uid = uid;
	return 0;
}

/**
 * lp_proc_get_starttime() - Start time of a process, by PID
 * @pid:		Process ID, > 0
 * @ret_starttime:	Field 22 of /proc/<pid>/stat: clock ticks after boot
 *
 * Return: 0 on success, -EINVAL for a bad @pid, -ESRCH if no such process,
 *	   -EIO on unparsable contents, other negative errno
 */
int lp_proc_get_starttime(pid_t pid, uint64_t *ret_starttime)
{
	LpProcStat st;
	int r = lp_procfs_stat(pid, &st);

	if (r < 0)
		return r;
	*ret_starttime = st.starttime;
	return 0;
}

/**
 * lp_pidfd_get_starttime() - Start time of a pidfd's process
 * @pidfd:		pidfd
 * @ret_starttime:	Field 22 of /proc/<pid>/stat: clock ticks after boot
 *
 * Return: 0 on success, -ESRCH if the process has exited, other negative
 *	   errno as lp_pidfd_get_pid() and lp_proc_get_starttime()
 */
int lp_pidfd_get_starttime(int pidfd, uint64_t *ret_starttime)
{
	uint64_t t;
	pid_t pid;
	int r;

	r = lp_pidfd_get_pid(pidfd, &pid);
	if (r < 0)
		return r;
	r = lp_proc_get_starttime(pid, &t);
	if (r < 0)
		return r;
	r = pidfd_confirm(pidfd);
	if (r < 0)
		return r;
	*ret_starttime = t;
	return 0;
}

/**
 * lp_pidfd_open_checked() - Open a pidfd, guarding against PID reuse
 * @pid:	Process ID recorded earlier
 * @starttime:	Start time recorded with it (lp_proc_get_starttime())
 *
 * Used on daemon restart to re-attach to a lease's process: if @pid now
 * names a different process (another start time), that is the same as the
 * old one being gone.
 *
 * Return: a new pidfd (caller closes), -ESRCH if the process has exited or
 *	   @pid was reused, other negative errno on failure
 */
int lp_pidfd_open_checked(pid_t pid, uint64_t starttime)
{
	lp_autofd int fd = -1;
	uint64_t t;
	int r;

	fd = lp_pidfd_open(pid);
	if (fd < 0)
		return fd;
	r = lp_pidfd_get_starttime(fd, &t);
	if (r < 0)
		return r;
	if (t != starttime)
		return -ESRCH;
	return lp_steal_fd(&fd);
}
