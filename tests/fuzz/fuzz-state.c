// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-state.c - libFuzzer target: read arbitrary bytes as a lease state file
 *
 * Decoding must never crash. If the bytes decode (either format version),
 * the lease written back must decode again to the same lease: encoding it
 * a second time gives the very same text, in the current version.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "daemon/state-format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * LLVMFuzzerTestOneInput() - Decode one input, round-trip what decodes
 * @data:	Bytes
 * @size:	Length of @data
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(LpLease) lease = NULL;
	g_autoptr(LpLease) again = NULL;
	g_autofree char *text = NULL;
	g_autofree char *text2 = NULL;
	unsigned int version = 0;

	lease = lp_state_format_decode((const char *)data, size, &version,
				       NULL);
	if (!lease)
		return 0;
	if (version != LP_STATE_FORMAT_LEGACY &&
	    version != LP_STATE_FORMAT_VERSION)
		abort();
	text = lp_state_format_encode(lease);
	again = lp_state_format_decode(text, strlen(text), &version, NULL);
	if (!again || version != LP_STATE_FORMAT_VERSION)
		abort();
	text2 = lp_state_format_encode(again);
	if (strcmp(text, text2))
		abort();
	return 0;
}
