/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * steer-key.h - the key of the steering map, shared by the BPF program
 * (steer.bpf.c) and its loader (steer.c)
 *
 * Copyright lowport authors
 *
 * Only <linux/types.h> types: the BPF side has no libc headers.
 */
#ifndef LOWPORT_STEER_KEY_H
#define LOWPORT_STEER_KEY_H

#include <linux/types.h>

/* Entries of the steering map: one per steered (address, port) of a lease */
#define LP_STEER_MAX_ENTRIES 65536

/* Address families as the kernel numbers them (AF_INET, AF_INET6) */
#define LP_STEER_AF_INET  2
#define LP_STEER_AF_INET6 10

/*
 * struct lp_steer_key - what the program looks up for a new connection
 * @family:	LP_STEER_AF_INET or LP_STEER_AF_INET6
 * @proto:	IPPROTO_TCP (6)
 * @port:	Local (destination) port, host byte order
 * @addr:	Local (destination) address, network byte order; IPv4 in
 *		addr[0], the rest zero; all zero: any address (wildcard)
 */
struct lp_steer_key {
	__u8 family;
	__u8 proto;
	__u16 port;
	__u32 addr[4];
};

#endif /* LOWPORT_STEER_KEY_H */
