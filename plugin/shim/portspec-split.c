// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portspec-split.c - pasta -t/-u specifications: which host ports they
 * forward, their privileged part, and that part on backend ports
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <glib.h>

#include "netutils/mapping.h"
#include "shim/portspec-split.h"
#include "shim/portspec.h"

/* Highest port number */
#define SPLIT_PORT_MAX 65535

/**
 * split_excluded() - Tell whether an exclusion of a spec covers a port
 * @spec:	Explicit specification
 * @port:	Host port
 *
 * Return: the exclusion covering @port, or NULL
 */
static const LpPortRange *split_excluded(const LpPortSpec *spec,
					 unsigned int port)
{
	guint i;

	for (i = 0; i < spec->ranges->len; i++) {
		const LpPortRange *r =
			&g_array_index(spec->ranges, LpPortRange, i);

		if (r->exclude && r->first <= port && port <= r->last)
			return r;
	}
	return NULL;
}

/**
 * lp_portspec_split_forwards() - Tell whether pasta would forward a host port
 * @spec:	Specification
 * @port:	Host port
 *
 * Conservative for picking backend ports that no other argument uses:
 * "all" and exclusion-only specifications count as forwarding every port
 * they do not exclude (ephemeral ports included); "auto" and "none" as
 * forwarding nothing (what "auto" will forward is not known in advance).
 *
 * Return: true if @spec forwards @port
 */
bool lp_portspec_split_forwards(const LpPortSpec *spec, unsigned int port)
{
	bool only_excl = true;
	guint i;

	if (spec->kind == LP_PORTSPEC_ALL)
		return true;
	if (spec->kind != LP_PORTSPEC_RANGES || split_excluded(spec, port))
		return false;
	for (i = 0; i < spec->ranges->len; i++) {
		const LpPortRange *r =
			&g_array_index(spec->ranges, LpPortRange, i);

		if (r->exclude)
			continue;
		only_excl = false;
		if (r->first <= port && port <= r->last)
			return true;
	}
	return only_excl;
}

/**
 * split_add_runs() - Append the non-excluded runs of part of an item
 * @out:	GArray of LpPortRange to append to
 * @spec:	Specification holding @r and its exclusions
 * @r:		Forwarding item
 * @last:	Last host port of @r to consider (from r->first)
 */
static void split_add_runs(GArray *out, const LpPortSpec *spec,
			   const LpPortRange *r, unsigned int last)
{
	unsigned int p = r->first, end;
	const LpPortRange *x;
	guint i;

	while (p <= last) {
		if ((x = split_excluded(spec, p))) {
			p = x->last + 1U;
			continue;
		}
		end = last;
		for (i = 0; i < spec->ranges->len; i++) {
			x = &g_array_index(spec->ranges, LpPortRange, i);
			if (x->exclude && x->first > p && x->first <= end)
				end = x->first - 1U;
		}
		g_array_append_val(
			out, ((LpPortRange){
				     .first = (uint16_t)p,
				     .last = (uint16_t)end,
				     .ctr_first = (uint16_t)(r->ctr_first +
							     (p - r->first)),
			     }));
		p = end + 1U;
	}
}

/**
 * split_priv_pieces() - Collect the explicit privileged forwards
 * @spec:	Specification
 * @unpriv_start:	First unprivileged port
 *
 * Return: GArray of LpPortRange (maybe empty), host ports below
 *	   @unpriv_start that @spec forwards by name, exclusions applied
 */
static GArray *split_priv_pieces(const LpPortSpec *spec,
				 unsigned int unpriv_start)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(LpPortRange));
	guint i;

	if (spec->kind != LP_PORTSPEC_RANGES)
		return out;
	for (i = 0; i < spec->ranges->len; i++) {
		const LpPortRange *r =
			&g_array_index(spec->ranges, LpPortRange, i);

		if (r->exclude || r->first >= unpriv_start)
			continue;
		split_add_runs(out, spec, r, MIN(r->last, unpriv_start - 1));
	}
	return out;
}

/**
 * lp_portspec_split_has_privileged() - Tell whether a spec names privileged ports
 * @spec:		Specification
 * @unpriv_start:	First unprivileged port (ip_unprivileged_port_start)
 *
 * "none", "auto", "all" and exclusion-only specifications name no port:
 * pass them on, pasta binds what it can.
 *
 * Return: true if some explicitly forwarded, non-excluded host port is below
 *	   @unpriv_start
 */
bool lp_portspec_split_has_privileged(const LpPortSpec *spec,
				      unsigned int unpriv_start)
{
	g_autoptr(GArray) pieces = split_priv_pieces(spec, unpriv_start);

	return pieces->len > 0;
}

/**
 * split_cmp_first() - Order port ranges by first host port
 * @a:	LpPortRange
 * @b:	LpPortRange
 *
 * Return: <0, 0, >0 as for qsort()
 */
static gint split_cmp_first(gconstpointer a, gconstpointer b)
{
	const LpPortRange *x = a, *y = b;

	return (gint)x->first - (gint)y->first;
}

/**
 * split_overlap() - Find a host port two forwards share
 * @ranges:	GArray of LpPortRange, no exclusions
 *
 * Return: a shared host port, or 0 if the ranges are disjoint
 */
static unsigned int split_overlap(const GArray *ranges)
{
	g_autoptr(GArray) sorted = g_array_sized_new(
		FALSE, FALSE, sizeof(LpPortRange), ranges->len);
	guint i;

	g_array_append_vals(sorted, ranges->data, ranges->len);
	g_array_sort(sorted, split_cmp_first);
	for (i = 1; i < sorted->len; i++) {
		const LpPortRange *prev =
			&g_array_index(sorted, LpPortRange, i - 1);
		const LpPortRange *cur = &g_array_index(sorted, LpPortRange, i);

		if (cur->first <= prev->last)
			return cur->first;
	}
	return 0;
}

/**
 * split_rest() - The unprivileged part of a specification
 * @spec:		Explicit specification
 * @unpriv_start:	First unprivileged port
 *
 * Straddling items keep their upper part, container ports shifted along;
 * exclusions are kept as they are.
 *
 * Return: new specification, or NULL if it would forward nothing (mere
 *	   exclusions would mean "every other port" to pasta)
 */
static LpPortSpec *split_rest(const LpPortSpec *spec, unsigned int unpriv_start)
{
	g_autoptr(LpPortSpec) rest = lp_portspec_new(spec);
	bool forwards = false;
	guint i;

	for (i = 0; i < spec->ranges->len; i++) {
		LpPortRange r = g_array_index(spec->ranges, LpPortRange, i);

		if (!r.exclude) {
			if (r.last < unpriv_start)
				continue;
			if (r.first < unpriv_start) {
				r.ctr_first +=
					(uint16_t)(unpriv_start - r.first);
				r.first = (uint16_t)unpriv_start;
			}
			forwards = true;
		}
		g_array_append_val(rest->ranges, r);
	}
	return forwards ? g_steal_pointer(&rest) : NULL;
}

/**
 * lp_portspec_split() - Separate the privileged forwards of a specification
 * @spec:		Specification
 * @unpriv_start:	First unprivileged port (ip_unprivileged_port_start)
 * @ret_priv:		Privileged forwards: same address, one item per
 *			contiguous run (an item straddling @unpriv_start is
 *			cut there, exclusions are applied and dropped); NULL
 *			if @spec names no privileged port
 * @ret_rest:		What pasta should still get: a copy of @spec if
 *			*@ret_priv is NULL; else the unprivileged items with
 *			the exclusions, or NULL if no item is left
 * @error:		Return location for an error
 *
 * Example, @unpriv_start 1024: "1020-1030:1020-1030" gives privileged
 * "1020-1023:1020-1023" and rest "1024-1030:1024-1030".
 *
 * Return: TRUE on success; FALSE with LP_PORTSPEC_ERROR_UNSUPPORTED if
 *	   privileged ports are bound to an interface or forwarded twice
 */
gboolean lp_portspec_split(const LpPortSpec *spec, unsigned int unpriv_start,
			   LpPortSpec **ret_priv, LpPortSpec **ret_rest,
			   GError **error)
{
	g_autoptr(GArray) pieces = split_priv_pieces(spec, unpriv_start);
	g_autofree char *arg = NULL;
	LpPortSpec *priv;
	unsigned int dup;

	if (!pieces->len) {
		*ret_priv = NULL;
		*ret_rest = lp_portspec_dup(spec);
		return TRUE;
	}
	arg = lp_portspec_format(spec);
	if (spec->ifname) {
		return lp_portspec_fail(
			error, LP_PORTSPEC_ERROR_UNSUPPORTED, arg,
			"lowport cannot forward privileged ports bound to an interface; use an address instead");
	}
	if ((dup = split_overlap(pieces))) {
		return lp_portspec_fail(
			error, LP_PORTSPEC_ERROR_UNSUPPORTED, arg,
			"privileged host port %u is forwarded twice", dup);
	}
	priv = lp_portspec_new(spec);
	g_array_append_vals(priv->ranges, pieces->data, pieces->len);
	*ret_priv = priv;
	*ret_rest = split_rest(spec, unpriv_start);
	return TRUE;
}

/**
 * lp_portspec_split_rewrite() - Point privileged forwards at backend ports
 * @priv:	Privileged forwards from lp_portspec_split()
 * @backend:	First backend host port for each item of @priv
 * @n_backend:	Number of entries in @backend, equal to the items in @priv
 * @error:	Return location for an error
 *
 * Item i "H1-H2:C1-C2" becomes "B-(B+H2-H1):C1-C2" with B = @backend[i],
 * same address and interface: the argument pasta gets instead.
 *
 * Return: new specification, caller frees with lp_portspec_free(); NULL
 *	   with LP_PORTSPEC_ERROR_INVALID if a backend block passes port
 *	   65535, starts at 0, or overlaps another
 */
LpPortSpec *lp_portspec_split_rewrite(const LpPortSpec *priv,
				      const uint16_t *backend, guint n_backend,
				      GError **error)
{
	g_autoptr(LpPortSpec) out = NULL;
	g_autofree char *arg = NULL;
	unsigned int dup;
	guint i;

	g_return_val_if_fail(priv->kind == LP_PORTSPEC_RANGES, NULL);
	g_return_val_if_fail(n_backend == priv->ranges->len, NULL);

	out = lp_portspec_new(priv);
	arg = lp_portspec_format(priv);
	for (i = 0; i < n_backend; i++) {
		LpPortRange r = g_array_index(priv->ranges, LpPortRange, i);
		unsigned int n = r.last - r.first;

		g_return_val_if_fail(!r.exclude, NULL);
		if (!backend[i] || backend[i] + n > SPLIT_PORT_MAX) {
			lp_portspec_fail(
				error, LP_PORTSPEC_ERROR_INVALID, arg,
				"backend ports %u-%u are out of range 1-%u",
				backend[i], backend[i] + n, SPLIT_PORT_MAX);
			return NULL;
		}
		r.first = backend[i];
		r.last = (uint16_t)(backend[i] + n);
		g_array_append_val(out->ranges, r);
	}
	if ((dup = split_overlap(out->ranges))) {
		lp_portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
				 "backend port %u is used twice", dup);
		return NULL;
	}
	return g_steal_pointer(&out);
}

/**
 * lp_portspec_split_mappings() - Describe privileged forwards for lowportd
 * @priv:	Privileged forwards from lp_portspec_split()
 * @proto:	IPPROTO_TCP (-t) or IPPROTO_UDP (-u)
 * @backend:	First backend host port for each item of @priv
 * @n_backend:	Number of entries in @backend, equal to the items in @priv
 *
 * Return: GArray of LpMapping, one per item; caller frees with
 *	   g_array_unref()
 */
GArray *lp_portspec_split_mappings(const LpPortSpec *priv, int proto,
				   const uint16_t *backend, guint n_backend)
{
	GArray *out;
	guint i;

	g_return_val_if_fail(priv->kind == LP_PORTSPEC_RANGES, NULL);
	g_return_val_if_fail(n_backend == priv->ranges->len, NULL);

	out = g_array_sized_new(FALSE, FALSE, sizeof(LpMapping), n_backend);
	for (i = 0; i < n_backend; i++) {
		const LpPortRange *r =
			&g_array_index(priv->ranges, LpPortRange, i);
		LpMapping m = {
			.proto = (uint8_t)proto,
			.addr = priv->addr,
			.host_port = r->first,
			.backend_port = backend[i],
			.range = (uint16_t)(r->last - r->first + 1U),
		};

		g_array_append_val(out, m);
	}
	return out;
}
