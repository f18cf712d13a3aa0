/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-query.h - nf_tables GET requests and dumps over one netlink socket
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_QUERY_H
#define LOWPORT_NFT_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "netutils/nft/nft-types.h"

/* A request buffer: our GET requests are a header, names and one key */
#define LP_NFT_REQ_SIZE	  4096
#define LP_NFT_REQ_BUF(b) char b[LP_NFT_REQ_SIZE] __attribute__((aligned(8)))

/*
 * LpNftQuery - one request/response exchange
 * @cb:		Called for each data message
 * @data:	Passed to @cb
 * @check_genid: Compare each message's generation with @genid
 * @genid:	Expected generation, low 16 bits
 * @genid_changed: A message came from another generation
 */
typedef struct {
	mnl_cb_t cb;
	void *data;
	bool check_genid;
	uint16_t genid;
	bool genid_changed;
} LpNftQuery;

struct nlmsghdr *lp_nft_query_request(char *buf, uint16_t type, bool dump,
				      uint32_t *seq);
int lp_nft_query(struct mnl_socket *nl, const struct nlmsghdr *nlh,
		 LpNftQuery *q);
int lp_nft_query_genid(struct mnl_socket *nl, uint32_t *seq, uint32_t *ret);

#endif /* LOWPORT_NFT_QUERY_H */
