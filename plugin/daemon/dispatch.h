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

/*
 * LpPassedFds - descriptors that came with a request (SCM_RIGHTS)
 * @pidfd:	The first one, -1 if none; set to -1 when taken
 * @listeners:	The ones after it, in order; each set to -1 when taken
 * @n_listeners: How many came (at most LP_LISTENERS_MAX are kept)
 */
typedef struct {
	int pidfd;
	int listeners[LP_LISTENERS_MAX];
	unsigned int n_listeners;
} LpPassedFds;

LpReply *lp_dispatch_handle(LpDaemon *d, const LpPeer *peer,
			    const LpRequest *req, LpPassedFds *fds);

#endif /* LOWPORT_DISPATCH_H */
