/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pidwatch.h - watch many pidfds through one epoll descriptor
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_PIDWATCH_H
#define LOWPORT_PIDWATCH_H

#include <stdbool.h>

#include <glib.h>

typedef void (*LpPidWatchFunc)(gpointer key, gpointer data);

typedef struct LpPidWatch LpPidWatch;

LpPidWatch *lp_pidwatch_new(LpPidWatchFunc func, gpointer data, GError **error);
void lp_pidwatch_free(LpPidWatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpPidWatch, lp_pidwatch_free)
int lp_pidwatch_add(LpPidWatch *w, int pidfd, gpointer key);
void lp_pidwatch_remove(LpPidWatch *w, int pidfd);

#endif /* LOWPORT_PIDWATCH_H */
