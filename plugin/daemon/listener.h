/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * listener.h - listening sockets a shim hands over with a forward request
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_LISTENER_H
#define LOWPORT_LISTENER_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/types.h>

#include <glib.h>

/*
 * LpListener - a checked listening TCP socket of the lease's backend
 * @fd:		Descriptor, owned; closed once the socket is in the map
 * @family:	AF_INET or AF_INET6
 * @v6only:	AF_INET6 socket that takes no IPv4 traffic
 * @any:	Bound to the family's wildcard address
 * @addr:	Bound address (@family decides which member)
 * @port:	Bound port, host order
 * @inode:	Socket inode
 */
typedef struct {
	int fd;
	int family;
	bool v6only;
	bool any;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	uint16_t port;
	uint64_t inode;
} LpListener;

bool lp_listener_check(int fd, uid_t uid, LpListener *ret, GError **error);
void lp_listener_close_all(GArray *listeners);

#endif /* LOWPORT_LISTENER_H */
