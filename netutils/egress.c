// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * egress.c - the egress allowlist grammar (annotation io.lowport.egress)
 *
 * A value is a comma-separated list of entries (docs/egress.md):
 *
 *   ENTRY  := "dns" | "none" | TARGET [":" PORTS] ["/" PROTO]
 *   TARGET := IPV4 ["/" LEN] | NAME | "[" IPV6 ["/" LEN] "]" | IPV6 ["/" LEN]
 *   PORTS  := PORT | PORT "-" PORT
 *   PROTO  := "tcp" | "udp"
 *
 * An IPv6 address with a port must be written in brackets,
 * "[2001:db8::1]:443/tcp"; without brackets every colon belongs to the
 * address. "none" stands alone. Whitespace around entries is ignored;
 * keywords and protocols are case-insensitive, names are folded to lower
 * case. Every error names the entry it is about.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "netutils/egress.h"

/* Longest part of an entry quoted in an error message */
#define EGRESS_QUOTE_MAX 64

G_DEFINE_QUARK(lp - egress - error - quark, lp_egress_error)

/**
 * egress_quote() - Printable copy of user text for an error message
 * @s:		Text
 * @len:	Its length
 *
 * Non-printable bytes become '?', long text is cut with "...".
 *
 * Return: new string, caller frees
 */
static char *egress_quote(const char *s, size_t len)
{
	GString *q = g_string_new(NULL);
	size_t i;

	for (i = 0; i < len && i < EGRESS_QUOTE_MAX; i++)
		g_string_append_c(q, g_ascii_isprint(s[i]) ? s[i] : '?');
	if (len > EGRESS_QUOTE_MAX)
		g_string_append(q, "...");
	return g_string_free(q, FALSE);
}

/**
 * egress_fail() - Set a parse error about entry @n
 * @error:	Return location for a GError
 * @n:		Entry number, from 1
 * @text:	Entry text
 * @len:	Its length
 * @why:	Reason
 *
 * Return: false
 */
static bool egress_fail(GError **error, unsigned int n, const char *text,
			size_t len, const char *why)
{
	g_autofree char *q = egress_quote(text, len);

	g_set_error(error, LP_EGRESS_ERROR, LP_EGRESS_ERROR_PARSE,
		    "%s: entry %u '%s': %s", LP_EGRESS_ANNOTATION, n, q, why);
	return false;
}

/**
 * egress_parse_port() - Parse a decimal port, 1 to 65535
 * @s:		Text
 * @len:	Its length
 * @ret:	Port
 *
 * Return: true if valid
 */
static bool egress_parse_port(const char *s, size_t len, uint16_t *ret)
{
	unsigned int v = 0;
	size_t i;

	if (len < 1 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (!g_ascii_isdigit(s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*ret = v;
	return true;
}

/**
 * egress_parse_ports() - Parse PORT or FIRST-LAST
 * @s:		Text
 * @len:	Its length
 * @e:		Entry to fill
 *
 * Return: NULL on success, otherwise the reason it is wrong
 */
static const char *egress_parse_ports(const char *s, size_t len,
				      LpEgressEntry *e)
{
	const char *dash = memchr(s, '-', len);

	if (!dash) {
		if (!egress_parse_port(s, len, &e->port_first))
			return "port must be a number from 1 to 65535";
		e->port_last = e->port_first;
		return NULL;
	}
	if (!egress_parse_port(s, dash - s, &e->port_first) ||
	    !egress_parse_port(dash + 1, len - (dash + 1 - s), &e->port_last))
		return "port range must be FIRST-LAST, each from 1 to 65535";
	if (e->port_first > e->port_last)
		return "port range is reversed (FIRST > LAST)";
	return NULL;
}

/**
 * egress_host_bits_zero() - Check that bits after @prefix are all zero
 * @addr:	Address bytes
 * @len:	4 or 16
 * @prefix:	Prefix length
 *
 * Return: true if no host bit is set
 */
static bool egress_host_bits_zero(const uint8_t *addr, size_t len,
				  unsigned int prefix)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned int bits = prefix > i * 8 ? prefix - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		if (addr[i] & ~mask)
			return false;
	}
	return true;
}

/**
 * egress_parse_addr() - Parse an address with an optional "/LEN"
 * @s:		NUL-terminated text
 * @e:		Entry to fill: kind, family, addr, prefix
 *
 * Return: NULL on success, "" if @s is no address at all (may be a name),
 *	   otherwise the reason it is a wrong address
 */
static const char *egress_parse_addr(char *s, LpEgressEntry *e)
{
	char *slash = strchr(s, '/');
	uint16_t prefix = 0;
	unsigned int max;

	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, s, &e->addr.v4) == 1)
		e->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &e->addr.v6) == 1)
		e->family = AF_INET6;
	else if (slash)
		return "a prefix length needs an IPv4 or IPv6 address";
	else
		return "";
	e->kind = LP_EGRESS_ADDR;
	max = e->family == AF_INET ? 32 : 128;
	e->prefix = max;
	if (!slash)
		return NULL;
	if (!slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	    strlen(slash + 1) > 3)
		return "prefix length must be a number";
	prefix = (uint16_t)atoi(slash + 1);
	if (prefix > max)
		return e->family == AF_INET ? "prefix length exceeds 32"
					    : "prefix length exceeds 128";
	e->prefix = prefix;
	if (!egress_host_bits_zero((const uint8_t *)&e->addr, max / 8, prefix))
		return "address has bits set after the prefix length (write "
		       "the network address)";
	return NULL;
}

/**
 * egress_parse_name() - Check and store a host name
 * @s:		NUL-terminated text
 * @e:		Entry to fill: kind, name
 *
 * Labels of 1 to 63 letters, digits and hyphens, not starting or ending
 * with a hyphen; at most LP_EGRESS_NAME_MAX characters without the
 * optional trailing dot; not made of digits and dots only.
 *
 * Return: NULL on success, otherwise the reason it is wrong
 */
static const char *egress_parse_name(const char *s, LpEgressEntry *e)
{
	size_t len = strlen(s), label = 0, i;
	bool alpha = false;

	if (len && s[len - 1] == '.')
		len--;
	if (!len)
		return "empty host name";
	if (len > LP_EGRESS_NAME_MAX)
		return "host name longer than 253 characters";
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (!label || s[i - 1] == '-')
				return "host name has an empty label or one "
				       "ending in '-'";
			label = 0;
			continue;
		}
		if (!g_ascii_isalnum(c) && c != '-')
			return "not an address, and a host name may only hold "
			       "letters, digits, '-' and '.'";
		if (c == '-' && !label)
			return "host name label starts with '-'";
		if (++label > 63)
			return "host name label longer than 63 characters";
		alpha |= g_ascii_isalpha(c) || c == '-';
	}
	if (!label || s[len - 1] == '-')
		return "host name has an empty label or one ending in '-'";
	if (!alpha)
		return "not a valid IPv4 address";
	e->kind = LP_EGRESS_NAME;
	for (i = 0; i < len; i++)
		e->name[i] = g_ascii_tolower(s[i]);
	e->name[len] = '\0';
	return NULL;
}

/**
 * egress_split_proto() - Cut a trailing "/tcp" or "/udp" off
 * @s:		NUL-terminated text, shortened in place
 * @e:		Entry to fill: proto
 *
 * Return: NULL on success, otherwise the reason it is wrong
 */
static const char *egress_split_proto(char *s, LpEgressEntry *e)
{
	char *slash = strrchr(s, '/');

	if (!slash || !g_ascii_isalpha(slash[1]))
		return NULL;
	if (!g_ascii_strcasecmp(slash + 1, "tcp"))
		e->proto = IPPROTO_TCP;
	else if (!g_ascii_strcasecmp(slash + 1, "udp"))
		e->proto = IPPROTO_UDP;
	else
		return "protocol must be tcp or udp";
	*slash = '\0';
	return NULL;
}

/**
 * egress_split_target() - Split TARGET and PORTS, bracket form included
 * @s:		NUL-terminated text without protocol, cut in place
 * @ret_ports:	Start of PORTS, NULL if none
 *
 * Return: TARGET (inside the brackets if any), NULL if brackets are
 *	   unbalanced or followed by something other than ":PORTS"
 */
static char *egress_split_target(char *s, char **ret_ports)
{
	char *colon;

	*ret_ports = NULL;
	if (*s == '[') {
		char *end = strchr(s, ']');

		if (!end || (end[1] && end[1] != ':'))
			return NULL;
		*end = '\0';
		if (end[1] == ':')
			*ret_ports = end + 2;
		return s + 1;
	}
	colon = strchr(s, ':');
	if (colon && !strchr(colon + 1, ':')) {
		*colon = '\0';
		*ret_ports = colon + 1;
	}
	return s;
}

/**
 * egress_parse_target() - Parse TARGET[:PORTS][/PROTO] into @e
 * @s:		NUL-terminated text, changed in place
 * @e:		Entry to fill
 *
 * Return: NULL on success, otherwise the reason it is wrong
 */
static const char *egress_parse_target(char *s, LpEgressEntry *e)
{
	bool bracket = *s == '[';
	const char *why;
	char *ports, *target;

	why = egress_split_proto(s, e);
	if (why)
		return why;
	target = egress_split_target(s, &ports);
	if (!target)
		return "brackets must enclose an IPv6 address: "
		       "[ADDR]:PORT/PROTO";
	if (ports) {
		why = egress_parse_ports(ports, strlen(ports), e);
		if (why)
			return why;
	}
	if (!*target)
		return "no address or host name";
	why = egress_parse_addr(target, e);
	if (why && *why)
		return why;
	if (!why && bracket && e->family != AF_INET6)
		return "brackets are for IPv6 addresses only";
	if (!why)
		return NULL;
	if (bracket)
		return "brackets must enclose an IPv6 address";
	return egress_parse_name(target, e);
}

/**
 * egress_parse_entry() - Parse one entry (already trimmed)
 * @eg:		Value being built: "none" sets @eg->none
 * @n:		Entry number, from 1
 * @s:		Entry text
 * @len:	Its length
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool egress_parse_entry(LpEgress *eg, unsigned int n, const char *s,
			       size_t len, GError **error)
{
	LpEgressEntry e = {0};
	g_autofree char *copy = NULL;
	const char *why;

	if (!len)
		return egress_fail(error, n, s, len, "empty entry");
	if (len > LP_EGRESS_ENTRY_MAX)
		return egress_fail(error, n, s, len,
				   "entry longer than 300 characters");
	if (memchr(s, '\0', len))
		return egress_fail(error, n, s, len, "NUL byte in entry");
	copy = g_strndup(s, len);
	if (!g_ascii_strcasecmp(copy, "none")) {
		eg->none = true;
		return true;
	}
	if (!g_ascii_strcasecmp(copy, "dns")) {
		e.kind = LP_EGRESS_DNS;
		g_array_append_val(eg->entries, e);
		return true;
	}
	if (!g_ascii_strncasecmp(copy, "dns:", 4) ||
	    !g_ascii_strncasecmp(copy, "dns/", 4))
		return egress_fail(error, n, s, len,
				   "dns takes no port or protocol (it is "
				   "port 53, TCP and UDP)");
	why = egress_parse_target(copy, &e);
	if (why)
		return egress_fail(error, n, s, len, why);
	g_array_append_val(eg->entries, e);
	return true;
}

/**
 * lp_egress_parse() - Parse an io.lowport.egress value
 * @value:	Value, NUL-terminated
 * @error:	Return location for a GError (LP_EGRESS_ERROR_PARSE)
 *
 * Return: parsed value, NULL on error
 */
LpEgress *lp_egress_parse(const char *value, GError **error)
{
	g_autoptr(LpEgress) eg = g_new0(LpEgress, 1);
	const char *p = value, *end;
	unsigned int n = 0;
	size_t len;

	eg->entries = g_array_new(FALSE, TRUE, sizeof(LpEgressEntry));
	len = strnlen(value, LP_EGRESS_VALUE_MAX + 1);
	if (len > LP_EGRESS_VALUE_MAX) {
		g_set_error(error, LP_EGRESS_ERROR, LP_EGRESS_ERROR_PARSE,
			    "%s: value longer than %d bytes",
			    LP_EGRESS_ANNOTATION, LP_EGRESS_VALUE_MAX);
		return NULL;
	}
	for (;;) {
		const char *a, *b;

		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if (++n > LP_EGRESS_ENTRIES_MAX) {
			g_set_error(
				error, LP_EGRESS_ERROR, LP_EGRESS_ERROR_PARSE,
				"%s: more than %d entries",
				LP_EGRESS_ANNOTATION, LP_EGRESS_ENTRIES_MAX);
			return NULL;
		}
		for (a = p; a < end && g_ascii_isspace(*a); a++)
			;
		for (b = end; b > a && g_ascii_isspace(b[-1]); b--)
			;
		if (!egress_parse_entry(eg, n, a, b - a, error))
			return NULL;
		if (!*end)
			break;
		p = end + 1;
	}
	if (eg->none && (eg->entries->len || n > 1)) {
		g_set_error(error, LP_EGRESS_ERROR, LP_EGRESS_ERROR_PARSE,
			    "%s: 'none' cannot be combined with other entries",
			    LP_EGRESS_ANNOTATION);
		return NULL;
	}
	return g_steal_pointer(&eg);
}

/**
 * lp_egress_free() - Free a parsed value
 * @eg:		Value, may be NULL
 */
void lp_egress_free(LpEgress *eg)
{
	if (!eg)
		return;
	if (eg->entries)
		g_array_unref(eg->entries);
	g_free(eg);
}

/**
 * egress_has_kind() - Whether any entry is of kind @kind
 * @eg:		Value
 * @kind:	Kind
 *
 * Return: true if one is
 */
static bool egress_has_kind(const LpEgress *eg, LpEgressKind kind)
{
	guint i;

	for (i = 0; i < eg->entries->len; i++) {
		if (g_array_index(eg->entries, LpEgressEntry, i).kind == kind)
			return true;
	}
	return false;
}

/**
 * lp_egress_has_dns() - Whether the value allows the container's resolvers
 * @eg:		Value
 *
 * Return: true if an entry is "dns"
 */
bool lp_egress_has_dns(const LpEgress *eg)
{
	return egress_has_kind(eg, LP_EGRESS_DNS);
}

/**
 * lp_egress_has_names() - Whether the value names hosts to resolve
 * @eg:		Value
 *
 * Return: true if an entry is a host name
 */
bool lp_egress_has_names(const LpEgress *eg)
{
	return egress_has_kind(eg, LP_EGRESS_NAME);
}

/**
 * lp_egress_entry_format() - Write an entry back in the grammar
 * @e:		Entry
 *
 * IPv6 addresses with a port or protocol are bracketed, host names that
 * are keywords keep a trailing dot; the result parses back to the same
 * entry.
 *
 * Return: new string, caller frees
 */
char *lp_egress_entry_format(const LpEgressEntry *e)
{
	char buf[INET6_ADDRSTRLEN];
	bool bracket;
	GString *s;

	if (e->kind == LP_EGRESS_DNS)
		return g_strdup("dns");
	s = g_string_new(NULL);
	bracket = e->kind == LP_EGRESS_ADDR && e->family == AF_INET6 &&
		  (e->port_first || e->proto);
	if (bracket)
		g_string_append_c(s, '[');
	if (e->kind == LP_EGRESS_NAME) {
		g_string_append(s, e->name);
		/* a host called "dns" or "none" keeps its dot */
		if (!strcmp(e->name, "dns") || !strcmp(e->name, "none"))
			g_string_append_c(s, '.');
	} else {
		inet_ntop(e->family, &e->addr, buf, sizeof(buf));
		g_string_append(s, buf);
		if (e->prefix != (e->family == AF_INET ? 32U : 128U))
			g_string_append_printf(s, "/%u", e->prefix);
	}
	if (bracket)
		g_string_append_c(s, ']');
	if (e->port_first)
		g_string_append_printf(s, ":%u", e->port_first);
	if (e->port_last != e->port_first)
		g_string_append_printf(s, "-%u", e->port_last);
	if (e->proto)
		g_string_append(s, e->proto == IPPROTO_TCP ? "/tcp" : "/udp");
	return g_string_free(s, FALSE);
}

/**
 * lp_egress_format() - Write a value back in the grammar
 * @eg:		Value
 *
 * Return: new string, entries joined by ", "; "none" for none
 */
char *lp_egress_format(const LpEgress *eg)
{
	GString *s;
	guint i;

	if (eg->none)
		return g_strdup("none");
	s = g_string_new(NULL);
	for (i = 0; i < eg->entries->len; i++) {
		g_autofree char *one = lp_egress_entry_format(
			&g_array_index(eg->entries, LpEgressEntry, i));

		g_string_append_printf(s, "%s%s", i ? ", " : "", one);
	}
	return g_string_free(s, FALSE);
}
