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

/*
 * LpSockInfo - one socket bound to a local port
 * @family:	AF_INET or AF_INET6
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @state:	TCP state (TCP_LISTEN, TCP_ESTABLISHED, ...; UDP: TCP_CLOSE
 *		when unconnected, TCP_ESTABLISHED when connected)
 * @addr:	Local address (struct in_addr for AF_INET, in6_addr for AF_INET6)
 * @port:	Local port, host order
 * @v6only:	AF_INET6 socket with IPV6_V6ONLY (does not take IPv4 traffic);
 *		false if unknown
 * @uid:	Owner uid as seen from the initial user namespace
 * @inode:	Socket inode
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

int lp_sockdiag_query(uint8_t proto, uint16_t port, LpSockInfo **ret_socks,
		      size_t *ret_n);

#endif /* LOWPORT_SOCKDIAG_H */
