/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reserve.h - reservation sockets holding a lease's privileged ports
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_RESERVE_H
#define LOWPORT_RESERVE_H

#include <stdint.h>

#include "netutils/mapping.h"

int lp_reserve_port(uint8_t proto, const LpAddr *addr, uint16_t port);
int lp_reserve_inode(int fd, uint64_t *ret_inode);

#endif /* LOWPORT_RESERVE_H */
