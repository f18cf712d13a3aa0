/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dispatch.h - answer one decoded request: forward, release, list, status
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_DISPATCH_H
#define LOWPORT_DISPATCH_H

#include "daemon/daemon.h"
#include "daemon/peer.h"
#include "netutils/protocol.h"
#include "netutils/request.h"
#include "netutils/reply.h"

LpReply *lp_dispatch_handle(LpDaemon *d, const LpPeer *peer,
			    const LpRequest *req, int *pidfd);

#endif /* LOWPORT_DISPATCH_H */
