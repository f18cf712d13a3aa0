/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-nlmsg.h - walk the netlink messages of one datagram, bounds checked
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_NLMSG_H
#define LOWPORT_NFT_NLMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/netlink.h>

bool lp_nft_nlmsg_ok(const struct nlmsghdr *nlh, size_t len);
const struct nlmsghdr *lp_nft_nlmsg_next(const struct nlmsghdr *nlh,
					 size_t *len);

#endif /* LOWPORT_NFT_NLMSG_H */
