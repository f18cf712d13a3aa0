// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pasta-plan.c - pasta front: decide and rewrite pasta's argv (no I/O)
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include <glib.h>

#include "netutils/protocol.h"
#include "shim/core.h"
#include "shim/pasta-plan.h"
#include "shim/portspec-split.h"
#include "shim/portspec.h"

/**
 * plan_any_privileged() - Tell whether argv names a privileged host port
 * @args:		Scanned argv
 * @unpriv_start:	First unprivileged port
 *
 * Return: true if some -t/-u argument forwards a port below @unpriv_start
 */
static bool plan_any_privileged(const LpPastaArgs *args,
				unsigned int unpriv_start)
{
	guint i;

	for (i = 0; i < args->ports->len; i++) {
		const LpPastaPortArg *p =
			&g_array_index(args->ports, LpPastaPortArg, i);

		if (p->spec &&
		    lp_portspec_split_has_privileged(p->spec, unpriv_start))
			return true;
	}
	return false;
}

/**
 * lp_pasta_plan_free() - Free a plan
 * @plan:	Plan, may be NULL
 */
void lp_pasta_plan_free(LpPastaPlan *plan)
{
	if (!plan)
		return;
	g_ptr_array_unref(plan->priv);
	g_ptr_array_unref(plan->rest);
	g_array_unref(plan->blocks);
	g_free(plan);
}

/**
 * plan_new() - Allocate an empty plan
 * @args:	Scanned argv, borrowed
 *
 * Return: plan with one NULL @priv and @rest entry per port argument
 */
static LpPastaPlan *plan_new(const LpPastaArgs *args)
{
	LpPastaPlan *plan = g_new0(LpPastaPlan, 1);

	plan->args = args;
	plan->priv = g_ptr_array_new_full(args->ports->len,
					  (GDestroyNotify)lp_portspec_free);
	plan->rest = g_ptr_array_new_full(args->ports->len,
					  (GDestroyNotify)lp_portspec_free);
	g_ptr_array_set_size(plan->priv, (gint)args->ports->len);
	g_ptr_array_set_size(plan->rest, (gint)args->ports->len);
	plan->blocks = g_array_new(FALSE, TRUE, sizeof(LpCoreBlock));
	return plan;
}

/**
 * plan_add_blocks() - Add the items of a privileged part as blocks
 * @plan:	Plan
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @priv:	Privileged part from lp_portspec_split()
 * @error:	LP_CORE_ERROR_ARGS past LP_MAPPINGS_MAX or LP_PORTS_MAX
 *
 * Return: TRUE on success
 */
static gboolean plan_add_blocks(LpPastaPlan *plan, int proto,
				const LpPortSpec *priv, GError **error)
{
	guint i;

	for (i = 0; i < priv->ranges->len; i++) {
		const LpPortRange *r =
			&g_array_index(priv->ranges, LpPortRange, i);
		LpCoreBlock b = {
			.proto = proto,
			.addr = priv->addr,
			.host_port = r->first,
			.size = (uint16_t)(r->last - r->first + 1U),
		};

		if (!lp_core_ports_add_block(plan->blocks, &b, error))
			return FALSE;
	}
	return TRUE;
}

/**
 * lp_pasta_plan_build() - Decide what to do with pasta's argv
 * @args:		Scanned argv; must outlive the plan
 * @unpriv_start:	First unprivileged port (ip_unprivileged_port_start)
 * @ret_plan:		Plan, or NULL if argv goes to pasta untouched
 * @error:		LP_CORE_ERROR_ARGS or LP_PORTSPEC_ERROR: argv names
 *			privileged ports in a way lowport cannot serve
 *
 * Untouched: --version/--help/--print-capabilities, no --netns (not a
 * Podman container call), a -t/-u value that does not parse (pasta explains
 * it), and no privileged host port (the rootless-netns pasta: --pid, no
 * ports). Only the privileged part of each argument is rewritten.
 *
 * Return: TRUE on success (*@ret_plan may be NULL), FALSE on error
 */
gboolean lp_pasta_plan_build(const LpPastaArgs *args, unsigned int unpriv_start,
			     LpPastaPlan **ret_plan, GError **error)
{
	g_autoptr(LpPastaPlan) plan = NULL;
	guint i;

	*ret_plan = NULL;
	if (args->info || !args->netns || args->unparsable ||
	    !plan_any_privileged(args, unpriv_start))
		return TRUE;
	if (args->foreground) {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS,
			    "pasta --foreground cannot publish privileged "
			    "ports with lowport (pasta must daemonize)");
		return FALSE;
	}
	plan = plan_new(args);
	for (i = 0; i < args->ports->len; i++) {
		const LpPastaPortArg *p =
			&g_array_index(args->ports, LpPastaPortArg, i);
		LpPortSpec *priv = NULL, *rest = NULL;

		if (!lp_portspec_split(p->spec, unpriv_start, &priv, &rest,
				       error))
			return FALSE;
		plan->priv->pdata[i] = priv; /* plan owns priv and rest */
		plan->rest->pdata[i] = rest;
		if (priv && !plan_add_blocks(plan, p->proto, priv, error))
			return FALSE;
	}
	if (!lp_core_ports_check_overlap(plan->blocks, error))
		return FALSE;
	*ret_plan = g_steal_pointer(&plan);
	return TRUE;
}

/**
 * plan_emit() - Append one -t/-u option with a new value
 * @out:	Argument vector being built
 * @args:	Scanned argv
 * @p:		The original option
 * @spec:	New value
 *
 * Keeps the option's own spelling: "-t", "-qt", "--tcp-ports", glued or not.
 */
static void plan_emit(GPtrArray *out, const LpPastaArgs *args,
		      const LpPastaPortArg *p, const LpPortSpec *spec)
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
 * plan_emit_port() - Append a rewritten -t/-u option
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
static gboolean plan_emit_port(GPtrArray *out, const LpPastaPlan *plan, guint i,
			       const uint16_t *backend, GError **error)
{
	const LpPastaPortArg *p =
		&g_array_index(plan->args->ports, LpPastaPortArg, i);
	const LpPortSpec *priv = plan->priv->pdata[i];
	const LpPortSpec *rest = plan->rest->pdata[i];
	g_autoptr(LpPortSpec) back = NULL;

	back = lp_portspec_split_rewrite(priv, backend, priv->ranges->len,
					 error);
	if (!back)
		return FALSE;
	if (rest)
		plan_emit(out, plan->args, p, rest);
	plan_emit(out, plan->args, p, back);
	return TRUE;
}

/**
 * lp_pasta_plan_argv() - The argv the real pasta gets
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
char **lp_pasta_plan_argv(const LpPastaPlan *plan, const uint16_t *backend,
			  const char *pid_file, GError **error)
{
	const LpPastaArgs *args = plan->args;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	guint next = 0, k = 0;
	int i;

	g_ptr_array_add(out, g_strdup(args->argv[0]));
	if (pid_file && !args->pid_file) {
		g_ptr_array_add(out, g_strdup("--pid"));
		g_ptr_array_add(out, g_strdup(pid_file));
	}
	for (i = 1; i < args->argc; i++) {
		const LpPastaPortArg *p = NULL;
		const LpPortSpec *priv;

		if (next < args->ports->len &&
		    g_array_index(args->ports, LpPastaPortArg, next).index == i)
			p = &g_array_index(args->ports, LpPastaPortArg, next++);
		if (!p || !(priv = plan->priv->pdata[next - 1])) {
			g_ptr_array_add(out, g_strdup(args->argv[i]));
			continue;
		}
		if (!plan_emit_port(out, plan, next - 1, backend + k, error))
			return NULL;
		k += priv->ranges->len;
		if (!p->glued)
			i++;
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}
