/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - lowportd's structured log lines and user labels
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_LOG_H
#define LOWPORT_LOG_H

#include <sys/types.h>

#include <glib.h>

char *lp_user_label(uid_t uid);
void lp_log_event(const char *event, uid_t uid, const char *lease_id,
		  const char *fmt, ...) G_GNUC_PRINTF(4, 5);

#endif /* LOWPORT_LOG_H */
