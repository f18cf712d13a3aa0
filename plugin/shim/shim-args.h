/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shim-args.h - pasta argv for the shim: scan, decide, rewrite (no I/O)
 *
 * Copyright lowport authors
 *
 * The shim sees the argv Podman 5.0-5.8 gives pasta (research
 * podman_interfaces.md 1.3), plus whatever users add through pasta_options
 * and --network pasta:... The scanner follows getopt_long() as pasta calls
 * it ("+" optstring: options end at "--" or the first non-option; long
 * options may be abbreviated, "--name=value" and "-tVALUE" are accepted,
 * short options may be clustered), over the union of the options of pasta
 * 2024_02 to 2026_07. Only host-side -t/-u arguments are ever rewritten.
 */
#ifndef LOWPORT_SHIM_ARGS_H
#define LOWPORT_SHIM_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "netutils/addr.h"
#include "shim/portspec.h"

/* Most argv entries handled (Podman passes about 20) */
#define LP_SHIM_ARGC_MAX 1024

#define LP_SHIM_ERROR (lp_shim_error_quark())
GQuark lp_shim_error_quark(void);

typedef enum {
	LP_SHIM_ERROR_ARGS,   /* argv lowport cannot serve */
	LP_SHIM_ERROR_PORTS,  /* no free backend ports */
	LP_SHIM_ERROR_PASTA,  /* real pasta missing, failed or misbehaved */
	LP_SHIM_ERROR_HELPER, /* lowportd refused or failed */
} LpShimError;

/*
 * LpShimPortArg - one host-side -t/-u option in pasta's argv
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
} LpShimPortArg;

/*
 * LpShimArgs - what the shim needs to know about pasta's argv
 * @argv:	Copy of the whole argv, NULL-terminated
 * @argc:	Entries in @argv
 * @ports:	LpShimPortArg in argv order (owns their @spec)
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
} LpShimArgs;

/*
 * LpShimBlock - privileged ports that need one contiguous backend block
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Host address of the forward (backend ports bind there too)
 * @host_port:	First privileged host port
 * @size:	Number of ports, at least 1
 */
typedef struct {
	int proto;
	LpAddr addr;
	uint16_t host_port;
	uint16_t size;
} LpShimBlock;

/*
 * LpShimPlan - how one pasta call is rewritten
 * @args:	Scanned argv (borrowed: must outlive the plan)
 * @priv:	Per entry of @args->ports: privileged part (LpPortSpec), or
 *		NULL if the argument stays as it is
 * @rest:	Per entry of @args->ports: what is left for pasta unchanged
 *		(LpPortSpec), NULL if nothing; meaningful where @priv is set
 * @blocks:	LpShimBlock, one per item of every @priv, in argv order
 */
typedef struct {
	const LpShimArgs *args;
	GPtrArray *priv;
	GPtrArray *rest;
	GArray *blocks;
} LpShimPlan;

LpShimArgs *lp_shim_args_parse(int argc, char *const *argv, GError **error);
void lp_shim_args_free(LpShimArgs *args);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpShimArgs, lp_shim_args_free)

bool lp_shim_args_names_port(const LpShimArgs *args, int proto,
			     unsigned int port);

gboolean lp_shim_plan_build(const LpShimArgs *args, unsigned int unpriv_start,
			    LpShimPlan **ret_plan, GError **error);
void lp_shim_plan_free(LpShimPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpShimPlan, lp_shim_plan_free)

char **lp_shim_plan_argv(const LpShimPlan *plan, const uint16_t *backend,
			 const char *pid_file, GError **error);
GArray *lp_shim_plan_mappings(const LpShimPlan *plan, const uint16_t *backend);

#endif /* LOWPORT_SHIM_ARGS_H */
