// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-portspec.c - fuzz pasta -t/-u parsing, formatting, split and rewrite
 *
 * Copyright lowport authors
 *
 * Input: one argument (up to the first NUL). Properties checked:
 * parse(format(x)) equals x and fits LP_PORTSPEC_ARG_MAX; split keeps
 * every forward exactly once, on the right side of the boundary; rewritten
 * specs parse back.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "netutils/mapping.h"
#include "shim/portspec-split.h"
#include "shim/portspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Boundaries split is tried at */
static const unsigned int fuzz_starts[] = {0,	 1,    80,    1023,
					   1024, 1025, 65535, 65536};

/**
 * fuzz_check() - Abort with a message if a property fails
 * @ok:		Property holds
 * @what:	What was checked
 */
static void fuzz_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz-portspec: %s\n", what);
		abort();
	}
}

/**
 * fuzz_reparse() - format() then parse() must give the same spec back
 * @spec:	Specification
 */
static void fuzz_reparse(const LpPortSpec *spec)
{
	g_autofree char *text = lp_portspec_format(spec);
	g_autoptr(LpPortSpec) back = NULL;
	g_autoptr(GError) error = NULL;

	fuzz_check(strlen(text) <= LP_PORTSPEC_ARG_MAX, "format too long");
	back = lp_portspec_parse(text, &error);
	if (!back)
		fprintf(stderr, "'%s': %s\n", text, error->message);
	fuzz_check(back && lp_portspec_equal(spec, back), "round trip");
}

/**
 * fuzz_ctr_port() - Container port an explicit spec gives a host port
 * @spec:	Specification, or NULL
 * @port:	Host port
 *
 * Return: container port of the last item forwarding @port (pasta's
 *	   "last one wins"), or -1
 */
static int fuzz_ctr_port(const LpPortSpec *spec, unsigned int port)
{
	int ret = -1;
	guint i;

	if (!spec || spec->kind != LP_PORTSPEC_RANGES ||
	    !lp_portspec_split_forwards(spec, port))
		return -1;
	for (i = 0; i < spec->ranges->len; i++) {
		const LpPortRange *r =
			&g_array_index(spec->ranges, LpPortRange, i);

		if (!r->exclude && r->first <= port && port <= r->last)
			ret = (int)(r->ctr_first + (port - r->first));
	}
	return ret;
}

/**
 * fuzz_check_port() - One host port is forwarded by exactly the right side
 * @spec:	Original specification
 * @priv:	Privileged part
 * @rest:	Rest, or NULL
 * @start:	Boundary
 * @port:	Host port to check
 */
static void fuzz_check_port(const LpPortSpec *spec, const LpPortSpec *priv,
			    const LpPortSpec *rest, unsigned int start,
			    unsigned int port)
{
	int want, p, r;

	if (port < 1 || port > 65535)
		return;
	want = fuzz_ctr_port(spec, port);
	p = fuzz_ctr_port(priv, port);
	r = fuzz_ctr_port(rest, port);
	fuzz_check(p < 0 || r < 0, "port on both sides");
	fuzz_check(p < 0 || port < start, "unprivileged port in priv");
	fuzz_check(r < 0 || port >= start, "privileged port in rest");
	fuzz_check((p >= 0 ? p : r) == want, "forward changed by split");
}

/**
 * fuzz_rewrite() - Rewrite privileged forwards to made-up backend ports
 * @priv:	Privileged part from lp_portspec_split()
 */
static void fuzz_rewrite(const LpPortSpec *priv)
{
	g_autofree uint16_t *backend = g_new0(uint16_t, priv->ranges->len);
	g_autoptr(LpPortSpec) out = NULL;
	g_autoptr(GArray) maps = NULL;
	unsigned int next = 30000;
	guint i;

	for (i = 0; i < priv->ranges->len; i++) {
		const LpPortRange *r =
			&g_array_index(priv->ranges, LpPortRange, i);

		backend[i] = (uint16_t)next;
		next = (next + r->last - r->first + 1U) & 0xffff;
	}
	out = lp_portspec_split_rewrite(priv, backend, priv->ranges->len, NULL);
	if (out)
		fuzz_reparse(out);
	maps = lp_portspec_split_mappings(priv, IPPROTO_TCP, backend,
					  priv->ranges->len);
	fuzz_check(maps->len == priv->ranges->len, "mapping count");
}

/**
 * fuzz_split() - Split at one boundary and check the result
 * @spec:	Specification
 * @start:	Boundary
 */
static void fuzz_split(const LpPortSpec *spec, unsigned int start)
{
	g_autoptr(LpPortSpec) priv = NULL, rest = NULL;
	g_autoptr(GError) error = NULL;
	guint i;

	if (!lp_portspec_split(spec, start, &priv, &rest, &error)) {
		fuzz_check(error &&
				   error->code == LP_PORTSPEC_ERROR_UNSUPPORTED,
			   "split error code");
		return;
	}
	fuzz_check(!!priv == lp_portspec_split_has_privileged(spec, start),
		   "has_privileged disagrees with split");
	if (!priv) {
		fuzz_check(rest && lp_portspec_equal(spec, rest), "rest copy");
		return;
	}
	fuzz_reparse(priv);
	if (rest)
		fuzz_reparse(rest);
	for (i = 0; i < spec->ranges->len; i++) {
		const LpPortRange *r =
			&g_array_index(spec->ranges, LpPortRange, i);

		fuzz_check_port(spec, priv, rest, start, r->first);
		fuzz_check_port(spec, priv, rest, start, r->last);
		fuzz_check_port(spec, priv, rest, start, r->first - 1U);
		fuzz_check_port(spec, priv, rest, start, r->last + 1U);
	}
	fuzz_check_port(spec, priv, rest, start, start - 1U);
	fuzz_check_port(spec, priv, rest, start, start);
	fuzz_rewrite(priv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *arg = g_strndup((const char *)data, size);
	g_autoptr(LpPortSpec) spec = NULL;
	g_autoptr(GError) error = NULL;
	guint i;

	spec = lp_portspec_parse(arg, &error);
	if (!spec) {
		fuzz_check(error && error->domain == LP_PORTSPEC_ERROR,
			   "parse error domain");
		fuzz_check(g_utf8_validate(error->message, -1, NULL),
			   "message not UTF-8");
		return 0;
	}
	fuzz_reparse(spec);
	for (i = 0; i < G_N_ELEMENTS(fuzz_starts); i++)
		fuzz_split(spec, fuzz_starts[i]);
	return 0;
}
