/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-acks.h - collect the ACKs of one nf_tables batch
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_ACKS_H
#define LOWPORT_NFT_ACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

void lp_nft_acks_init(LpNftAcks *a, uint32_t portid, uint32_t seq_begin,
		      unsigned int n);
void lp_nft_acks_clear(LpNftAcks *a);
int lp_nft_acks_parse(LpNftAcks *a, const void *buf, size_t len);

#endif /* LOWPORT_NFT_ACKS_H */
