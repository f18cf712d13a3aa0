// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-rootlessport-config.c - fuzz reading and rewriting rootlessport's
 * JSON config
 *
 * Copyright lowport authors
 *
 * Input: a config (up to the first NUL). Properties checked: it is read,
 * left to rootlessport (unparsable, no blocks) or refused with
 * LP_CORE_ERROR_ARGS; every block is privileged, TCP or UDP; the
 * rewritten config (on unprivileged backend blocks) reads back, with the
 * same member count and no privileged port left.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "shim/core.h"
#include "shim/rootlessport-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ip_unprivileged_port_start values tried */
static const unsigned int fuzz_starts[] = {0, 80, 1024, 65536};

/**
 * fuzz_check() - Abort with a message if a property fails
 * @ok:		Property holds
 * @what:	What was checked
 */
static void fuzz_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz-rootlessport-config: %s\n", what);
		abort();
	}
}

/**
 * fuzz_members() - Number of members of a config's top object
 * @c:	Config, not unparsable
 *
 * Return: the count
 */
static guint fuzz_members(const LpRootlessportConfig *c)
{
	return json_object_get_size(json_node_get_object(c->root));
}

/**
 * fuzz_one() - Read, check blocks, rewrite, read back
 * @text:		Config
 * @unpriv_start:	First unprivileged port
 */
static void fuzz_one(const char *text, unsigned int unpriv_start)
{
	g_autoptr(LpRootlessportConfig) c = NULL, back = NULL;
	g_autofree uint16_t *backend = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;
	unsigned int next = 65536;
	bool above = true;
	guint i;

	c = lp_rootlessport_config_parse(text, strlen(text), unpriv_start,
					 &error);
	if (!c) {
		fuzz_check(g_error_matches(error, LP_CORE_ERROR,
					   LP_CORE_ERROR_ARGS),
			   "refusal is LP_CORE_ERROR_ARGS");
		return;
	}
	fuzz_check(!c->unparsable || !c->blocks->len, "unparsable has blocks");
	if (!c->blocks->len)
		return;
	backend = g_new0(uint16_t, c->blocks->len);
	for (i = 0; i < c->blocks->len; i++) {
		const LpCoreBlock *b =
			&g_array_index(c->blocks, LpCoreBlock, i);

		fuzz_check(b->proto == IPPROTO_TCP || b->proto == IPPROTO_UDP,
			   "block protocol");
		fuzz_check(b->size >= 1 &&
				   b->host_port + b->size - 1U < unpriv_start,
			   "block privileged");
		next -= b->size;
		backend[i] = (uint16_t)next;
		above = above && next >= unpriv_start;
	}
	out = lp_rootlessport_config_rewrite(c, backend);
	if (!above)
		return; /* backend ports below unpriv_start: not a real case */
	back = lp_rootlessport_config_parse(out, strlen(out), unpriv_start,
					    NULL);
	fuzz_check(back && !back->unparsable, "rewritten config reads back");
	fuzz_check(!back->blocks->len, "rewritten config is unprivileged");
	fuzz_check(fuzz_members(back) == fuzz_members(c), "members kept");
}

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	Input
 * @size:	Bytes of @data
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_strndup((const char *)data, size);
	guint i;

	for (i = 0; i < G_N_ELEMENTS(fuzz_starts); i++)
		fuzz_one(text, fuzz_starts[i]);
	return 0;
}
