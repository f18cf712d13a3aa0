/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pesto-args.h - pesto front: scan and rewrite pesto's argv (no I/O)
 *
 * Copyright lowport authors
 *
 * pesto (passt 2026) talks to a running pasta over its control socket:
 * "pesto [OPTIONS] SOCKET" with -A/--add, -D/--delete, -C/--clear PIF,
 * -t/-u (host side) and -T/-U (namespace side) specs, -s/--show,
 * -d/--debug, --version, -h/--help. Specs are pasta's
 * ("[ADDR[%IFACE]/]PORTS[:PORTS]", none, auto, all, "~" exclusions, see
 * portspec.h), plus the form Podman 6 uses, with a target address:
 * "ADDR/PORTS:TARGET/PORTS" (pesto --add -t 0.0.0.0/80:10.89.0.2/80 SOCK).
 * Only host-side -t/-u specs of an --add or --delete are ever rewritten.
 */
#ifndef LOWPORT_PESTO_ARGS_H
#define LOWPORT_PESTO_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "shim/portspec.h"

/* Most argv entries handled (Podman passes one spec per mapping) */
#define LP_PESTO_ARGC_MAX 1024

typedef enum {
	LP_PESTO_OP_OTHER,  /* neither --add nor --delete: show, clear, ... */
	LP_PESTO_OP_ADD,    /* -A, --add */
	LP_PESTO_OP_DELETE, /* -D, --delete */
} LpPestoOp;

/*
 * LpPestoPort - one host-side -t/-u option in pesto's argv
 * @index:	argv index of the option token
 * @glued:	Value is in the same token ("-t80", "--tcp-ports=80")
 * @prefix_len:	If @glued, bytes of the token before the value
 * @proto:	IPPROTO_TCP (-t) or IPPROTO_UDP (-u)
 * @spec:	Parsed value, host side ("ADDR/PORTS:PORTS"), NULL if it does
 *		not parse
 * @target:	Target address of Podman's form ("10.89.0.2"), else NULL
 * @priv:	Plan: its privileged part, NULL if it stays as it is
 * @rest:	Plan: what is left of it unchanged, NULL if nothing
 */
typedef struct {
	int index;
	bool glued;
	size_t prefix_len;
	int proto;
	LpPortSpec *spec;
	char *target;
	LpPortSpec *priv;
	LpPortSpec *rest;
} LpPestoPort;

/*
 * LpPestoArgs - what the front needs to know about pesto's argv
 * @argv:	Copy of the whole argv, NULL-terminated
 * @argc:	Entries in @argv
 * @op:		What the call does
 * @ports:	LpPestoPort in argv order (owns their specs)
 * @socket:	The control socket: the last non-option (points into @argv),
 *		NULL if none
 * @unparsable:	Some -t/-u value does not parse: leave it to pesto
 * @op_at:	argv indices (int) of the -A/--add, -D/--delete options
 * @blocks:	Plan: LpCoreBlock, one per item of every @priv, in argv order
 */
typedef struct {
	char **argv;
	int argc;
	LpPestoOp op;
	GArray *ports;
	const char *socket;
	bool unparsable;
	GArray *op_at;
	GArray *blocks;
} LpPestoArgs;

LpPestoArgs *lp_pesto_args_parse(int argc, char *const *argv, GError **error);
void lp_pesto_args_free(LpPestoArgs *args);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpPestoArgs, lp_pesto_args_free)

gboolean lp_pesto_args_plan(LpPestoArgs *args, unsigned int unpriv_start,
			    GError **error);
bool lp_pesto_args_names_port(const LpPestoArgs *args, int proto,
			      unsigned int port);
char **lp_pesto_args_argv(const LpPestoArgs *args, const char *op,
			  const uint16_t *backend, GError **error);

#endif /* LOWPORT_PESTO_ARGS_H */
