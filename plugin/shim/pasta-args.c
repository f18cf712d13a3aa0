// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pasta-args.c - pasta front: scan the argv Podman gives pasta (no I/O)
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include <glib.h>

#include "shim/portspec-split.h"
#include "shim/portspec.h"
#include "shim/core.h"
#include "shim/pasta-args.h"

/* What an option means to the shim */
typedef enum {
	OPT_OTHER,
	OPT_TCP,
	OPT_UDP,
	OPT_PID,
	OPT_NETNS,
	OPT_INFO,
	OPT_FOREGROUND,
} ArgsOptRole;

/*
 * ArgsLongOpt - one long option of pasta
 * @name:	Name without "--"
 * @has_arg:	Takes a required argument
 * @role:	What it means to the shim
 */
typedef struct {
	const char *name;
	bool has_arg;
	ArgsOptRole role;
} ArgsLongOpt;

/* Union of pasta's long options, 2024_02 to 2026_07 (conf.c options[]) */
static const ArgsLongOpt args_long_opts[] = {
	{"address", true, OPT_OTHER},
	{"chroot-fallback", false, OPT_OTHER},
	{"conf-path", true, OPT_OTHER},
	{"config-net", false, OPT_OTHER},
	{"debug", false, OPT_OTHER},
	{"dhcp-dns", false, OPT_OTHER},
	{"dhcp-search", false, OPT_OTHER},
	{"dns", true, OPT_OTHER},
	{"dns-forward", true, OPT_OTHER},
	{"dns-host", true, OPT_OTHER},
	{"fd", true, OPT_OTHER},
	{"foreground", false, OPT_FOREGROUND},
	{"fqdn", true, OPT_OTHER},
	{"freebind", false, OPT_OTHER},
	{"gateway", true, OPT_OTHER},
	{"help", false, OPT_INFO},
	{"host-lo-to-ns-lo", false, OPT_OTHER},
	{"hostname", true, OPT_OTHER},
	{"interface", true, OPT_OTHER},
	{"ipv4-only", false, OPT_OTHER},
	{"ipv6-only", false, OPT_OTHER},
	{"log-file", true, OPT_OTHER},
	{"log-size", true, OPT_OTHER},
	{"mac-addr", true, OPT_OTHER},
	{"map-guest-addr", true, OPT_OTHER},
	{"map-host-loopback", true, OPT_OTHER},
	{"migrate-exit", false, OPT_OTHER},
	{"migrate-no-linger", false, OPT_OTHER},
	{"mtu", true, OPT_OTHER},
	{"netmask", true, OPT_OTHER},
	{"netns", true, OPT_NETNS},
	{"netns-only", false, OPT_OTHER},
	{"no-copy-addrs", false, OPT_OTHER},
	{"no-copy-routes", false, OPT_OTHER},
	{"no-dhcp", false, OPT_OTHER},
	{"no-dhcp-dns", false, OPT_OTHER},
	{"no-dhcp-search", false, OPT_OTHER},
	{"no-dhcpv6", false, OPT_OTHER},
	{"no-icmp", false, OPT_OTHER},
	{"no-map-gw", false, OPT_OTHER},
	{"no-ndp", false, OPT_OTHER},
	{"no-netns-quit", false, OPT_OTHER},
	{"no-ra", false, OPT_OTHER},
	{"no-splice", false, OPT_OTHER},
	{"no-tcp", false, OPT_OTHER},
	{"no-udp", false, OPT_OTHER},
	{"ns-ifname", true, OPT_OTHER},
	{"ns-mac-addr", true, OPT_OTHER},
	{"one-off", false, OPT_OTHER},
	{"outbound", true, OPT_OTHER},
	{"outbound-if4", true, OPT_OTHER},
	{"outbound-if6", true, OPT_OTHER},
	{"pcap", true, OPT_OTHER},
	{"pid", true, OPT_PID},
	{"print-capabilities", false, OPT_INFO},
	{"quiet", false, OPT_OTHER},
	{"repair-path", true, OPT_OTHER},
	{"runas", true, OPT_OTHER},
	{"search", true, OPT_OTHER},
	{"socket", true, OPT_OTHER},
	{"socket-path", true, OPT_OTHER},
	{"splice-only", false, OPT_OTHER},
	{"stats", true, OPT_OTHER},
	{"stderr", false, OPT_OTHER},
	{"tcp-ns", true, OPT_OTHER},
	{"tcp-ports", true, OPT_TCP},
	{"trace", false, OPT_OTHER},
	{"udp-ns", true, OPT_OTHER},
	{"udp-ports", true, OPT_UDP},
	{"userns", true, OPT_OTHER},
	{"version", false, OPT_INFO},
	{"vhost-user", false, OPT_OTHER},
};

/* Union of pasta's short options taking an argument, 2024_02 to 2026_07 */
#define ARGS_SHORT_WITH_ARG "lscFIpPmanMgioDSHtuTU"

/*
 * ArgsOpt - one option found in argv
 * @role:	What it means
 * @has_arg:	It takes an argument
 * @glued:	The argument is in the option's own token
 * @prefix_len:	If @glued, bytes of the token before the argument
 */
typedef struct {
	ArgsOptRole role;
	bool has_arg;
	bool glued;
	size_t prefix_len;
} ArgsOpt;

/**
 * args_long_lookup() - Find a long option as getopt_long() does
 * @name:	Text after "--", up to '=' or its end
 * @len:	Length of @name
 *
 * An exact match wins; else a prefix of exactly one option, or of several
 * that behave the same.
 *
 * Return: the option, NULL if unknown or ambiguous (pasta refuses those)
 */
static const ArgsLongOpt *args_long_lookup(const char *name, size_t len)
{
	const ArgsLongOpt *found = NULL;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(args_long_opts); i++) {
		const ArgsLongOpt *o = &args_long_opts[i];

		if (strncmp(o->name, name, len))
			continue;
		if (strlen(o->name) == len)
			return o;
		if (found &&
		    (found->has_arg != o->has_arg || found->role != o->role))
			return NULL;
		found = o;
	}
	return found;
}

/**
 * args_scan_long() - Classify a "--name[=value]" token
 * @tok:	Token, starting with "--"
 * @ret:	What it is
 */
static void args_scan_long(const char *tok, ArgsOpt *ret)
{
	const char *name = tok + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const ArgsLongOpt *o = args_long_lookup(name, len);

	*ret = (ArgsOpt){OPT_OTHER};
	if (!o)
		return;
	ret->role = o->role;
	ret->has_arg = o->has_arg;
	if (o->has_arg && eq) {
		ret->glued = true;
		ret->prefix_len = (size_t)(eq - tok) + 1;
	}
}

/**
 * args_short_role() - What a short option letter means to the shim
 * @c:	Option letter
 *
 * Return: its role
 */
static ArgsOptRole args_short_role(char c)
{
	switch (c) {
	case 't':
		return OPT_TCP;
	case 'u':
		return OPT_UDP;
	case 'P':
		return OPT_PID;
	case 'h':
		return OPT_INFO;
	case 'f':
		return OPT_FOREGROUND;
	default:
		return OPT_OTHER;
	}
}

/**
 * args_scan_short() - Walk a cluster of short options such as "-qt80"
 * @args:	Scan state, flags updated for options without argument
 * @tok:	Token, starting with '-'
 * @ret:	The option taking an argument that ends the cluster, if any
 */
static void args_scan_short(LpPastaArgs *args, const char *tok, ArgsOpt *ret)
{
	size_t j;

	*ret = (ArgsOpt){OPT_OTHER};
	for (j = 1; tok[j]; j++) {
		ArgsOptRole role = args_short_role(tok[j]);

		if (strchr(ARGS_SHORT_WITH_ARG, tok[j])) {
			ret->role = role;
			ret->has_arg = true;
			ret->glued = tok[j + 1] != '\0';
			ret->prefix_len = j + 1;
			return;
		}
		if (role == OPT_INFO)
			args->info = true;
		else if (role == OPT_FOREGROUND)
			args->foreground = true;
	}
}

/**
 * args_port_arg_clear() - Free what an LpPastaPortArg owns
 * @p:	LpPastaPortArg
 */
static void args_port_arg_clear(gpointer p)
{
	LpPastaPortArg *a = p;

	g_clear_pointer(&a->spec, lp_portspec_free);
}

/**
 * args_record() - Note an option with its argument
 * @args:	Scan state
 * @opt:	The option
 * @index:	argv index of the option token
 * @value:	Its argument
 */
static void args_record(LpPastaArgs *args, const ArgsOpt *opt, int index,
			const char *value)
{
	LpPastaPortArg p = {
		.index = index,
		.glued = opt->glued,
		.prefix_len = opt->prefix_len,
		.proto = opt->role == OPT_TCP ? IPPROTO_TCP : IPPROTO_UDP,
	};

	switch (opt->role) {
	case OPT_TCP:
	case OPT_UDP:
		p.spec = lp_portspec_parse(value, NULL);
		if (!p.spec)
			args->unparsable = true;
		g_array_append_val(args->ports, p);
		break;
	case OPT_PID:
		args->pid_file = value;
		break;
	case OPT_NETNS:
		args->netns = value;
		break;
	default:
		break;
	}
}

/**
 * args_scan() - Walk argv like pasta's getopt_long() loop
 * @args:	Scan state with @argv and @argc set
 */
static void args_scan(LpPastaArgs *args)
{
	int i;

	for (i = 1; i < args->argc; i++) {
		const char *tok = args->argv[i], *value;
		ArgsOpt opt;

		if (!strcmp(tok, "--") || tok[0] != '-' || !tok[1])
			return; /* end of options: the rest is pasta's */
		if (tok[1] == '-') {
			args_scan_long(tok, &opt);
			if (opt.role == OPT_INFO)
				args->info = true;
			else if (opt.role == OPT_FOREGROUND)
				args->foreground = true;
		} else {
			args_scan_short(args, tok, &opt);
		}
		if (!opt.has_arg)
			continue;
		if (opt.glued) {
			value = tok + opt.prefix_len;
		} else if (i + 1 < args->argc) {
			value = args->argv[i + 1];
		} else {
			return; /* missing argument: pasta says so */
		}
		args_record(args, &opt, i, value);
		if (!opt.glued)
			i++;
	}
}

/**
 * lp_pasta_args_parse() - Scan the argv Podman gave pasta
 * @argc:	Number of entries in @argv, argv[0] included
 * @argv:	Arguments
 * @error:	LP_CORE_ERROR_ARGS if there are too many
 *
 * Never fails on what pasta would refuse: such argv is passed on for pasta
 * to explain. A -t/-u value that does not parse sets @unparsable.
 *
 * Return: scanned argv, free with lp_pasta_args_free(); NULL on error
 */
LpPastaArgs *lp_pasta_args_parse(int argc, char *const *argv, GError **error)
{
	g_autoptr(LpPastaArgs) args = NULL;
	int i;

	if (argc < 1 || argc > LP_PASTA_ARGC_MAX) {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS,
			    "pasta called with %d arguments (at most %d)", argc,
			    LP_PASTA_ARGC_MAX);
		return NULL;
	}
	args = g_new0(LpPastaArgs, 1);
	args->argc = argc;
	args->argv = g_new0(char *, (gsize)argc + 1);
	for (i = 0; i < argc; i++)
		args->argv[i] = g_strdup(argv[i]);
	args->ports = g_array_new(FALSE, TRUE, sizeof(LpPastaPortArg));
	g_array_set_clear_func(args->ports, args_port_arg_clear);
	args_scan(args);
	return g_steal_pointer(&args);
}

/**
 * lp_pasta_args_free() - Free scanned argv
 * @args:	Scanned argv, may be NULL
 */
void lp_pasta_args_free(LpPastaArgs *args)
{
	if (!args)
		return;
	g_strfreev(args->argv);
	g_array_unref(args->ports);
	g_free(args);
}

/**
 * lp_pasta_args_names_port() - Tell whether some -t/-u argument forwards a port
 * @args:	Scanned argv
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @port:	Host port
 *
 * Backend ports must not be one pasta is also told to bind, on any address.
 *
 * Return: true if an argument of @proto forwards @port (see
 *	   lp_portspec_split_forwards()); unparsable arguments count as naming nothing
 */
bool lp_pasta_args_names_port(const LpPastaArgs *args, int proto,
			      unsigned int port)
{
	guint i;

	for (i = 0; i < args->ports->len; i++) {
		const LpPastaPortArg *p =
			&g_array_index(args->ports, LpPastaPortArg, i);

		if (p->proto == proto && p->spec &&
		    lp_portspec_split_forwards(p->spec, port))
			return true;
	}
	return false;
}
