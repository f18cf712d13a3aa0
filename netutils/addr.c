// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * addr.c - host address scopes and protocols of a forward
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "netutils/addr.h"
#include "netutils/util.h"

/**
 * lp_addr_parse() - Parse a host address as Podman and pasta print it
 * @s:		"" or NULL (every address), "0.0.0.0", "::", an IPv4 address,
 *		or an IPv6 address without brackets
 * @ret:	Parsed scope
 *
 * Return: 0 on success, -EINVAL if @s is no address
 */
int lp_addr_parse(const char *s, LpAddr *ret)
{
	LpAddr a = {0};

	if (!s || !*s) {
		*ret = LP_ADDR_ALL;
		return 0;
	}
	if (inet_pton(AF_INET, s, &a.u.v4) == 1) {
		a.family = AF_INET;
		a.any = a.u.v4.s_addr == htonl(INADDR_ANY);
	} else if (inet_pton(AF_INET6, s, &a.u.v6) == 1) {
		a.family = AF_INET6;
		a.any = IN6_IS_ADDR_UNSPECIFIED(&a.u.v6);
	} else {
		return -EINVAL;
	}
	*ret = a;
	return 0;
}

/**
 * lp_addr_format() - Print a scope the way users read Podman's port list
 * @a:		Scope
 * @buf:	Output buffer, at least LP_ADDR_STRLEN bytes
 * @len:	Size of @buf
 *
 * Every-address scopes print as "0.0.0.0", as Podman shows "-p 80:80".
 *
 * Return: @buf
 */
const char *lp_addr_format(const LpAddr *a, char *buf, size_t len)
{
	switch (a->family) {
	case AF_INET:
		inet_ntop(AF_INET, &a->u.v4, buf, len);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &a->u.v6, buf, len);
		break;
	default:
		g_strlcpy(buf, "0.0.0.0", len);
		break;
	}
	return buf;
}

/**
 * lp_addr_equal() - Tell whether two scopes are the same
 * @a:	First scope
 * @b:	Second scope
 *
 * Return: true if equal
 */
bool lp_addr_equal(const LpAddr *a, const LpAddr *b)
{
	if (a->family != b->family || a->any != b->any)
		return false;
	if (a->family == AF_INET)
		return a->u.v4.s_addr == b->u.v4.s_addr;
	if (a->family == AF_INET6)
		return IN6_ARE_ADDR_EQUAL(&a->u.v6, &b->u.v6);
	return true;
}

/**
 * lp_addr_overlaps() - Tell whether some packet could match both scopes
 * @a:	First scope
 * @b:	Second scope
 *
 * Return: true if the scopes share at least one local address
 */
bool lp_addr_overlaps(const LpAddr *a, const LpAddr *b)
{
	if (a->family == AF_UNSPEC || b->family == AF_UNSPEC)
		return true;
	if (a->family != b->family)
		return false;
	if (a->any || b->any)
		return true;
	return lp_addr_equal(a, b);
}

/**
 * lp_addr_covers() - Tell whether a scope includes one concrete address
 * @scope:	Scope
 * @family:	AF_INET or AF_INET6
 * @addr:	struct in_addr or struct in6_addr
 *
 * An IPv4-mapped IPv6 address counts as the IPv4 address it maps.
 *
 * Return: true if a packet to @addr matches @scope
 */
bool lp_addr_covers(const LpAddr *scope, int family, const void *addr)
{
	struct in_addr v4;

	if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(addr)) {
		memcpy(&v4, (const uint8_t *)addr + 12, sizeof(v4));
		family = AF_INET;
		addr = &v4;
	}
	if (scope->family == AF_UNSPEC)
		return true;
	if (scope->family != family)
		return false;
	if (scope->any)
		return true;
	if (family == AF_INET)
		return !memcmp(&scope->u.v4, addr, sizeof(scope->u.v4));
	return !memcmp(&scope->u.v6, addr, sizeof(scope->u.v6));
}

/**
 * lp_addr_is_specific() - Tell whether a scope names one address
 * @a:	Scope
 *
 * Return: true for a concrete IPv4 or IPv6 address
 */
bool lp_addr_is_specific(const LpAddr *a)
{
	return a->family != AF_UNSPEC && !a->any;
}

/**
 * lp_proto_parse() - Parse a protocol name
 * @s:	"tcp" or "udp"
 *
 * Return: IPPROTO_TCP, IPPROTO_UDP, or -EINVAL
 */
int lp_proto_parse(const char *s)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(s, "udp"))
		return IPPROTO_UDP;
	return -EINVAL;
}

/**
 * lp_proto_name() - Name of a protocol
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 *
 * Return: "tcp", "udp", or "?"
 */
const char *lp_proto_name(int proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return "?";
	}
}

/**
 * lp_oom() - Abort on allocation failure of a non-GLib allocator
 */
void lp_oom(void)
{
	g_error("out of memory");
}
