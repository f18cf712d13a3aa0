// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portspec.c - pasta -t/-u port specifications: parse, split, rewrite, format
 *
 * Copyright lowport authors
 *
 * The grammar follows pasta's conf_ports() (passt 2022 to 2026_01): a whole
 * argument "none", "auto" or "all"; or an optional "ADDR[%IFNAME]/" prefix
 * split at the first '/', then comma-separated items "H1[-H2][:C1[-C2]]"
 * and exclusions "~X1[-X2]". We are stricter than pasta's strtoul() in one
 * way: port numbers are plain decimal digits (no sign, no blanks).
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <string.h>

#include "netutils/mapping.h"
#include "shim/portspec.h"

G_DEFINE_QUARK(lp_portspec_error, lp_portspec_error)

/* Longest part of user text quoted in an error message */
#define PORTSPEC_QUOTE_MAX 64

/* Highest port number */
#define PORTSPEC_PORT_MAX 65535

/**
 * portspec_quote() - Make user text safe and short for an error message
 * @s:	Text, any bytes
 *
 * Return: escaped copy of at most PORTSPEC_QUOTE_MAX bytes of @s, with
 *	   "..." appended if cut; caller frees with g_free()
 */
static char *portspec_quote(const char *s)
{
	g_autofree char *cut = g_strndup(s, PORTSPEC_QUOTE_MAX);
	g_autofree char *esc = g_strescape(cut, NULL);

	if (strlen(cut) < strnlen(s, PORTSPEC_QUOTE_MAX + 1))
		return g_strconcat(esc, "...", NULL);
	return g_steal_pointer(&esc);
}

/**
 * portspec_fail() - Set a GError that names the argument
 * @error:	Return location for the error
 * @code:	LP_PORTSPEC_ERROR_INVALID or LP_PORTSPEC_ERROR_UNSUPPORTED
 * @arg:	Whole argument, quoted in the message
 * @fmt:	printf() format of the reason
 * @...:	Arguments for @fmt
 *
 * Return: false, so callers can "return portspec_fail(...)"
 */
G_GNUC_PRINTF(4, 5)
static bool portspec_fail(GError **error, LpPortSpecError code, const char *arg,
			  const char *fmt, ...)
{
	g_autofree char *quoted = portspec_quote(arg);
	g_autofree char *reason = NULL;
	va_list ap;

	va_start(ap, fmt);
	reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);

	g_set_error(error, LP_PORTSPEC_ERROR, code,
		    "%s port specification '%s': %s",
		    code == LP_PORTSPEC_ERROR_INVALID ? "invalid"
						      : "unsupported",
		    quoted, reason);
	return false;
}

/**
 * portspec_new() - Allocate an empty explicit specification
 * @like:	Take address and interface from this one, or NULL for none
 *
 * Return: new specification of kind LP_PORTSPEC_RANGES with no items
 */
static LpPortSpec *portspec_new(const LpPortSpec *like)
{
	LpPortSpec *spec = g_new0(LpPortSpec, 1);

	spec->kind = LP_PORTSPEC_RANGES;
	spec->addr = LP_ADDR_ALL;
	spec->ranges = g_array_new(FALSE, FALSE, sizeof(LpPortRange));
	if (like) {
		spec->addr_text = g_strdup(like->addr_text);
		spec->addr = like->addr;
		spec->ifname = g_strdup(like->ifname);
	}
	return spec;
}

/**
 * lp_portspec_free() - Free a specification
 * @spec:	Specification, or NULL
 */
void lp_portspec_free(LpPortSpec *spec)
{
	if (!spec)
		return;
	g_free(spec->addr_text);
	g_free(spec->ifname);
	if (spec->ranges)
		g_array_unref(spec->ranges);
	g_free(spec);
}

/**
 * portspec_dup() - Copy a specification
 * @spec:	Specification
 *
 * Return: deep copy, caller frees with lp_portspec_free()
 */
static LpPortSpec *portspec_dup(const LpPortSpec *spec)
{
	LpPortSpec *copy = portspec_new(spec);

	copy->kind = spec->kind;
	if (spec->ranges) {
		g_array_append_vals(copy->ranges, spec->ranges->data,
				    spec->ranges->len);
	} else {
		g_clear_pointer(&copy->ranges, g_array_unref);
	}
	return copy;
}

/**
 * portspec_parse_port() - Parse one decimal port number
 * @arg:	Whole argument, for messages
 * @p:		Parse position, advanced past the digits
 * @min:	Lowest valid port (0 for exclusions, else 1)
 * @ret:	Parsed port
 * @error:	Return location for an error
 *
 * Return: true on success
 */
static bool portspec_parse_port(const char *arg, const char **p,
				unsigned int min, uint16_t *ret, GError **error)
{
	const char *s = *p;
	unsigned long v = 0;

	if (!g_ascii_isdigit(*s)) {
		g_autofree char *at = portspec_quote(s);

		if (!*s)
			return portspec_fail(
				error, LP_PORTSPEC_ERROR_INVALID, arg,
				"expected a port number at the end");
		return portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
				     "expected a port number at '%s'", at);
	}
	for (; g_ascii_isdigit(*s); s++) {
		if (v <= PORTSPEC_PORT_MAX) /* stop growing, stay large */
			v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < min || v > PORTSPEC_PORT_MAX) {
		g_autofree char *digits = g_strndup(*p, (gsize)(s - *p));
		g_autofree char *num = portspec_quote(digits);

		return portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
				     "port %s is out of range %u-%u", num, min,
				     PORTSPEC_PORT_MAX);
	}
	*ret = (uint16_t)v;
	*p = s;
	return true;
}

/**
 * portspec_parse_range() - Parse "PORT[-PORT]"
 * @arg:	Whole argument, for messages
 * @p:		Parse position, advanced past the range
 * @min:	Lowest valid port
 * @first:	First port of the range
 * @last:	Last port of the range
 * @error:	Return location for an error
 *
 * Return: true on success
 */
static bool portspec_parse_range(const char *arg, const char **p,
				 unsigned int min, uint16_t *first,
				 uint16_t *last, GError **error)
{
	if (!portspec_parse_port(arg, p, min, first, error))
		return false;
	*last = *first;
	if (**p != '-')
		return true;
	(*p)++;
	if (!portspec_parse_port(arg, p, min, last, error))
		return false;
	if (*last < *first) {
		return portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
				     "range end %u is below start %u", *last,
				     *first);
	}
	return true;
}

/**
 * portspec_parse_target() - Parse the ":C1[-C2]" part of an item
 * @arg:	Whole argument, for messages
 * @p:		Parse position, just after ':'
 * @r:		Item with host ports set; ctr_first is updated
 * @error:	Return location for an error
 *
 * Return: true on success
 */
static bool portspec_parse_target(const char *arg, const char **p,
				  LpPortRange *r, GError **error)
{
	uint16_t first, last;

	if (!portspec_parse_range(arg, p, 1, &first, &last, error))
		return false;
	if (last - first != r->last - r->first) {
		return portspec_fail(
			error, LP_PORTSPEC_ERROR_INVALID, arg,
			"host range %u-%u and container range %u-%u differ in length",
			r->first, r->last, first, last);
	}
	r->ctr_first = first;
	return true;
}

/**
 * portspec_parse_item() - Parse one comma-separated item
 * @arg:	Whole argument, for messages
 * @item:	Item text, without commas
 * @r:		Parsed item
 * @error:	Return location for an error
 *
 * Return: true on success
 */
static bool portspec_parse_item(const char *arg, const char *item,
				LpPortRange *r, GError **error)
{
	const char *p = item;

	*r = (LpPortRange){0};
	if (!*item) {
		return portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
				     "empty item");
	}
	if (!strcmp(item, "auto") || !strcmp(item, "all") ||
	    g_str_has_prefix(item, "all:")) {
		g_autofree char *what = portspec_quote(item);

		return portspec_fail(
			error, LP_PORTSPEC_ERROR_UNSUPPORTED, arg,
			"'%s' after an address or in a list needs pasta's newer forwarding rules, which lowport does not parse",
			what);
	}
	r->exclude = *p == '~';
	if (r->exclude)
		p++;
	if (!portspec_parse_range(arg, &p, r->exclude ? 0 : 1, &r->first,
				  &r->last, error))
		return false;
	r->ctr_first = r->first;
	if (!r->exclude && *p == ':') {
		p++;
		if (!portspec_parse_target(arg, &p, r, error))
			return false;
	}
	if (*p) {
		g_autofree char *rest = portspec_quote(p);
		g_autofree char *what = portspec_quote(item);

		return portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
				     "unexpected '%s' in item '%s'", rest,
				     what);
	}
	return true;
}

/**
 * portspec_parse_items() - Parse the comma-separated items after the prefix
 * @spec:	Specification to fill
 * @arg:	Whole argument, for messages
 * @body:	Text after the address prefix
 * @error:	Return location for an error
 *
 * Return: true on success
 */
static bool portspec_parse_items(LpPortSpec *spec, const char *arg,
				 const char *body, GError **error)
{
	g_auto(GStrv) items = NULL;
	guint i, n;

	if (!*body) {
		return portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
				     "no ports given");
	}
	items = g_strsplit(body, ",", LP_PORTSPEC_ITEMS_MAX + 1);
	n = g_strv_length(items);
	if (n > LP_PORTSPEC_ITEMS_MAX) {
		return portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
				     "more than %d comma-separated items",
				     LP_PORTSPEC_ITEMS_MAX);
	}
	for (i = 0; i < n; i++) {
		LpPortRange r;

		if (!portspec_parse_item(arg, items[i], &r, error))
			return false;
		g_array_append_val(spec->ranges, r);
	}
	return true;
}

/**
 * portspec_ifname_valid() - Check an interface name as the kernel would
 * @name:	Name after '%'
 *
 * Return: true if @name could name a network interface (dev_valid_name())
 */
static bool portspec_ifname_valid(const char *name)
{
	const char *p;

	if (!*name || strlen(name) >= IFNAMSIZ)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (p = name; *p; p++) {
		if (*p == '/' || *p == ':' || g_ascii_isspace(*p))
			return false;
	}
	return true;
}

/**
 * portspec_parse_addr() - Parse the address of the prefix
 * @spec:	Specification to fill: addr and addr_text
 * @arg:	Whole argument, for messages
 * @text:	Address text, maybe in brackets, "*" for every address
 * @error:	Return location for an error
 *
 * Return: true on success
 */
static bool portspec_parse_addr(LpPortSpec *spec, const char *arg,
				const char *text, GError **error)
{
	size_t len = strlen(text);
	g_autofree char *inner = NULL;

	if (len >= 2 && text[0] == '[' && text[len - 1] == ']')
		inner = g_strndup(text + 1, len - 2);
	else
		inner = g_strdup(text);

	if (!strcmp(text, "*")) { /* pasta 2026: explicitly every address */
		spec->addr = LP_ADDR_ALL;
	} else if (!*inner || lp_addr_parse(inner, &spec->addr) < 0) {
		g_autofree char *quoted = portspec_quote(text);

		return portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
				     "invalid address '%s'", quoted);
	}
	spec->addr_text = g_strdup(text);
	return true;
}

/**
 * portspec_parse_prefix() - Parse "ADDR[%IFNAME]" or "%IFNAME" before '/'
 * @spec:	Specification to fill
 * @arg:	Whole argument, for messages
 * @prefix:	Text before the first '/'
 * @error:	Return location for an error
 *
 * Return: true on success
 */
static bool portspec_parse_prefix(LpPortSpec *spec, const char *arg,
				  const char *prefix, GError **error)
{
	const char *pct = strchr(prefix, '%');
	g_autofree char *addr = NULL;

	if (pct) {
		if (!portspec_ifname_valid(pct + 1)) {
			g_autofree char *quoted = portspec_quote(pct + 1);

			return portspec_fail(error, LP_PORTSPEC_ERROR_INVALID,
					     arg, "invalid interface name '%s'",
					     quoted);
		}
		spec->ifname = g_strdup(pct + 1);
		addr = g_strndup(prefix, (gsize)(pct - prefix));
		if (!*addr) /* "%IFNAME/": interface without address */
			return true;
	} else {
		addr = g_strdup(prefix);
		if (!*addr) {
			return portspec_fail(error, LP_PORTSPEC_ERROR_INVALID,
					     arg, "empty address before '/'");
		}
	}
	return portspec_parse_addr(spec, arg, addr, error);
}

/**
 * lp_portspec_parse() - Parse the argument of a pasta -t or -u option
 * @arg:	Argument, e.g. "80-80:80-80", "::1/443", "22,8000-8010:80-90"
 * @error:	Return location for an error: LP_PORTSPEC_ERROR_INVALID for
 *		text pasta would refuse (or we refuse as nonsense), with a
 *		message naming @arg; LP_PORTSPEC_ERROR_UNSUPPORTED for forms
 *		only newer pasta versions accept that lowport does not model
 *
 * Return: new specification, caller frees with lp_portspec_free(); NULL on
 *	   error
 */
LpPortSpec *lp_portspec_parse(const char *arg, GError **error)
{
	static const char *const words[] = {
		[LP_PORTSPEC_NONE] = "none",
		[LP_PORTSPEC_AUTO] = "auto",
		[LP_PORTSPEC_ALL] = "all",
	};
	g_autoptr(LpPortSpec) spec = NULL;
	const char *slash, *body = arg;
	size_t len, i;

	g_return_val_if_fail(arg, NULL);
	len = strnlen(arg, LP_PORTSPEC_ARG_MAX + 1);
	if (!len) {
		portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg, "empty");
		return NULL;
	}
	if (len > LP_PORTSPEC_ARG_MAX) {
		portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
			      "longer than %d bytes", LP_PORTSPEC_ARG_MAX);
		return NULL;
	}
	for (i = 0; i < G_N_ELEMENTS(words); i++) {
		if (!strcmp(arg, words[i])) {
			spec = g_new0(LpPortSpec, 1);
			spec->kind = (LpPortSpecKind)i;
			spec->addr = LP_ADDR_ALL;
			return g_steal_pointer(&spec);
		}
	}

	spec = portspec_new(NULL);
	slash = strchr(arg, '/');
	if (slash) {
		g_autofree char *prefix = g_strndup(arg, (gsize)(slash - arg));

		if (!portspec_parse_prefix(spec, arg, prefix, error))
			return NULL;
		body = slash + 1;
	}
	if (!portspec_parse_items(spec, arg, body, error))
		return NULL;
	return g_steal_pointer(&spec);
}

/**
 * lp_portspec_format() - Print a specification in Podman's canonical form
 * @spec:	Specification
 *
 * Items print as "H1-H2:C1-C2", exclusions as "~X1-X2", after the address
 * text as given and "%IFNAME", if any, and '/'. The result parses back to an
 * equal specification and, for anything lp_portspec_parse() accepted or
 * derived from it, fits in LP_PORTSPEC_ARG_MAX bytes.
 *
 * Return: new string, caller frees with g_free()
 */
char *lp_portspec_format(const LpPortSpec *spec)
{
	GString *s;
	guint i;

	switch (spec->kind) {
	case LP_PORTSPEC_NONE:
		return g_strdup("none");
	case LP_PORTSPEC_AUTO:
		return g_strdup("auto");
	case LP_PORTSPEC_ALL:
		return g_strdup("all");
	default:
		break;
	}

	s = g_string_new(spec->addr_text);
	if (spec->ifname)
		g_string_append_printf(s, "%%%s", spec->ifname);
	if (spec->addr_text || spec->ifname)
		g_string_append_c(s, '/');
	for (i = 0; i < spec->ranges->len; i++) {
		const LpPortRange *r =
			&g_array_index(spec->ranges, LpPortRange, i);

		if (i)
			g_string_append_c(s, ',');
		if (r->exclude) {
			g_string_append_printf(s, "~%u-%u", r->first, r->last);
			continue;
		}
		g_string_append_printf(s, "%u-%u:%u-%u", r->first, r->last,
				       r->ctr_first,
				       r->ctr_first + (r->last - r->first));
	}
	return g_string_free(s, FALSE);
}

/**
 * lp_portspec_equal() - Tell whether two specifications are the same
 * @a:	First specification
 * @b:	Second specification
 *
 * Return: true if kind, address text, address, interface and items (in
 *	   order) are equal
 */
bool lp_portspec_equal(const LpPortSpec *a, const LpPortSpec *b)
{
	guint i;

	if (a->kind != b->kind || g_strcmp0(a->addr_text, b->addr_text) ||
	    g_strcmp0(a->ifname, b->ifname) ||
	    !lp_addr_equal(&a->addr, &b->addr))
		return false;
	if (!a->ranges || !b->ranges)
		return a->ranges == b->ranges;
	if (a->ranges->len != b->ranges->len)
		return false;
	for (i = 0; i < a->ranges->len; i++) {
		const LpPortRange *x =
			&g_array_index(a->ranges, LpPortRange, i);
		const LpPortRange *y =
			&g_array_index(b->ranges, LpPortRange, i);

		if (x->first != y->first || x->last != y->last ||
		    x->ctr_first != y->ctr_first || x->exclude != y->exclude)
			return false;
	}
	return true;
}

/**
 * portspec_excluded() - Tell whether an exclusion of a spec covers a port
 * @spec:	Explicit specification
 * @port:	Host port
 *
 * Return: the exclusion covering @port, or NULL
 */
static const LpPortRange *portspec_excluded(const LpPortSpec *spec,
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
 * lp_portspec_forwards() - Tell whether pasta would forward a host port
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
bool lp_portspec_forwards(const LpPortSpec *spec, unsigned int port)
{
	bool only_excl = true;
	guint i;

	if (spec->kind == LP_PORTSPEC_ALL)
		return true;
	if (spec->kind != LP_PORTSPEC_RANGES || portspec_excluded(spec, port))
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
 * portspec_add_runs() - Append the non-excluded runs of part of an item
 * @out:	GArray of LpPortRange to append to
 * @spec:	Specification holding @r and its exclusions
 * @r:		Forwarding item
 * @last:	Last host port of @r to consider (from r->first)
 */
static void portspec_add_runs(GArray *out, const LpPortSpec *spec,
			      const LpPortRange *r, unsigned int last)
{
	unsigned int p = r->first, end;
	const LpPortRange *x;
	guint i;

	while (p <= last) {
		if ((x = portspec_excluded(spec, p))) {
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
 * portspec_priv_pieces() - Collect the explicit privileged forwards
 * @spec:	Specification
 * @unpriv_start:	First unprivileged port
 *
 * Return: GArray of LpPortRange (maybe empty), host ports below
 *	   @unpriv_start that @spec forwards by name, exclusions applied
 */
static GArray *portspec_priv_pieces(const LpPortSpec *spec,
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
		portspec_add_runs(out, spec, r, MIN(r->last, unpriv_start - 1));
	}
	return out;
}

/**
 * lp_portspec_has_privileged() - Tell whether a spec names privileged ports
 * @spec:		Specification
 * @unpriv_start:	First unprivileged port (ip_unprivileged_port_start)
 *
 * "none", "auto", "all" and exclusion-only specifications name no port:
 * pass them on, pasta binds what it can.
 *
 * Return: true if some explicitly forwarded, non-excluded host port is below
 *	   @unpriv_start
 */
bool lp_portspec_has_privileged(const LpPortSpec *spec,
				unsigned int unpriv_start)
{
	g_autoptr(GArray) pieces = portspec_priv_pieces(spec, unpriv_start);

	return pieces->len > 0;
}

/**
 * portspec_cmp_first() - Order port ranges by first host port
 * @a:	LpPortRange
 * @b:	LpPortRange
 *
 * Return: <0, 0, >0 as for qsort()
 */
static gint portspec_cmp_first(gconstpointer a, gconstpointer b)
{
	const LpPortRange *x = a, *y = b;

	return (gint)x->first - (gint)y->first;
}

/**
 * portspec_overlap() - Find a host port two forwards share
 * @ranges:	GArray of LpPortRange, no exclusions
 *
 * Return: a shared host port, or 0 if the ranges are disjoint
 */
static unsigned int portspec_overlap(const GArray *ranges)
{
	g_autoptr(GArray) sorted = g_array_sized_new(
		FALSE, FALSE, sizeof(LpPortRange), ranges->len);
	guint i;

	g_array_append_vals(sorted, ranges->data, ranges->len);
	g_array_sort(sorted, portspec_cmp_first);
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
 * portspec_rest() - The unprivileged part of a specification
 * @spec:		Explicit specification
 * @unpriv_start:	First unprivileged port
 *
 * Straddling items keep their upper part, container ports shifted along;
 * exclusions are kept as they are.
 *
 * Return: new specification, or NULL if it would forward nothing (mere
 *	   exclusions would mean "every other port" to pasta)
 */
static LpPortSpec *portspec_rest(const LpPortSpec *spec,
				 unsigned int unpriv_start)
{
	g_autoptr(LpPortSpec) rest = portspec_new(spec);
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
	g_autoptr(GArray) pieces = portspec_priv_pieces(spec, unpriv_start);
	g_autofree char *arg = NULL;
	LpPortSpec *priv;
	unsigned int dup;

	if (!pieces->len) {
		*ret_priv = NULL;
		*ret_rest = portspec_dup(spec);
		return TRUE;
	}
	arg = lp_portspec_format(spec);
	if (spec->ifname) {
		return portspec_fail(
			error, LP_PORTSPEC_ERROR_UNSUPPORTED, arg,
			"lowport cannot forward privileged ports bound to an interface; use an address instead");
	}
	if ((dup = portspec_overlap(pieces))) {
		return portspec_fail(
			error, LP_PORTSPEC_ERROR_UNSUPPORTED, arg,
			"privileged host port %u is forwarded twice", dup);
	}
	priv = portspec_new(spec);
	g_array_append_vals(priv->ranges, pieces->data, pieces->len);
	*ret_priv = priv;
	*ret_rest = portspec_rest(spec, unpriv_start);
	return TRUE;
}

/**
 * lp_portspec_rewrite() - Point privileged forwards at backend ports
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
LpPortSpec *lp_portspec_rewrite(const LpPortSpec *priv, const uint16_t *backend,
				guint n_backend, GError **error)
{
	g_autoptr(LpPortSpec) out = NULL;
	g_autofree char *arg = NULL;
	unsigned int dup;
	guint i;

	g_return_val_if_fail(priv->kind == LP_PORTSPEC_RANGES, NULL);
	g_return_val_if_fail(n_backend == priv->ranges->len, NULL);

	out = portspec_new(priv);
	arg = lp_portspec_format(priv);
	for (i = 0; i < n_backend; i++) {
		LpPortRange r = g_array_index(priv->ranges, LpPortRange, i);
		unsigned int n = r.last - r.first;

		g_return_val_if_fail(!r.exclude, NULL);
		if (!backend[i] || backend[i] + n > PORTSPEC_PORT_MAX) {
			portspec_fail(
				error, LP_PORTSPEC_ERROR_INVALID, arg,
				"backend ports %u-%u are out of range 1-%u",
				backend[i], backend[i] + n, PORTSPEC_PORT_MAX);
			return NULL;
		}
		r.first = backend[i];
		r.last = (uint16_t)(backend[i] + n);
		g_array_append_val(out->ranges, r);
	}
	if ((dup = portspec_overlap(out->ranges))) {
		portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
			      "backend port %u is used twice", dup);
		return NULL;
	}
	return g_steal_pointer(&out);
}

/**
 * lp_portspec_mappings() - Describe privileged forwards for lowportd
 * @priv:	Privileged forwards from lp_portspec_split()
 * @proto:	IPPROTO_TCP (-t) or IPPROTO_UDP (-u)
 * @backend:	First backend host port for each item of @priv
 * @n_backend:	Number of entries in @backend, equal to the items in @priv
 *
 * Return: GArray of LpMapping, one per item; caller frees with
 *	   g_array_unref()
 */
GArray *lp_portspec_mappings(const LpPortSpec *priv, int proto,
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
