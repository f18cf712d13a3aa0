// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-pesto-args.c - fuzz scanning, planning and rewriting pesto's argv
 *
 * Copyright lowport authors
 *
 * Input: argv entries after argv[0], one per line (up to the first NUL).
 * Properties checked: the scan never fails below LP_PESTO_ARGC_MAX
 * entries; a plan error is LP_CORE_ERROR or LP_PORTSPEC_ERROR; every block
 * is privileged, TCP or UDP; the argv rewritten to unprivileged backend
 * blocks scans back with the same operation and socket and no privileged
 * port left, also with --add replaced by --delete.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "shim/core.h"
#include "shim/pesto-args.h"
#include "shim/portspec.h"

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
		fprintf(stderr, "fuzz-pesto-args: %s\n", what);
		abort();
	}
}

/**
 * fuzz_back() - Scan a rewritten argv back and check it
 * @argv:		Rewritten argv
 * @a:			What it was rewritten from
 * @op:			Operation it should have
 * @unpriv_start:	First unprivileged port
 */
static void fuzz_back(char **argv, const LpPestoArgs *a, LpPestoOp op,
		      unsigned int unpriv_start)
{
	g_autoptr(LpPestoArgs) back = NULL;

	back = lp_pesto_args_parse((int)g_strv_length(argv), argv, NULL);
	fuzz_check(back != NULL, "rewritten argv scans");
	fuzz_check(back->op == op, "operation kept");
	fuzz_check(!g_strcmp0(back->socket, a->socket), "socket kept");
	fuzz_check(!back->unparsable, "rewritten specs parse");
	fuzz_check(lp_pesto_args_plan(back, unpriv_start, NULL),
		   "rewritten argv plans");
	fuzz_check(!back->blocks->len, "no privileged port left");
}

/**
 * fuzz_one() - Scan, plan, rewrite, scan back
 * @argv:		argv, argv[0] included
 * @unpriv_start:	First unprivileged port
 */
static void fuzz_one(char **argv, unsigned int unpriv_start)
{
	int argc = (int)g_strv_length(argv);
	g_autoptr(LpPestoArgs) a = NULL;
	g_autofree uint16_t *backend = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) out = NULL, del = NULL;
	unsigned int next = 65536;
	bool above = true;
	guint i;

	a = lp_pesto_args_parse(argc, argv, &error);
	fuzz_check(a || argc > LP_PESTO_ARGC_MAX, "scan fails only when long");
	if (!a)
		return;
	if (!lp_pesto_args_plan(a, unpriv_start, &error)) {
		fuzz_check(error->domain == LP_CORE_ERROR ||
				   error->domain == LP_PORTSPEC_ERROR,
			   "plan error domain");
		return;
	}
	if (!a->blocks->len)
		return;
	backend = g_new0(uint16_t, a->blocks->len);
	for (i = 0; i < a->blocks->len; i++) {
		const LpCoreBlock *b =
			&g_array_index(a->blocks, LpCoreBlock, i);

		fuzz_check(b->proto == IPPROTO_TCP || b->proto == IPPROTO_UDP,
			   "block protocol");
		fuzz_check(b->size >= 1 &&
				   b->host_port + b->size - 1U < unpriv_start,
			   "block privileged");
		next -= b->size;
		backend[i] = (uint16_t)next;
		above = above && next >= unpriv_start;
	}
	out = lp_pesto_args_argv(a, NULL, backend, NULL);
	del = lp_pesto_args_argv(a, "--delete", backend, NULL);
	fuzz_check(out && del, "rewrite of planned ports");
	if (!above)
		return; /* backend ports below unpriv_start: not a real case */
	fuzz_back(out, a, a->op, unpriv_start);
	fuzz_back(del, a, LP_PESTO_OP_DELETE, unpriv_start);
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
	g_autofree char *line = g_strconcat("pesto\n", text, NULL);
	g_auto(GStrv) argv = g_strsplit(line, "\n", LP_PESTO_ARGC_MAX + 8);
	guint i;

	for (i = 0; i < G_N_ELEMENTS(fuzz_starts); i++)
		fuzz_one(argv, fuzz_starts[i]);
	return 0;
}
