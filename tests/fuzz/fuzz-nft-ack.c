// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-nft-ack.c - fuzz the nf_tables ACK and extended ACK parser
 *
 * Input: byte 0 = number of batch messages (1..64), byte 1 = how many
 * receive buffers the rest is split into (1..4), then raw netlink bytes
 * as the kernel would deliver them to port 77, batch BEGIN seq 1000.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "netutils/nft/nft-acks.h"
#include "netutils/nft/nft-batch.h"

#define FUZZ_PORTID    77
#define FUZZ_SEQ_BEGIN 1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * fuzz_check() - Invariants the parser must keep on any input
 * @a:		ACK state after parsing
 */
static void fuzz_check(const LpNftAcks *a)
{
	unsigned int i, n = 0;

	g_assert_cmpuint(a->n_acked, <=, a->n);
	for (i = 0; i < a->n; i++)
		n += a->acked[i];
	g_assert_cmpuint(n, ==, a->n_acked);
	g_assert_cmpint(a->error, <=, 0);
	g_assert_cmpint(a->error, >=, -4095);
	g_assert_cmpuint(strnlen(a->error_msg, sizeof(a->error_msg)), <,
			 sizeof(a->error_msg));
	if (a->n_acked == a->n)
		g_assert_true(a->done);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *msg = NULL;
	unsigned int n, parts, i;
	size_t off = 0, len;
	LpNftAcks a;

	if (size < 2 || size > 1 << 20)
		return 0;
	n = data[0] % 64 + 1;
	parts = data[1] % 4 + 1;
	data += 2;
	size -= 2;
	lp_nft_acks_init(&a, FUZZ_PORTID, FUZZ_SEQ_BEGIN, n);
	for (i = 0; i < parts; i++) {
		/* a fresh, aligned, exactly sized copy per receive buffer */
		g_autofree uint32_t *buf = NULL;

		len = i + 1 == parts ? size - off : size / parts;
		buf = g_malloc(len + 4);
		memcpy(buf, data + off, len);
		lp_nft_acks_parse(&a, buf, len);
		off += len;
		fuzz_check(&a);
	}
	msg = lp_nft_batch_describe_error(a.error ? a.error : -EIO, "fuzzing",
					  LP_NFT_HINT_ELEM, a.error_msg);
	g_assert_nonnull(msg);
	lp_nft_acks_clear(&a);
	return 0;
}
