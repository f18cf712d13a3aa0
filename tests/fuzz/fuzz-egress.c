// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-egress.c - fuzz the io.lowport.egress grammar
 *
 * Copyright lowport authors
 *
 * Input: one value (up to the first NUL). Properties checked: an error is
 * one printable line naming the annotation; a parsed value has at most
 * LP_EGRESS_ENTRIES_MAX entries with sane fields, and parse(format(x))
 * formats the same again.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "netutils/egress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * fuzz_check() - Abort with a message if a property fails
 * @ok:		Property holds
 * @what:	What was checked
 */
static void fuzz_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz-egress: %s\n", what);
		abort();
	}
}

/**
 * fuzz_check_entry() - Field invariants of one parsed entry
 * @e:		Entry
 */
static void fuzz_check_entry(const LpEgressEntry *e)
{
	fuzz_check(e->port_first <= e->port_last, "port range reversed");
	fuzz_check(!e->port_first == !e->port_last, "half a port range");
	fuzz_check(e->proto == 0 || e->proto == 6 || e->proto == 17,
		   "protocol");
	if (e->kind == LP_EGRESS_ADDR)
		fuzz_check(e->prefix <= (e->family == AF_INET ? 32U : 128U),
			   "prefix");
	if (e->kind == LP_EGRESS_NAME)
		fuzz_check(*e->name && strlen(e->name) <= LP_EGRESS_NAME_MAX,
			   "name length");
}

/**
 * fuzz_check_error() - An error message is one printable line
 * @error:	Error
 */
static void fuzz_check_error(const GError *error)
{
	const char *p;

	fuzz_check(g_str_has_prefix(error->message, LP_EGRESS_ANNOTATION),
		   "error does not name the annotation");
	for (p = error->message; *p; p++)
		fuzz_check(g_ascii_isprint(*p), "unprintable error message");
	fuzz_check(strlen(error->message) < 512, "error message too long");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *value = g_strndup((const char *)data, size);
	g_autoptr(LpEgress) eg = NULL, back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL, *again = NULL;
	guint i;

	eg = lp_egress_parse(value, &error);
	if (!eg) {
		fuzz_check(error != NULL, "no error set");
		fuzz_check_error(error);
		return 0;
	}
	fuzz_check(eg->entries->len <= LP_EGRESS_ENTRIES_MAX, "entry count");
	fuzz_check(!eg->none || eg->entries->len == 0, "none with entries");
	for (i = 0; i < eg->entries->len; i++)
		fuzz_check_entry(&g_array_index(eg->entries, LpEgressEntry, i));
	text = lp_egress_format(eg);
	back = lp_egress_parse(text, &error);
	if (!back)
		fprintf(stderr, "'%s': %s\n", text, error->message);
	fuzz_check(back != NULL, "formatted value does not parse");
	again = lp_egress_format(back);
	fuzz_check(!strcmp(text, again), "round trip");
	return 0;
}
