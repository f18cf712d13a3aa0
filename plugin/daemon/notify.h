/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify.h - systemd integration: socket activation and readiness
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NOTIFY_H
#define LOWPORT_NOTIFY_H

#include <stdbool.h>

#include <glib.h>

bool lp_notify_listen_fd(int *ret_fd, GError **error);
void lp_notify(const char *state);

#endif /* LOWPORT_NOTIFY_H */
