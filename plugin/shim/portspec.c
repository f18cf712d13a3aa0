// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portspec.c - pasta -t/-u port specifications: parse and format
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
 * lp_portspec_fail() - Set a GError that names the argument
 * @error:	Return location for the error
 * @code:	LP_PORTSPEC_ERROR_INVALID or LP_PORTSPEC_ERROR_UNSUPPORTED
 * @arg:	Whole argument, quoted in the message
 * @fmt:	printf() format of the reason
 * @...:	Arguments for @fmt
 *
 * Return: false, so callers can "return lp_portspec_fail(...)"
 */
bool lp_portspec_fail(GError **error, LpPortSpecError code, const char *arg,
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
 * lp_portspec_new() - Allocate an empty explicit specification
 * @like:	Take address and interface from this one, or NULL for none
 *
 * Return: new specification of kind LP_PORTSPEC_RANGES with no items
 */
LpPortSpec *lp_portspec_new(const LpPortSpec *like)
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
 * lp_portspec_dup() - Copy a specification
 * @spec:	Specification
 *
 * Return: deep copy, caller frees with lp_portspec_free()
 */
LpPortSpec *lp_portspec_dup(const LpPortSpec *spec)
{
	LpPortSpec *copy = lp_portspec_new(spec);

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
			return lp_portspec_fail(
				error, LP_PORTSPEC_ERROR_INVALID, arg,
				"expected a port number at the end");
		return lp_portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
					"expected a port number at '%s'", at);
	}
	for (; g_ascii_isdigit(*s); s++) {
		if (v <= PORTSPEC_PORT_MAX) /* stop growing, stay large */
			v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < min || v > PORTSPEC_PORT_MAX) {
		g_autofree char *digits = g_strndup(*p, (gsize)(s - *p));
		g_autofree char *num = portspec_quote(digits);

		return lp_portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
					"port %s is out of range %u-%u", num,
					min, PORTSPEC_PORT_MAX);
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
		return lp_portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
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
		return lp_portspec_fail(
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
		return lp_portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
					"empty item");
	}
	if (!strcmp(item, "auto") || !strcmp(item, "all") ||
	    g_str_has_prefix(item, "all:")) {
		g_autofree char *what = portspec_quote(item);

		return lp_portspec_fail(
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

		return lp_portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
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
		return lp_portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
					"no ports given");
	}
	items = g_strsplit(body, ",", LP_PORTSPEC_ITEMS_MAX + 1);
	n = g_strv_length(items);
	if (n > LP_PORTSPEC_ITEMS_MAX) {
		return lp_portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
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

		return lp_portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
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

			return lp_portspec_fail(
				error, LP_PORTSPEC_ERROR_INVALID, arg,
				"invalid interface name '%s'", quoted);
		}
		spec->ifname = g_strdup(pct + 1);
		addr = g_strndup(prefix, (gsize)(pct - prefix));
		if (!*addr) /* "%IFNAME/": interface without address */
			return true;
	} else {
		addr = g_strdup(prefix);
		if (!*addr) {
			return lp_portspec_fail(error,
						LP_PORTSPEC_ERROR_INVALID, arg,
						"empty address before '/'");
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
		lp_portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
				 "empty");
		return NULL;
	}
	if (len > LP_PORTSPEC_ARG_MAX) {
		lp_portspec_fail(error, LP_PORTSPEC_ERROR_INVALID, arg,
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

	spec = lp_portspec_new(NULL);
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
