/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-socket.h - netfilter netlink sockets: open, size their buffers
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_SOCKET_H
#define LOWPORT_NFT_SOCKET_H

#include <stddef.h>

#include "netutils/nft/nft-types.h"

/* Bound on socket buffers we ask for: 10,000 leases fit well below */
#define LP_NFT_SOCKBUF_MAX (256 * 1024 * 1024)

int lp_nft_socket_open(struct mnl_socket **ret, int flags);
void lp_nft_socket_bufsize(struct mnl_socket *nl, int opt, int size);
size_t lp_nft_socket_getbuf(struct mnl_socket *nl, int opt);

#endif /* LOWPORT_NFT_SOCKET_H */
