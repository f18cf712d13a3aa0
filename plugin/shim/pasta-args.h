/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pasta-args.h - pasta front: scan the argv Podman gives pasta (no I/O)
 *
 * Copyright lowport authors
 *
 * The shim sees the argv Podman 5.0-5.8 gives pasta, plus whatever users
 * add through pasta_options and --network pasta:... The scanner follows
 * getopt_long() as pasta calls it ("+" optstring: options end at "--" or
 * the first non-option; long options may be abbreviated, "--name=value"
 * and "-tVALUE" are accepted, short options may be clustered), over the
 * union of the options of pasta 2024_02 to 2026_07. Only host-side -t/-u
 * arguments are ever rewritten (pasta-plan.c).
 */
#ifndef LOWPORT_PASTA_ARGS_H
#define LOWPORT_PASTA_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "shim/portspec.h"

/* Most argv entries handled (Podman passes about 20) */
#define LP_PASTA_ARGC_MAX 1024

/*
 * LpPastaPortArg - one host-side -t/-u option in pasta's argv
 * @index:	argv index of the option token
 * @glued:	Value is in the same token ("-t80", "--tcp-ports=80")
 * @prefix_len:	If @glued, bytes of the token before the value
 * @proto:	IPPROTO_TCP (-t) or IPPROTO_UDP (-u)
 * @spec:	Parsed value, NULL if it does not parse
 */
typedef struct {
	int index;
	bool glued;
	size_t prefix_len;
	int proto;
	LpPortSpec *spec;
} LpPastaPortArg;

/*
 * LpPastaArgs - what the shim needs to know about pasta's argv
 * @argv:	Copy of the whole argv, NULL-terminated
 * @argc:	Entries in @argv
 * @ports:	LpPastaPortArg in argv order (owns their @spec)
 * @netns:	Value of --netns (points into @argv), NULL if absent
 * @pid_file:	Value of -P/--pid (points into @argv), NULL if absent
 * @info:	--version, --help or --print-capabilities: pasta only prints
 * @foreground:	-f/--foreground: pasta would not daemonize
 * @unparsable:	Some -t/-u value does not parse: leave it to pasta
 */
typedef struct {
	char **argv;
	int argc;
	GArray *ports;
	const char *netns;
	const char *pid_file;
	bool info;
	bool foreground;
	bool unparsable;
} LpPastaArgs;

LpPastaArgs *lp_pasta_args_parse(int argc, char *const *argv, GError **error);
void lp_pasta_args_free(LpPastaArgs *args);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpPastaArgs, lp_pasta_args_free)

bool lp_pasta_args_names_port(const LpPastaArgs *args, int proto,
			      unsigned int port);

#endif /* LOWPORT_PASTA_ARGS_H */
