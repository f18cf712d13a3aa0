/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * server.h - the unix socket: accept, read one request, write one reply
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_SERVER_H
#define LOWPORT_SERVER_H

#include <glib.h>

#include "daemon/daemon.h"

LpServer *lp_server_start(LpDaemon *d, GError **error);
void lp_server_stop(LpServer *srv);

#endif /* LOWPORT_SERVER_H */
