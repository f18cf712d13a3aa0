/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * peer.h - who is on the other end of a client connection
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_PEER_H
#define LOWPORT_PEER_H

#include <sys/types.h>

#include <glib.h>

/*
 * LpPeer - who is on the other end of a connection, from the kernel
 * @pid:	SO_PEERCRED pid (at connect time; for logs only)
 * @uid:	SO_PEERCRED uid
 * @gid:	SO_PEERCRED gid
 * @groups:	SO_PEERGROUPS supplementary groups (gid_t)
 */
typedef struct {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	GArray *groups;
} LpPeer;

#endif /* LOWPORT_PEER_H */
