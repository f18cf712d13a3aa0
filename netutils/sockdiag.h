/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sockdiag.h - who owns the sockets on a port (NETLINK_SOCK_DIAG, inet_diag)
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_SOCKDIAG_H
#define LOWPORT_SOCKDIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/types.h>

#include "netutils/addr.h"

/*
 * LpSockInfo - one socket bound to a local port
 * @family:	AF_INET or AF_INET6 (an IPv6 socket bound to an IPv4-mapped
 *		address stays AF_INET6; see lp_sockdiag_scope())
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @state:	TCP state (TCP_LISTEN, TCP_ESTABLISHED, TCP_TIME_WAIT, ...;
 *		UDP: TCP_CLOSE when unconnected, TCP_ESTABLISHED when connected)
 * @addr:	Local address (struct in_addr for AF_INET, in6_addr for AF_INET6)
 * @port:	Local port, host order
 * @v6only:	AF_INET6 socket with IPV6_V6ONLY (does not take IPv4 traffic).
 *		The kernel reports it for sockets in TCP_LISTEN and TCP_CLOSE
 *		(every listener, every unconnected UDP socket); for any other
 *		state it is false ("unknown"), which is the conservative reading
 *		for overlap checks
 * @uid:	Owner uid, as seen from the user namespace of the caller
 *		(idiag_uid). TCP_TIME_WAIT and TCP_NEW_SYN_RECV entries are not
 *		full sockets: the kernel reports uid 0 and inode 0 for them
 * @inode:	Socket inode (st_ino of the socket fd), 0 for the above
 */
typedef struct {
	int family;
	uint8_t proto;
	uint8_t state;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	uint16_t port;
	bool v6only;
	uid_t uid;
	uint64_t inode;
} LpSockInfo;

/* Upper bound of sockets one query returns; more gives -E2BIG */
#define LP_SOCKDIAG_MAX 4096

/* Every TCP state, for lp_sockdiag_query() */
#define LP_SOCKDIAG_ALL 0xffffffffu

int lp_sockdiag_query(uint8_t proto, uint16_t port, uint32_t tcp_states,
		      LpSockInfo **ret_socks, size_t *ret_n);
void lp_sockdiag_scope(const LpSockInfo *s, LpAddr *ret_scope);
bool lp_sockdiag_overlaps(const LpSockInfo *s, const LpAddr *scope);

#endif /* LOWPORT_SOCKDIAG_H */
