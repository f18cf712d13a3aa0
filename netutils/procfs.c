// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * procfs.c - the /proc files lowport reads: process stat, port sysctls
 *
 * Copyright lowport authors
 *
 * The one reader of /proc/PID/stat (pidfd.c for start times, the shim's
 * sweep for parents) and of the two port sysctls (the shim, lowportctl
 * check).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "netutils/procfs.h"
#include "netutils/util.h"

/* Field numbers in /proc/PID/stat (proc(5), from 1) */
#define PROCFS_STAT_STATE     3
#define PROCFS_STAT_PPID      4
#define PROCFS_STAT_FLAGS     9
#define PROCFS_STAT_STARTTIME 22

/* Highest port number */
#define PROCFS_PORT_MAX 65535U

/* The port sysctls */
#define PROCFS_UNPRIV_START "/proc/sys/net/ipv4/ip_unprivileged_port_start"
#define PROCFS_LOCAL_RANGE  "/proc/sys/net/ipv4/ip_local_port_range"

/**
 * lp_procfs_read() - Read the start of a small /proc file as a string
 * @path:	File
 * @buf:	Buffer; NUL-terminated on success
 * @size:	Size of @buf, at least 2
 * @ret_full:	Set if the file filled @buf (the tail was not read)
 *
 * Return: 0 on success, -ESRCH if the file (so the process) does not exist,
 *	   other negative errno on failure
 */
int lp_procfs_read(const char *path, char *buf, size_t size, bool *ret_full)
{
	lp_autofd int fd = -1;
	size_t len = 0;
	ssize_t n;

	g_return_val_if_fail(size >= 2, -EINVAL);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;

	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ESRCH ? -ESRCH : -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_full = len == size - 1;
	return 0;
}

/**
 * procfs_parse_u64() - Parse one decimal field ending in blank or newline
 * @p:		Text at the field
 * @ret:	Value
 *
 * Return: 0 on success, -EIO if @p holds no such number
 */
static int procfs_parse_u64(const char *p, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (*p < '0' || *p > '9')
		return -EIO;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || (*end != ' ' && *end != '\n'))
		return -EIO;
	*ret = v;
	return 0;
}

/**
 * lp_procfs_parse_stat() - Fields of the contents of /proc/PID/stat
 * @buf:	Contents, NUL-terminated
 * @ret:	State, parent, flags and start time
 *
 * The command name (field 2) is in parentheses and may itself contain
 * blanks, parentheses and newlines; every later field is numeric or a state
 * letter, so fields are counted from the last ')'.
 *
 * Return: 0 on success, -EIO on unparsable contents
 */
int lp_procfs_parse_stat(const char *buf, LpProcStat *ret)
{
	const char *p = strrchr(buf, ')');
	LpProcStat st = {0};
	uint64_t v;
	int field;

	if (!p)
		return -EIO;
	p++;
	/* p is at " <field 3> <field 4> ..." */
	for (field = PROCFS_STAT_STATE; field <= PROCFS_STAT_STARTTIME;
	     field++) {
		if (*p != ' ')
			return -EIO;
		p++;
		if (field == PROCFS_STAT_STATE) {
			if (!g_ascii_isalpha(*p))
				return -EIO;
			st.state = *p;
		} else if (field == PROCFS_STAT_PPID) {
			if (procfs_parse_u64(p, &v) < 0 || v > G_MAXINT32)
				return -EIO;
			st.ppid = (pid_t)v;
		} else if (field == PROCFS_STAT_FLAGS) {
			if (procfs_parse_u64(p, &v) < 0 || v > G_MAXUINT32)
				return -EIO;
			st.flags = (unsigned int)v;
		} else if (field == PROCFS_STAT_STARTTIME) {
			if (procfs_parse_u64(p, &st.starttime) < 0)
				return -EIO;
		}
		p += strcspn(p, " ");
	}
	*ret = st;
	return 0;
}

/**
 * lp_procfs_stat() - Read /proc/PID/stat
 * @pid:	Process ID, > 0, in the pid namespace of our /proc
 * @ret:	State, parent and start time
 *
 * Return: 0 on success, -EINVAL for a bad @pid, -ESRCH if no such process,
 *	   -EIO on unparsable contents, other negative errno
 */
int lp_procfs_stat(pid_t pid, LpProcStat *ret)
{
	char path[sizeof("/proc//stat") + 12];
	char buf[LP_PROCFS_BUFSIZE];
	bool full;
	int r;

	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	r = lp_procfs_read(path, buf, sizeof(buf), &full);
	if (r < 0)
		return r;
	if (full)
		return -EIO;
	return lp_procfs_parse_stat(buf, ret);
}

/**
 * procfs_read_sysctl() - Read a small sysctl file
 * @path:	File under /proc/sys
 * @buf:	Buffer
 * @size:	Size of @buf
 *
 * Return: 0 on success, -EIO if it does not fit, other negative errno
 */
static int procfs_read_sysctl(const char *path, char *buf, size_t size)
{
	bool full;
	int r = lp_procfs_read(path, buf, size, &full);

	if (r < 0)
		return r == -ESRCH ? -ENOENT : r;
	return full ? -EIO : 0;
}

/**
 * lp_procfs_unpriv_start() - Read net.ipv4.ip_unprivileged_port_start
 * @ret_port:	First port an unprivileged process may bind (0 to 65536)
 *
 * Return: 0 on success, -EIO if the file holds no such number, other
 *	   negative errno if it cannot be read
 */
int lp_procfs_unpriv_start(unsigned int *ret_port)
{
	char buf[32];
	guint64 v;
	int r;

	r = procfs_read_sysctl(PROCFS_UNPRIV_START, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (!g_ascii_string_to_unsigned(g_strstrip(buf), 10, 0,
					PROCFS_PORT_MAX + 1, &v, NULL))
		return -EIO;
	*ret_port = (unsigned int)v;
	return 0;
}

/**
 * lp_procfs_unpriv_start_or_default() - ip_unprivileged_port_start, or 1024
 *
 * Return: first port an unprivileged process may bind, or
 *	   LP_PROCFS_UNPRIV_DEFAULT if /proc cannot tell
 */
unsigned int lp_procfs_unpriv_start_or_default(void)
{
	unsigned int v;

	return lp_procfs_unpriv_start(&v) < 0 ? LP_PROCFS_UNPRIV_DEFAULT : v;
}

/**
 * lp_procfs_local_port_range() - Read net.ipv4.ip_local_port_range
 * @ret_first:	First ephemeral port
 * @ret_last:	Last ephemeral port, at most 65535
 *
 * Return: 0 on success, -EIO if the file holds no such pair, other
 *	   negative errno if it cannot be read
 */
int lp_procfs_local_port_range(unsigned int *ret_first, unsigned int *ret_last)
{
	unsigned int first, last;
	char buf[64];
	int r;

	r = procfs_read_sysctl(PROCFS_LOCAL_RANGE, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (sscanf(buf, "%u %u", &first, &last) != 2 || last > PROCFS_PORT_MAX)
		return -EIO;
	*ret_first = first;
	*ret_last = last;
	return 0;
}
