// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * shim-args.c - pasta argv for the shim: scan, decide, rewrite (no I/O)
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include <glib.h>

#include "netutils/mapping.h"
#include "shim/portspec.h"
#include "netutils/protocol.h"
#include "shim/shim-args.h"

G_DEFINE_QUARK(lp_shim_error, lp_shim_error)

/* What an option means to the shim */
typedef enum {
	OPT_OTHER,
	OPT_TCP,
	OPT_UDP,
	OPT_PID,
	OPT_NETNS,
	OPT_INFO,
	OPT_FOREGROUND,
} ShimOptRole;

/*
 * ShimLongOpt - one long option of pasta
 * @name:	Name without "--"
 * @has_arg:	Takes a required argument
 * @role:	What it means to the shim
 */
typedef struct {
	const char *name;
	bool has_arg;
	ShimOptRole role;
} ShimLongOpt;

/* Union of pasta's long options, 2024_02 to 2026_07 (conf.c options[]) */
static const ShimLongOpt shim_long_opts[] = {
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
#define SHIM_SHORT_WITH_ARG "lscFIpPmanMgioDSHtuTU"

/*
 * ShimOpt - one option found in argv
 * @role:	What it means
 * @has_arg:	It takes an argument
 * @glued:	The argument is in the option's own token
 * @prefix_len:	If @glued, bytes of the token before the argument
 */
typedef struct {
	ShimOptRole role;
	bool has_arg;
	bool glued;
	size_t prefix_len;
} ShimOpt;

/**
 * shim_long_lookup() - Find a long option as getopt_long() does
 * @name:	Text after "--", up to '=' or its end
 * @len:	Length of @name
 *
 * An exact match wins; else a prefix of exactly one option, or of several
 * that behave the same.
 *
 * Return: the option, NULL if unknown or ambiguous (pasta refuses those)
 */
static const ShimLongOpt *shim_long_lookup(const char *name, size_t len)
{
	const ShimLongOpt *found = NULL;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(shim_long_opts); i++) {
		const ShimLongOpt *o = &shim_long_opts[i];

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
 * shim_scan_long() - Classify a "--name[=value]" token
 * @tok:	Token, starting with "--"
 * @ret:	What it is
 */
static void shim_scan_long(const char *tok, ShimOpt *ret)
{
	const char *name = tok + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const ShimLongOpt *o = shim_long_lookup(name, len);

	*ret = (ShimOpt){OPT_OTHER};
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
 * shim_short_role() - What a short option letter means to the shim
 * @c:	Option letter
 *
 * Return: its role
 */
static ShimOptRole shim_short_role(char c)
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
 * shim_scan_short() - Walk a cluster of short options such as "-qt80"
 * @args:	Scan state, flags updated for options without argument
 * @tok:	Token, starting with '-'
 * @ret:	The option taking an argument that ends the cluster, if any
 */
static void shim_scan_short(LpShimArgs *args, const char *tok, ShimOpt *ret)
{
	size_t j;

	*ret = (ShimOpt){OPT_OTHER};
	for (j = 1; tok[j]; j++) {
		ShimOptRole role = shim_short_role(tok[j]);

		if (strchr(SHIM_SHORT_WITH_ARG, tok[j])) {
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
 * shim_port_arg_clear() - Free what an LpShimPortArg owns
 * @p:	LpShimPortArg
 */
static void shim_port_arg_clear(gpointer p)
{
	LpShimPortArg *a = p;

	g_clear_pointer(&a->spec, lp_portspec_free);
}

/**
 * shim_record() - Note an option with its argument
 * @args:	Scan state
 * @opt:	The option
 * @index:	argv index of the option token
 * @value:	Its argument
 */
static void shim_record(LpShimArgs *args, const ShimOpt *opt, int index,
			const char *value)
{
	LpShimPortArg p = {
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
 * shim_scan() - Walk argv like pasta's getopt_long() loop
 * @args:	Scan state with @argv and @argc set
 */
static void shim_scan(LpShimArgs *args)
{
	int i;

	for (i = 1; i < args->argc; i++) {
		const char *tok = args->argv[i], *value;
		ShimOpt opt;

		if (!strcmp(tok, "--") || tok[0] != '-' || !tok[1])
			return; /* end of options: the rest is pasta's */
		if (tok[1] == '-') {
			shim_scan_long(tok, &opt);
			if (opt.role == OPT_INFO)
				args->info = true;
			else if (opt.role == OPT_FOREGROUND)
				args->foreground = true;
		} else {
			shim_scan_short(args, tok, &opt);
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
		shim_record(args, &opt, i, value);
		if (!opt.glued)
			i++;
	}
}

/**
 * lp_shim_args_parse() - Scan the argv Podman gave pasta
 * @argc:	Number of entries in @argv, argv[0] included
 * @argv:	Arguments
 * @error:	LP_SHIM_ERROR_ARGS if there are too many
 *
 * Never fails on what pasta would refuse: such argv is passed on for pasta
 * to explain. A -t/-u value that does not parse sets @unparsable.
 *
 * Return: scanned argv, free with lp_shim_args_free(); NULL on error
 */
LpShimArgs *lp_shim_args_parse(int argc, char *const *argv, GError **error)
{
	g_autoptr(LpShimArgs) args = NULL;
	int i;

	if (argc < 1 || argc > LP_SHIM_ARGC_MAX) {
		g_set_error(error, LP_SHIM_ERROR, LP_SHIM_ERROR_ARGS,
			    "pasta called with %d arguments (at most %d)", argc,
			    LP_SHIM_ARGC_MAX);
		return NULL;
	}
	args = g_new0(LpShimArgs, 1);
	args->argc = argc;
	args->argv = g_new0(char *, (gsize)argc + 1);
	for (i = 0; i < argc; i++)
		args->argv[i] = g_strdup(argv[i]);
	args->ports = g_array_new(FALSE, TRUE, sizeof(LpShimPortArg));
	g_array_set_clear_func(args->ports, shim_port_arg_clear);
	shim_scan(args);
	return g_steal_pointer(&args);
}

/**
 * lp_shim_args_free() - Free scanned argv
 * @args:	Scanned argv, may be NULL
 */
void lp_shim_args_free(LpShimArgs *args)
{
	if (!args)
		return;
	g_strfreev(args->argv);
	g_array_unref(args->ports);
	g_free(args);
}

/**
 * lp_shim_args_names_port() - Tell whether some -t/-u argument forwards a port
 * @args:	Scanned argv
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @port:	Host port
 *
 * Backend ports must not be one pasta is also told to bind, on any address.
 *
 * Return: true if an argument of @proto forwards @port (see
 *	   lp_portspec_forwards()); unparsable arguments count as naming nothing
 */
bool lp_shim_args_names_port(const LpShimArgs *args, int proto,
			     unsigned int port)
{
	guint i;

	for (i = 0; i < args->ports->len; i++) {
		const LpShimPortArg *p =
			&g_array_index(args->ports, LpShimPortArg, i);

		if (p->proto == proto && p->spec &&
		    lp_portspec_forwards(p->spec, port))
			return true;
	}
	return false;
}

/**
 * shim_any_privileged() - Tell whether argv names a privileged host port
 * @args:		Scanned argv
 * @unpriv_start:	First unprivileged port
 *
 * Return: true if some -t/-u argument forwards a port below @unpriv_start
 */
static bool shim_any_privileged(const LpShimArgs *args,
				unsigned int unpriv_start)
{
	guint i;

	for (i = 0; i < args->ports->len; i++) {
		const LpShimPortArg *p =
			&g_array_index(args->ports, LpShimPortArg, i);

		if (p->spec &&
		    lp_portspec_has_privileged(p->spec, unpriv_start))
			return true;
	}
	return false;
}

/**
 * lp_shim_plan_free() - Free a plan
 * @plan:	Plan, may be NULL
 */
void lp_shim_plan_free(LpShimPlan *plan)
{
	if (!plan)
		return;
	g_ptr_array_unref(plan->priv);
	g_ptr_array_unref(plan->rest);
	g_array_unref(plan->blocks);
	g_free(plan);
}

/**
 * shim_plan_new() - Allocate an empty plan
 * @args:	Scanned argv, borrowed
 *
 * Return: plan with one NULL @priv and @rest entry per port argument
 */
static LpShimPlan *shim_plan_new(const LpShimArgs *args)
{
	LpShimPlan *plan = g_new0(LpShimPlan, 1);

	plan->args = args;
	plan->priv = g_ptr_array_new_full(args->ports->len,
					  (GDestroyNotify)lp_portspec_free);
	plan->rest = g_ptr_array_new_full(args->ports->len,
					  (GDestroyNotify)lp_portspec_free);
	g_ptr_array_set_size(plan->priv, (gint)args->ports->len);
	g_ptr_array_set_size(plan->rest, (gint)args->ports->len);
	plan->blocks = g_array_new(FALSE, TRUE, sizeof(LpShimBlock));
	return plan;
}

/**
 * shim_plan_add_blocks() - Add the items of a privileged part as blocks
 * @plan:	Plan
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @priv:	Privileged part from lp_portspec_split()
 * @error:	LP_SHIM_ERROR_ARGS past LP_MAPPINGS_MAX or LP_PORTS_MAX
 *
 * Return: TRUE on success
 */
static gboolean shim_plan_add_blocks(LpShimPlan *plan, int proto,
				     const LpPortSpec *priv, GError **error)
{
	guint i, total = 0;

	for (i = 0; i < plan->blocks->len; i++)
		total += g_array_index(plan->blocks, LpShimBlock, i).size;
	for (i = 0; i < priv->ranges->len; i++) {
		const LpPortRange *r =
			&g_array_index(priv->ranges, LpPortRange, i);
		LpShimBlock b = {
			.proto = proto,
			.addr = priv->addr,
			.host_port = r->first,
			.size = (uint16_t)(r->last - r->first + 1U),
		};

		total += b.size;
		if (plan->blocks->len >= LP_MAPPINGS_MAX ||
		    total > LP_PORTS_MAX) {
			g_set_error(error, LP_SHIM_ERROR, LP_SHIM_ERROR_ARGS,
				    "too many privileged ports (at most %d "
				    "ranges and %d ports per container)",
				    LP_MAPPINGS_MAX, LP_PORTS_MAX);
			return FALSE;
		}
		g_array_append_val(plan->blocks, b);
	}
	return TRUE;
}

/**
 * shim_blocks_overlap() - Tell whether two blocks claim a common host port
 * @a:	Block
 * @b:	Block
 *
 * Return: true if same protocol, overlapping addresses and ports
 */
static bool shim_blocks_overlap(const LpShimBlock *a, const LpShimBlock *b)
{
	unsigned int a_last = a->host_port + a->size - 1U;
	unsigned int b_last = b->host_port + b->size - 1U;

	return a->proto == b->proto && lp_addr_overlaps(&a->addr, &b->addr) &&
	       a->host_port <= b_last && b->host_port <= a_last;
}

/**
 * shim_plan_check_overlap() - Refuse a privileged port named twice
 * @plan:	Plan with all blocks
 * @error:	LP_SHIM_ERROR_ARGS naming the port
 *
 * Return: TRUE if no two blocks overlap
 */
static gboolean shim_plan_check_overlap(const LpShimPlan *plan, GError **error)
{
	guint i, j;

	for (i = 0; i < plan->blocks->len; i++) {
		const LpShimBlock *a =
			&g_array_index(plan->blocks, LpShimBlock, i);

		for (j = i + 1; j < plan->blocks->len; j++) {
			const LpShimBlock *b =
				&g_array_index(plan->blocks, LpShimBlock, j);

			if (!shim_blocks_overlap(a, b))
				continue;
			g_set_error(error, LP_SHIM_ERROR, LP_SHIM_ERROR_ARGS,
				    "privileged host port %u/%s is forwarded "
				    "twice",
				    MAX(a->host_port, b->host_port),
				    lp_proto_name(a->proto));
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * lp_shim_plan_build() - Decide what to do with pasta's argv
 * @args:		Scanned argv; must outlive the plan
 * @unpriv_start:	First unprivileged port (ip_unprivileged_port_start)
 * @ret_plan:		Plan, or NULL if argv goes to pasta untouched
 * @error:		LP_SHIM_ERROR_ARGS or LP_PORTSPEC_ERROR: argv names
 *			privileged ports in a way lowport cannot serve
 *
 * Untouched: --version/--help/--print-capabilities, no --netns (not a
 * Podman container call), a -t/-u value that does not parse (pasta explains
 * it), and no privileged host port (the rootless-netns pasta: --pid, no
 * ports). Only the privileged part of each argument is rewritten.
 *
 * Return: TRUE on success (*@ret_plan may be NULL), FALSE on error
 */
gboolean lp_shim_plan_build(const LpShimArgs *args, unsigned int unpriv_start,
			    LpShimPlan **ret_plan, GError **error)
{
	g_autoptr(LpShimPlan) plan = NULL;
	guint i;

	*ret_plan = NULL;
	if (args->info || !args->netns || args->unparsable ||
	    !shim_any_privileged(args, unpriv_start))
		return TRUE;
	if (args->foreground) {
		g_set_error(error, LP_SHIM_ERROR, LP_SHIM_ERROR_ARGS,
			    "pasta --foreground cannot publish privileged "
			    "ports with lowport (pasta must daemonize)");
		return FALSE;
	}
	plan = shim_plan_new(args);
	for (i = 0; i < args->ports->len; i++) {
		const LpShimPortArg *p =
			&g_array_index(args->ports, LpShimPortArg, i);
		LpPortSpec *priv = NULL, *rest = NULL;

		if (!lp_portspec_split(p->spec, unpriv_start, &priv, &rest,
				       error))
			return FALSE;
		plan->priv->pdata[i] = priv; /* plan owns priv and rest */
		plan->rest->pdata[i] = rest;
		if (priv && !shim_plan_add_blocks(plan, p->proto, priv, error))
			return FALSE;
	}
	if (!shim_plan_check_overlap(plan, error))
		return FALSE;
	*ret_plan = g_steal_pointer(&plan);
	return TRUE;
}

/**
 * shim_emit() - Append one -t/-u option with a new value
 * @out:	Argument vector being built
 * @args:	Scanned argv
 * @p:		The original option
 * @spec:	New value
 *
 * Keeps the option's own spelling: "-t", "-qt", "--tcp-ports", glued or not.
 */
static void shim_emit(GPtrArray *out, const LpShimArgs *args,
		      const LpShimPortArg *p, const LpPortSpec *spec)
{
	const char *tok = args->argv[p->index];
	g_autofree char *value = lp_portspec_format(spec);

	if (p->glued) {
		g_autofree char *prefix = g_strndup(tok, p->prefix_len);

		g_ptr_array_add(out, g_strconcat(prefix, value, NULL));
		return;
	}
	g_ptr_array_add(out, g_strdup(tok));
	g_ptr_array_add(out, g_steal_pointer(&value));
}

/**
 * shim_emit_port() - Append a rewritten -t/-u option
 * @out:	Argument vector being built
 * @plan:	Plan
 * @i:		Index in @plan->args->ports, with a privileged part
 * @backend:	Backend ports of this argument's blocks
 * @error:	LP_PORTSPEC_ERROR if the backend ports do not fit
 *
 * The unprivileged rest (if any) keeps its place, the privileged part
 * follows with backend host ports.
 *
 * Return: TRUE on success
 */
static gboolean shim_emit_port(GPtrArray *out, const LpShimPlan *plan, guint i,
			       const uint16_t *backend, GError **error)
{
	const LpShimPortArg *p =
		&g_array_index(plan->args->ports, LpShimPortArg, i);
	const LpPortSpec *priv = plan->priv->pdata[i];
	const LpPortSpec *rest = plan->rest->pdata[i];
	g_autoptr(LpPortSpec) back = NULL;

	back = lp_portspec_rewrite(priv, backend, priv->ranges->len, error);
	if (!back)
		return FALSE;
	if (rest)
		shim_emit(out, plan->args, p, rest);
	shim_emit(out, plan->args, p, back);
	return TRUE;
}

/**
 * lp_shim_plan_argv() - The argv the real pasta gets
 * @plan:	Plan
 * @backend:	First backend port of each block of @plan, in order
 * @pid_file:	Add "--pid @pid_file" right after argv[0] unless argv has a
 *		-P/--pid already; NULL not to add one
 * @error:	LP_PORTSPEC_ERROR if a backend block does not fit
 *
 * Every argument stays as it was except the -t/-u options with privileged
 * ports: their unprivileged rest is kept, their privileged part goes to the
 * backend ports, same address and container ports.
 *
 * Return: NULL-terminated vector, free with g_strfreev(); NULL on error
 */
char **lp_shim_plan_argv(const LpShimPlan *plan, const uint16_t *backend,
			 const char *pid_file, GError **error)
{
	const LpShimArgs *args = plan->args;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	guint next = 0, k = 0;
	int i;

	g_ptr_array_add(out, g_strdup(args->argv[0]));
	if (pid_file && !args->pid_file) {
		g_ptr_array_add(out, g_strdup("--pid"));
		g_ptr_array_add(out, g_strdup(pid_file));
	}
	for (i = 1; i < args->argc; i++) {
		const LpShimPortArg *p = NULL;
		const LpPortSpec *priv;

		if (next < args->ports->len &&
		    g_array_index(args->ports, LpShimPortArg, next).index == i)
			p = &g_array_index(args->ports, LpShimPortArg, next++);
		if (!p || !(priv = plan->priv->pdata[next - 1])) {
			g_ptr_array_add(out, g_strdup(args->argv[i]));
			continue;
		}
		if (!shim_emit_port(out, plan, next - 1, backend + k, error))
			return NULL;
		k += priv->ranges->len;
		if (!p->glued)
			i++;
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

/**
 * lp_shim_plan_mappings() - The forwards to ask lowportd for
 * @plan:	Plan
 * @backend:	First backend port of each block of @plan, in order
 *
 * Return: GArray of LpMapping, one per block; free with g_array_unref()
 */
GArray *lp_shim_plan_mappings(const LpShimPlan *plan, const uint16_t *backend)
{
	GArray *out = g_array_new(FALSE, TRUE, sizeof(LpMapping));
	guint i, k = 0;

	for (i = 0; i < plan->priv->len; i++) {
		const LpPortSpec *priv = plan->priv->pdata[i];
		const LpShimPortArg *p =
			&g_array_index(plan->args->ports, LpShimPortArg, i);
		g_autoptr(GArray) m = NULL;

		if (!priv)
			continue;
		m = lp_portspec_mappings(priv, p->proto, backend + k,
					 priv->ranges->len);
		g_array_append_vals(out, m->data, m->len);
		k += priv->ranges->len;
	}
	return out;
}
