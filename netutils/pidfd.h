/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pidfd.h - pidfd helpers: open, owner uid, start time, liveness
 *
 * Copyright lowport authors
 *
 * All functions return >= 0 on success and negative errno on failure. A
 * process that has exited (zombie or reaped) gives -ESRCH everywhere: a
 * pidfd "is alive" until its whole thread group has exited, not until it
 * is reaped. PIDs are those of the pid namespace of the /proc we read.
 */
#ifndef LOWPORT_PIDFD_H
#define LOWPORT_PIDFD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

int lp_pidfd_open(pid_t pid);
int lp_pidfd_get_pid(int pidfd, pid_t *ret_pid);
int lp_pidfd_get_uid(int pidfd, uid_t *ret_uid);
int lp_pidfd_get_starttime(int pidfd, uint64_t *ret_starttime);
int lp_pidfd_is_alive(int pidfd);
int lp_proc_get_starttime(pid_t pid, uint64_t *ret_starttime);
int lp_pidfd_open_checked(pid_t pid, uint64_t starttime);

#endif /* LOWPORT_PIDFD_H */
