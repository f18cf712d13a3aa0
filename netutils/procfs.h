/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procfs.h - the /proc files lowport reads: process stat, port sysctls
 *
 * Copyright lowport authors
 *
 * All functions return >= 0 on success and negative errno on failure.
 */
#ifndef LOWPORT_PROCFS_H
#define LOWPORT_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Size of our /proc reads: stat and fdinfo fit, status up to "Groups:" */
#define LP_PROCFS_BUFSIZE 4096

/* net.ipv4.ip_unprivileged_port_start if /proc cannot tell (the default) */
#define LP_PROCFS_UNPRIV_DEFAULT 1024

/*
 * LpProcStat - the fields of /proc/PID/stat lowport uses
 * @state:	Field 3: state letter (R, S, Z, ...)
 * @ppid:	Field 4: parent PID (0 for a process whose parent is outside
 *		our pid namespace)
 * @flags:	Field 9: kernel flags (PF_*), e.g. LP_PROCFS_PF_EXITING
 * @starttime:	Field 22: start time, clock ticks after boot
 */
typedef struct {
	char state;
	pid_t ppid;
	unsigned int flags;
	uint64_t starttime;
} LpProcStat;

/* The kernel task flag PF_EXITING: the process is inside exit() */
#define LP_PROCFS_PF_EXITING 0x00000004

int lp_procfs_read(const char *path, char *buf, size_t size, bool *ret_full);
int lp_procfs_parse_stat(const char *buf, LpProcStat *ret);
int lp_procfs_stat(pid_t pid, LpProcStat *ret);
int lp_procfs_unpriv_start(unsigned int *ret_port);
unsigned int lp_procfs_unpriv_start_or_default(void);
int lp_procfs_local_port_range(unsigned int *ret_first, unsigned int *ret_last);

#endif /* LOWPORT_PROCFS_H */
