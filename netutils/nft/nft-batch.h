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

/* Longest extended ACK message text kept, NUL included */
#define LP_NFT_EXTACK_MAX 128

/*
 * LpNftAcks - ACK collection for one batch: BEGIN, @n messages, END
 * @portid:	Our netlink port ID; messages for other ports are ignored
 * @seq_begin:	Sequence number of BATCH_BEGIN; messages are
 *		@seq_begin + 1 ... @seq_begin + @n
 * @n:		Number of messages expecting an ACK
 * @acked:	One flag per message
 * @n_acked:	Number of flags set in @acked
 * @done:	All ACKs arrived, or the kernel failed the batch as a whole
 * @error:	First non-zero error, negative errno, 0 if none
 * @error_seq:	Sequence number @error refers to
 * @error_offs:	Extended ACK attribute offset in that message, 0 if none
 * @error_msg:	Extended ACK message text, printable ASCII, "" if none
 */
typedef struct {
	uint32_t portid;
	uint32_t seq_begin;
	unsigned int n;
	uint8_t *acked;
	unsigned int n_acked;
	bool done;
	int error;
	uint32_t error_seq;
	uint32_t error_offs;
	char error_msg[LP_NFT_EXTACK_MAX];
} LpNftAcks;

bool lp_nft_nlmsg_ok(const struct nlmsghdr *nlh, size_t len);
const struct nlmsghdr *lp_nft_nlmsg_next(const struct nlmsghdr *nlh,
					 size_t *len);
void lp_nft_acks_init(LpNftAcks *a, uint32_t portid, uint32_t seq_begin,
		      unsigned int n);
void lp_nft_acks_clear(LpNftAcks *a);
int lp_nft_acks_parse(LpNftAcks *a, const void *buf, size_t len);

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

int lp_nft_socket_open(struct mnl_socket **ret, int flags);
void lp_nft_socket_bufsize(struct mnl_socket *nl, int opt, int size);

#endif /* LOWPORT_NFT_BATCH_H */
