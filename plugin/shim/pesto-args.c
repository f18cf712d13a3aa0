// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pesto-args.c - pesto front: scan and rewrite pesto's argv (no I/O)
 *
 * Copyright lowport authors
 *
 * Podman 6 with rootless_port_forwarder = "pasta" runs, per container,
 * "pesto --add -t 0.0.0.0/80:10.89.0.2/80 [-u ...] SOCKET" and later
 * "pesto --delete" with the same specs. A host-side spec with privileged
 * ports is split (portspec-split.c): the unprivileged rest keeps its place,
 * the privileged part follows on backend ports, same address, same target
 * address and container ports.
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include <glib.h>

#include "netutils/addr.h"
#include "shim/core.h"
#include "shim/pesto-args.h"
#include "shim/portspec-split.h"

/*
 * PestoOpt - an option of pesto
 * @name:	Spelling, "-t" or "--add"
 * @value:	It takes a value
 * @proto:	-t/-u: IPPROTO_TCP/UDP; 0 for any other
 * @op:		-A/-D: the operation; LP_PESTO_OP_OTHER for any other
 */
typedef struct {
	const char *name;
	bool value;
	int proto;
	LpPestoOp op;
} PestoOpt;

static const PestoOpt pesto_opts[] = {
	{"-t", true, IPPROTO_TCP, LP_PESTO_OP_OTHER},
	{"--tcp-ports", true, IPPROTO_TCP, LP_PESTO_OP_OTHER},
	{"-u", true, IPPROTO_UDP, LP_PESTO_OP_OTHER},
	{"--udp-ports", true, IPPROTO_UDP, LP_PESTO_OP_OTHER},
	{"-T", true, 0, LP_PESTO_OP_OTHER},
	{"--tcp-ns", true, 0, LP_PESTO_OP_OTHER},
	{"-U", true, 0, LP_PESTO_OP_OTHER},
	{"--udp-ns", true, 0, LP_PESTO_OP_OTHER},
	{"-C", true, 0, LP_PESTO_OP_OTHER},
	{"--clear", true, 0, LP_PESTO_OP_OTHER},
	{"-A", false, 0, LP_PESTO_OP_ADD},
	{"--add", false, 0, LP_PESTO_OP_ADD},
	{"-D", false, 0, LP_PESTO_OP_DELETE},
	{"--delete", false, 0, LP_PESTO_OP_DELETE},
	{NULL, false, 0, LP_PESTO_OP_OTHER},
};

/**
 * pesto_port_clear() - Free what an LpPestoPort owns
 * @p:	LpPestoPort
 */
static void pesto_port_clear(gpointer p)
{
	LpPestoPort *pp = p;

	lp_portspec_free(pp->spec);
	lp_portspec_free(pp->priv);
	lp_portspec_free(pp->rest);
	g_free(pp->target);
}

/**
 * lp_pesto_args_free() - Free scanned arguments
 * @args:	Arguments, may be NULL
 */
void lp_pesto_args_free(LpPestoArgs *args)
{
	if (!args)
		return;
	g_strfreev(args->argv);
	if (args->ports)
		g_array_unref(args->ports);
	if (args->blocks)
		g_array_unref(args->blocks);
	if (args->op_at)
		g_array_unref(args->op_at);
	g_free(args);
}

/**
 * pesto_is_ports() - Tell whether text is a port or port range only
 * @s:		Text
 * @len:	Its length
 *
 * Return: true if @s is digits and '-' only, and not empty
 */
static bool pesto_is_ports(const char *s, size_t len)
{
	return len && strspn(s, "0123456789-") >= len;
}

/**
 * pesto_split_target() - Take the target address out of Podman's form
 * @arg:	Spec: "ADDR/PORTS:TARGET/PORTS" or "PORTS:TARGET/PORTS", or
 *		one of pasta's forms
 * @ret_host:	The spec without "TARGET/" (g_free), or NULL if @arg has
 *		no target address
 * @ret_target:	The target address text (g_free), NULL if none
 *
 * Return: false if the target is there but no IP address
 */
static bool pesto_split_target(const char *arg, char **ret_host,
			       char **ret_target)
{
	const char *slash = strchr(arg, '/'), *last = strrchr(arg, '/');
	const char *colon, *tstart, *tend;
	g_autofree char *t = NULL, *head = NULL;
	LpAddr a;

	*ret_host = *ret_target = NULL;
	if (!slash)
		return true;
	colon = strchr(slash, ':');
	if (slash != last && colon && colon < last) {
		/* ADDR/PORTS:TARGET/PORTS */
		tstart = colon + 1;
		tend = last;
	} else if (slash == last && (colon = strchr(arg, ':')) &&
		   colon < slash &&
		   pesto_is_ports(arg, (size_t)(colon - arg))) {
		/* PORTS:TARGET/PORTS */
		tstart = colon + 1;
		tend = slash;
	} else {
		return true;
	}
	t = g_strndup(tstart, (size_t)(tend - tstart));
	if (t[0] == '[' && t[strlen(t) - 1] == ']') {
		g_autofree char *inner = g_strndup(t + 1, strlen(t) - 2);

		if (lp_addr_parse(inner, &a) < 0)
			return false;
	} else if (lp_addr_parse(t, &a) < 0) {
		return false;
	}
	head = g_strndup(arg, (size_t)(tstart - arg));
	*ret_host = g_strconcat(head, tend + 1, NULL);
	*ret_target = g_steal_pointer(&t);
	return true;
}

/**
 * pesto_add_port() - Record one -t/-u value
 * @args:	Arguments being scanned
 * @p:		The option, @index, @glued, @prefix_len and @proto set
 * @value:	Its value
 */
static void pesto_add_port(LpPestoArgs *args, LpPestoPort *p, const char *value)
{
	g_autofree char *host = NULL;

	if (!pesto_split_target(value, &host, &p->target)) {
		args->unparsable = true;
	} else {
		p->spec = lp_portspec_parse(host ? host : value, NULL);
		if (!p->spec)
			args->unparsable = true;
	}
	g_array_append_val(args->ports, *p);
}

/**
 * pesto_match() - Which option a token is
 * @tok:	Token starting with '-'
 * @ret_glued:	Its value follows in the token, from this offset; 0 if not
 *
 * Return: the option, NULL if unknown
 */
static const PestoOpt *pesto_match(const char *tok, size_t *ret_glued)
{
	const PestoOpt *o;
	size_t n;

	*ret_glued = 0;
	for (o = pesto_opts; o->name; o++) {
		n = strlen(o->name);
		if (strncmp(tok, o->name, n))
			continue;
		if (!tok[n])
			return o;
		if (!o->value)
			continue;
		if (o->name[1] != '-') {
			*ret_glued = n;
			return o;
		}
		if (tok[n] == '=') {
			*ret_glued = n + 1;
			return o;
		}
	}
	return NULL;
}

/**
 * lp_pesto_args_parse() - Scan pesto's argv
 * @argc:	Argument count, argv[0] included
 * @argv:	Arguments
 * @error:	LP_CORE_ERROR_ARGS past LP_PESTO_ARGC_MAX arguments
 *
 * Unknown options are kept as they are and taken to have no value.
 *
 * Return: scanned arguments (free with lp_pesto_args_free()), NULL on error
 */
LpPestoArgs *lp_pesto_args_parse(int argc, char *const *argv, GError **error)
{
	g_autoptr(LpPestoArgs) args = g_new0(LpPestoArgs, 1);
	bool options = true;
	int i;

	if (argc < 1 || argc > LP_PESTO_ARGC_MAX) {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS,
			    "pesto called with %d arguments (at most %d)", argc,
			    LP_PESTO_ARGC_MAX);
		return NULL;
	}
	args->argc = argc;
	args->argv = g_new0(char *, (gsize)argc + 1);
	for (i = 0; i < argc; i++)
		args->argv[i] = g_strdup(argv[i]);
	args->ports = g_array_new(FALSE, TRUE, sizeof(LpPestoPort));
	g_array_set_clear_func(args->ports, pesto_port_clear);
	args->blocks = g_array_new(FALSE, TRUE, sizeof(LpCoreBlock));
	args->op_at = g_array_new(FALSE, TRUE, sizeof(int));
	for (i = 1; i < argc; i++) {
		const char *tok = args->argv[i];
		LpPestoPort p = {.index = i};
		const PestoOpt *o;
		size_t glued;

		if (!options || tok[0] != '-' || !tok[1]) {
			args->socket = tok;
			continue;
		}
		if (!strcmp(tok, "--")) {
			options = false;
			continue;
		}
		o = pesto_match(tok, &glued);
		if (!o)
			continue;
		if (o->op != LP_PESTO_OP_OTHER) {
			args->op = o->op;
			g_array_append_val(args->op_at, i);
		}
		if (!o->value || (!glued && ++i >= argc))
			continue;
		if (!o->proto)
			continue;
		p.glued = glued > 0;
		p.prefix_len = glued;
		p.proto = o->proto;
		pesto_add_port(args, &p, glued ? tok + glued : args->argv[i]);
	}
	return g_steal_pointer(&args);
}

/**
 * pesto_plan_port() - Split one spec, add its privileged blocks
 * @args:		Arguments
 * @p:			Its -t/-u option, parsed
 * @unpriv_start:	First unprivileged port
 * @error:		LP_PORTSPEC_ERROR or LP_CORE_ERROR_ARGS
 *
 * Return: TRUE on success
 */
static gboolean pesto_plan_port(LpPestoArgs *args, LpPestoPort *p,
				unsigned int unpriv_start, GError **error)
{
	guint j;

	if (!lp_portspec_split_has_privileged(p->spec, unpriv_start))
		return TRUE;
	if (!lp_portspec_split(p->spec, unpriv_start, &p->priv, &p->rest,
			       error))
		return FALSE;
	for (j = 0; p->priv && j < p->priv->ranges->len; j++) {
		const LpPortRange *r =
			&g_array_index(p->priv->ranges, LpPortRange, j);
		LpCoreBlock b = {
			.proto = p->proto,
			.addr = p->priv->addr,
			.host_port = r->first,
			.size = (uint16_t)(r->last - r->first + 1),
		};

		if (!lp_core_ports_add_block(args->blocks, &b, error))
			return FALSE;
	}
	return TRUE;
}

/**
 * lp_pesto_args_plan() - Decide which specs are rewritten
 * @args:		Scanned arguments
 * @unpriv_start:	First unprivileged port
 * @error:		Why such a call cannot be served
 *
 * Only --add and --delete with every spec parsed and a socket are planned;
 * @args->blocks stays empty otherwise, or if no spec has a privileged port
 * (the call then passes through).
 *
 * Return: TRUE on success
 */
gboolean lp_pesto_args_plan(LpPestoArgs *args, unsigned int unpriv_start,
			    GError **error)
{
	guint i;

	if (args->op == LP_PESTO_OP_OTHER || args->unparsable || !args->socket)
		return TRUE;
	for (i = 0; i < args->ports->len; i++) {
		LpPestoPort *p = &g_array_index(args->ports, LpPestoPort, i);

		if (!pesto_plan_port(args, p, unpriv_start, error))
			return FALSE;
	}
	return lp_core_ports_check_overlap(args->blocks, error);
}

/**
 * lp_pesto_args_names_port() - Tell whether some spec forwards a port
 * @args:	Scanned arguments
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @port:	Host port
 *
 * Return: true if a -t/-u value of @proto forwards @port
 */
bool lp_pesto_args_names_port(const LpPestoArgs *args, int proto,
			      unsigned int port)
{
	guint i;

	for (i = 0; i < args->ports->len; i++) {
		const LpPestoPort *p =
			&g_array_index(args->ports, LpPestoPort, i);

		if (p->proto == proto && p->spec &&
		    lp_portspec_split_forwards(p->spec, port))
			return true;
	}
	return false;
}

/**
 * pesto_range_text() - "FIRST" or "FIRST-LAST"
 * @first:	First port
 * @n:		Number of ports
 *
 * Return: the text, g_free() it
 */
static char *pesto_range_text(unsigned int first, unsigned int n)
{
	if (n <= 1)
		return g_strdup_printf("%u", first);
	return g_strdup_printf("%u-%u", first, first + n - 1);
}

/**
 * pesto_emit_value() - Append a -t/-u option with a value, spelled as @p
 * @out:	Argument vector being built
 * @args:	Scanned arguments
 * @p:		The original option
 * @value:	The value (taken)
 */
static void pesto_emit_value(GPtrArray *out, const LpPestoArgs *args,
			     const LpPestoPort *p, char *value)
{
	const char *tok = args->argv[p->index];

	if (p->glued) {
		g_autofree char *prefix = g_strndup(tok, p->prefix_len);

		g_ptr_array_add(out, g_strconcat(prefix, value, NULL));
		g_free(value);
		return;
	}
	g_ptr_array_add(out, g_strdup(tok));
	g_ptr_array_add(out, value);
}

/**
 * pesto_emit() - Append a spec: pasta's form, or one option per item of
 * Podman's form with the target address put back
 * @out:	Argument vector being built
 * @args:	Scanned arguments
 * @p:		The original option
 * @spec:	Host side of the new value
 */
static void pesto_emit(GPtrArray *out, const LpPestoArgs *args,
		       const LpPestoPort *p, const LpPortSpec *spec)
{
	guint j;

	if (!p->target) {
		pesto_emit_value(out, args, p, lp_portspec_format(spec));
		return;
	}
	for (j = 0; j < spec->ranges->len; j++) {
		const LpPortRange *r =
			&g_array_index(spec->ranges, LpPortRange, j);
		unsigned int n = (unsigned int)(r->last - r->first + 1);
		g_autofree char *h = pesto_range_text(r->first, n);
		g_autofree char *c = pesto_range_text(r->ctr_first, n);
		g_autofree char *a = NULL;

		if (r->exclude)
			continue;
		if (spec->addr_text || spec->ifname)
			a = g_strdup_printf("%s%s%s/",
					    spec->addr_text ? spec->addr_text
							    : "",
					    spec->ifname ? "%" : "",
					    spec->ifname ? spec->ifname : "");
		pesto_emit_value(out, args, p,
				 g_strdup_printf("%s%s:%s/%s", a ? a : "", h,
						 p->target, c));
	}
}

/**
 * lp_pesto_args_argv() - The argv the real pesto gets
 * @args:	Planned arguments
 * @op:		Replace the -A/-D option by this one ("--delete"); NULL to
 *		keep it
 * @backend:	First backend port of each block of @args, in order
 * @error:	LP_PORTSPEC_ERROR if a backend block does not fit
 *
 * Every argument stays as it was except the -t/-u options with privileged
 * ports: their unprivileged rest keeps its place, their privileged part
 * follows on the backend ports, same address, target and container ports.
 *
 * Return: NULL-terminated vector, free with g_strfreev(); NULL on error
 */
char **lp_pesto_args_argv(const LpPestoArgs *args, const char *op,
			  const uint16_t *backend, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	guint next = 0, k = 0, o = 0;
	int i;

	g_ptr_array_add(out, g_strdup(args->argv[0]));
	for (i = 1; i < args->argc; i++) {
		const LpPestoPort *p = NULL;
		g_autoptr(LpPortSpec) back = NULL;
		bool is_op = false;

		if (next < args->ports->len &&
		    g_array_index(args->ports, LpPestoPort, next).index == i)
			p = &g_array_index(args->ports, LpPestoPort, next++);
		if (o < args->op_at->len &&
		    g_array_index(args->op_at, int, o) == i) {
			is_op = true;
			o++;
		}
		if (!p || !p->priv) {
			g_ptr_array_add(
				out,
				g_strdup(op && is_op ? op : args->argv[i]));
			continue;
		}
		back = lp_portspec_split_rewrite(p->priv, backend + k,
						 p->priv->ranges->len, error);
		if (!back)
			return NULL;
		k += p->priv->ranges->len;
		if (p->rest)
			pesto_emit(out, args, p, p->rest);
		pesto_emit(out, args, p, back);
		if (!p->glued)
			i++;
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}
