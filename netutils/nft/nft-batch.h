/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-batch.h - nf_tables batches: build, send, collect every ACK
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_BATCH_H
#define LOWPORT_NFT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "netutils/nft/nft-types.h"

/*
 * LpNftHint - what a failure of one batch message most likely means
 * @LP_NFT_HINT_NONE:	Nothing beyond the errno
 * @LP_NFT_HINT_TABLE:	The message needs table inet lowport to exist
 * @LP_NFT_HINT_NAT:	The message needs nf_tables nat support
 * @LP_NFT_HINT_FIB:	The message needs nf_tables fib support
 * @LP_NFT_HINT_ELEM:	Map elements to add: EEXIST means a port is taken,
 *			ENOENT that the table is missing
 */
typedef enum {
	LP_NFT_HINT_NONE,
	LP_NFT_HINT_TABLE,
	LP_NFT_HINT_NAT,
	LP_NFT_HINT_FIB,
	LP_NFT_HINT_ELEM,
} LpNftHint;

char *lp_nft_batch_describe_error(int err, const char *what, LpNftHint hint,
				  const char *extack);

typedef struct LpNftBatch LpNftBatch;

LpNftBatch *lp_nft_batch_new(uint32_t *seq);
void lp_nft_batch_free(LpNftBatch *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpNftBatch, lp_nft_batch_free)

unsigned int lp_nft_batch_count(const LpNftBatch *b);
int lp_nft_batch_failed(const LpNftBatch *b);
int lp_nft_batch_failed_elem(const LpNftBatch *b);
void lp_nft_batch_table(LpNftBatch *b, uint16_t type, uint16_t flags,
			const struct nftnl_table *t, LpNftHint hint,
			const char *what);
void lp_nft_batch_chain(LpNftBatch *b, uint16_t type, uint16_t flags,
			const struct nftnl_chain *c, LpNftHint hint,
			const char *what);
void lp_nft_batch_rule(LpNftBatch *b, uint16_t type, uint16_t flags,
		       const struct nftnl_rule *r, LpNftHint hint,
		       const char *what);
void lp_nft_batch_set(LpNftBatch *b, uint16_t type, uint16_t flags,
		      const struct nftnl_set *s, LpNftHint hint,
		      const char *what);
void lp_nft_batch_elems(LpNftBatch *b, uint16_t type, uint16_t flags,
			const struct nftnl_set *s, LpNftHint hint,
			const char *what, GPtrArray *elem_what);
bool lp_nft_batch_commit(LpNftBatch *b, struct mnl_socket *nl, GError **error);

#endif /* LOWPORT_NFT_BATCH_H */
