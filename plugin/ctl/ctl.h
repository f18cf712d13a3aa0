/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl.h - lowportctl: the context and commands its main() dispatches to
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CTL_H
#define LOWPORT_CTL_H

#include <stdint.h>

#include <glib.h>

#include "netutils/protocol.h"
#include "netutils/reply.h"

/* Exit statuses, as lowportctl --help documents them */
#define LP_CTL_EXIT_OK	    0
#define LP_CTL_EXIT_FAILURE 1
#define LP_CTL_EXIT_USAGE   2

/*
 * GError domain of lowportctl itself: code 0 is a command-line mistake
 * (exit LP_CTL_EXIT_USAGE); LP_CTL_CHECK_FAILED means "check" printed what
 * failed (exit LP_CTL_EXIT_FAILURE, nothing more to print)
 */
#define LP_CTL_USAGE_ERROR (lp_ctl_usage_error_quark())
GQuark lp_ctl_usage_error_quark(void);
#define LP_CTL_USAGE	    0
#define LP_CTL_CHECK_FAILED 1

/*
 * LpCtl - one lowportctl invocation
 * @socket_path:	lowportd socket
 * @json:		list: print JSON instead of a table
 * @timeout_ms:		Bound on each exchange with lowportd
 */
typedef struct {
	char *socket_path;
	gboolean json;
	unsigned int timeout_ms;
} LpCtl;

LpReply *lp_ctl_call(const LpCtl *ctl, LpOp op, const char *id, GError **error);
gboolean lp_ctl_release(const LpCtl *ctl, const char *id, GError **error);
gboolean lp_ctl_status(const LpCtl *ctl, GError **error);

char *lp_ctl_list_format_age(int64_t seconds);
gboolean lp_ctl_list(const LpCtl *ctl, GError **error);

#endif /* LOWPORT_CTL_H */
