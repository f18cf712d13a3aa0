// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-nlmsg.c - walk the netlink messages of one datagram, bounds checked
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <linux/netlink.h>

#include <glib.h>

#include "netutils/nft/nft-nlmsg.h"

/**
 * lp_nft_nlmsg_ok() - Tell whether a whole netlink message fits in @len
 * @nlh:	Message
 * @len:	Bytes left in the buffer from @nlh on
 *
 * Unlike mnl_nlmsg_ok() (libmnl 1.0.4), which casts nlmsg_len to int, a
 * length of 2 GiB or more is refused rather than taken as negative.
 *
 * Return: true if the header and the length it claims fit
 */
bool lp_nft_nlmsg_ok(const struct nlmsghdr *nlh, size_t len)
{
	return len >= sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= len;
}

/**
 * lp_nft_nlmsg_next() - Step to the next message of a buffer
 * @nlh:	Message checked with lp_nft_nlmsg_ok()
 * @len:	Bytes left from @nlh on, updated
 *
 * Return: next message; *@len is 0 if the buffer ends
 */
const struct nlmsghdr *lp_nft_nlmsg_next(const struct nlmsghdr *nlh,
					 size_t *len)
{
	size_t step = MIN((size_t)NLMSG_ALIGN(nlh->nlmsg_len), *len);

	*len -= step;
	return (const struct nlmsghdr *)((const char *)nlh + step);
}
