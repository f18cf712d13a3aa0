// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-egress.c - table inet lowport_egress: allowed destinations, named
 *		  sets, applying the table, listing it back
 *
 * Allowed destinations (address block, protocol, port range) are grouped
 * by service, the protocol and port range: each service of each family is
 * one named interval set of addresses, "v4_any", "v4_tcp_443",
 * "v6_udp_1000_2000", matched by one rule (nft-egress-rules.c). Ranges in
 * a set are merged here, so the kernel never sees overlapping intervals.
 *
 * The table is replaced as a whole in one batch (create if missing,
 * delete, create anew), so applying twice leaves one copy, and a failure
 * anywhere leaves whatever was there before.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft-egress-rules.h"
#include "netutils/nft/nft-egress.h"
#include "netutils/nft/nft-socket.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

/**
 * egress_addr_len() - Address length of a family
 * @family:	AF_INET or AF_INET6
 *
 * Return: 4 or 16
 */
static size_t egress_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/**
 * lp_nft_egress_allow_add() - Append allowed destinations
 * @allows:	GArray of LpNftEgressAllow
 * @family:	AF_INET or AF_INET6
 * @addr:	Address (struct in_addr or struct in6_addr)
 * @prefix:	Prefix length; host bits of @addr are cleared
 * @proto:	IPPROTO_TCP, IPPROTO_UDP or 0: with ports, 0 adds both
 *		TCP and UDP; without, any protocol
 * @port_first:	First port, 0 for every port
 * @port_last:	Last port, 0 for every port
 */
void lp_nft_egress_allow_add(GArray *allows, int family, const void *addr,
			     unsigned int prefix, uint8_t proto,
			     uint16_t port_first, uint16_t port_last)
{
	LpNftEgressAllow a = {.family = family,
			      .prefix = prefix,
			      .proto = proto,
			      .port_first = port_first,
			      .port_last = port_last};
	uint8_t *bytes = (uint8_t *)&a.addr;
	size_t len = egress_addr_len(family), i;

	memcpy(&a.addr, addr, len);
	for (i = 0; i < len; i++) {
		unsigned int bits = prefix > i * 8 ? prefix - i * 8 : 0;

		bytes[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
	}
	if (!proto && port_first) {
		a.proto = IPPROTO_TCP;
		g_array_append_val(allows, a);
		a.proto = IPPROTO_UDP;
	}
	g_array_append_val(allows, a);
}

/**
 * lp_nft_egress_set_free() - Free a set description
 * @set:	Set, may be NULL
 */
void lp_nft_egress_set_free(LpNftEgressSet *set)
{
	if (!set)
		return;
	g_array_unref(set->ranges);
	g_free(set);
}

/**
 * egress_set_new() - Allocate a set description and name it
 * @family:	AF_INET or AF_INET6
 * @proto:	Protocol, 0 for any
 * @first:	First port, 0 for every port
 * @last:	Last port
 *
 * Return: new set with no ranges
 */
static LpNftEgressSet *egress_set_new(int family, uint8_t proto, uint16_t first,
				      uint16_t last)
{
	LpNftEgressSet *set = g_new0(LpNftEgressSet, 1);
	const char *fam = family == AF_INET ? "v4" : "v6";
	const char *p = proto == IPPROTO_TCP ? "tcp" : "udp";

	set->family = family;
	set->proto = proto;
	set->port_first = first;
	set->port_last = last;
	set->ranges = g_array_new(FALSE, TRUE, sizeof(LpNftEgressRange));
	if (!proto)
		g_snprintf(set->name, sizeof(set->name), "%s_any", fam);
	else if (!first)
		g_snprintf(set->name, sizeof(set->name), "%s_%s", fam, p);
	else if (first == last)
		g_snprintf(set->name, sizeof(set->name), "%s_%s_%u", fam, p,
			   first);
	else
		g_snprintf(set->name, sizeof(set->name), "%s_%s_%u_%u", fam, p,
			   first, last);
	return set;
}

/**
 * lp_nft_egress_set_name_parse() - Read family and service from a set name
 * @name:	Set name as egress_set_new() writes it
 * @ret:	Filled: name, family, proto, port_first, port_last
 *
 * Return: true if @name is one of ours
 */
bool lp_nft_egress_set_name_parse(const char *name, LpNftEgressSet *ret)
{
	unsigned int first = 0, last = 0;
	char fam = 0, proto[4] = "", tail = 0;
	int n;

	memset(ret, 0, sizeof(*ret));
	if (strlen(name) >= sizeof(ret->name))
		return false;
	n = sscanf(name, "v%c_%3[a-z]_%u_%u%c", &fam, proto, &first, &last,
		   &tail);
	if (n < 2 || n > 4 || (fam != '4' && fam != '6'))
		return false;
	ret->family = fam == '4' ? AF_INET : AF_INET6;
	if (!strcmp(proto, "any") && n == 2) {
		ret->proto = 0;
	} else if (!strcmp(proto, "tcp") || !strcmp(proto, "udp")) {
		ret->proto = proto[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		if (n == 3)
			last = first;
		if (first > last || last > 65535 || (n > 2 && !first))
			return false;
		ret->port_first = first;
		ret->port_last = last;
	} else {
		return false;
	}
	strcpy(ret->name, name);
	return true;
}

/**
 * egress_range_cmp() - Order ranges by first address
 * @a:		LpNftEgressRange
 * @b:		LpNftEgressRange
 *
 * Return: memcmp() of the first addresses
 */
static gint egress_range_cmp(gconstpointer a, gconstpointer b)
{
	return memcmp(((const LpNftEgressRange *)a)->first,
		      ((const LpNftEgressRange *)b)->first, 16);
}

/**
 * egress_touches() - Whether @next starts at or right after @cur's end
 * @cur:	Range
 * @next:	Range starting at or after @cur's start
 * @len:	Address length
 *
 * Return: true if the two merge into one range
 */
static bool egress_touches(const LpNftEgressRange *cur,
			   const LpNftEgressRange *next, size_t len)
{
	uint8_t after[16];
	int i;

	memcpy(after, cur->last, len);
	for (i = len - 1; i >= 0; i--) {
		if (++after[i])
			break;
	}
	if (i < 0) /* cur runs to the last address */
		return true;
	return memcmp(next->first, after, len) <= 0;
}

/**
 * egress_set_merge() - Sort a set's ranges and merge overlapping and
 *			adjacent ones
 * @set:	Set
 */
static void egress_set_merge(LpNftEgressSet *set)
{
	size_t len = egress_addr_len(set->family);
	GArray *r = set->ranges;
	guint i, out = 0;

	g_array_sort(r, egress_range_cmp);
	for (i = 1; i < r->len; i++) {
		LpNftEgressRange *cur =
			&g_array_index(r, LpNftEgressRange, out);
		LpNftEgressRange *next = &g_array_index(r, LpNftEgressRange, i);

		if (egress_touches(cur, next, len)) {
			if (memcmp(next->last, cur->last, len) > 0)
				memcpy(cur->last, next->last, len);
			continue;
		}
		g_array_index(r, LpNftEgressRange, ++out) = *next;
	}
	if (r->len)
		g_array_set_size(r, out + 1);
}

/**
 * egress_allow_range() - The address range of an allowed destination
 * @a:		Allowed destination
 * @ret:	Range
 */
static void egress_allow_range(const LpNftEgressAllow *a, LpNftEgressRange *ret)
{
	size_t len = egress_addr_len(a->family), i;

	memset(ret, 0, sizeof(*ret));
	memcpy(ret->first, &a->addr, len);
	for (i = 0; i < len; i++) {
		unsigned int bits = a->prefix > i * 8 ? a->prefix - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		ret->first[i] &= mask;
		ret->last[i] = ret->first[i] | (uint8_t)~mask;
	}
}

/**
 * egress_set_cmp() - Order sets: IPv4 first, then protocol, then ports
 * @a:		LpNftEgressSet * pointer
 * @b:		LpNftEgressSet * pointer
 *
 * Return: negative, zero or positive
 */
static gint egress_set_cmp(gconstpointer a, gconstpointer b)
{
	const LpNftEgressSet *x = *(LpNftEgressSet *const *)a;
	const LpNftEgressSet *y = *(LpNftEgressSet *const *)b;

	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->port_first != y->port_first)
		return x->port_first - y->port_first;
	return x->port_last - y->port_last;
}

/**
 * lp_nft_egress_sets() - Group allowed destinations into named sets
 * @allows:	GArray of LpNftEgressAllow
 *
 * Return: GPtrArray of LpNftEgressSet (freeing them), sorted, each with
 *	   merged ranges; caller frees
 */
GPtrArray *lp_nft_egress_sets(const GArray *allows)
{
	g_autoptr(GHashTable) by_name =
		g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *sets = g_ptr_array_new_with_free_func(
		(GDestroyNotify)lp_nft_egress_set_free);
	LpNftEgressRange range;
	guint i;

	for (i = 0; i < allows->len; i++) {
		const LpNftEgressAllow *a =
			&g_array_index(allows, LpNftEgressAllow, i);
		LpNftEgressSet *set = egress_set_new(
			a->family, a->proto, a->port_first, a->port_last);
		LpNftEgressSet *old = g_hash_table_lookup(by_name, set->name);

		if (old) {
			lp_nft_egress_set_free(set);
			set = old;
		} else {
			g_ptr_array_add(sets, set);
			g_hash_table_insert(by_name, set->name, set);
		}
		egress_allow_range(a, &range);
		g_array_append_val(set->ranges, range);
	}
	for (i = 0; i < sets->len; i++)
		egress_set_merge(g_ptr_array_index(sets, i));
	g_ptr_array_sort(sets, egress_set_cmp);
	return sets;
}

/**
 * lp_nft_egress_range_format() - Write a range as an address, CIDR block
 *				  or FIRST-LAST
 * @family:	AF_INET or AF_INET6
 * @r:		Range
 * @buf:	Buffer, at least 2 * INET6_ADDRSTRLEN + 2 bytes
 * @len:	Its size
 *
 * Return: @buf
 */
const char *lp_nft_egress_range_format(int family, const LpNftEgressRange *r,
				       char *buf, size_t len)
{
	size_t alen = egress_addr_len(family);
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	unsigned int prefix;

	inet_ntop(family, r->first, a, sizeof(a));
	for (prefix = 0; prefix <= alen * 8; prefix++) {
		LpNftEgressAllow x = {.family = family, .prefix = prefix};
		LpNftEgressRange y;

		memcpy(&x.addr, r->first, alen);
		egress_allow_range(&x, &y);
		if (memcmp(y.first, r->first, alen) ||
		    memcmp(y.last, r->last, alen))
			continue;
		if (prefix == alen * 8)
			g_snprintf(buf, len, "%s", a);
		else
			g_snprintf(buf, len, "%s/%u", a, prefix);
		return buf;
	}
	inet_ntop(family, r->last, b, sizeof(b));
	g_snprintf(buf, len, "%s-%s", a, b);
	return buf;
}

/**
 * egress_batch() - Fill a batch that replaces the table
 * @b:		Batch
 * @sets:	Named sets
 */
static void egress_batch(LpNftBatch *b, const GPtrArray *sets)
{
	g_autoptr(NftnlTable) t = lp_nft_egress_rules_table();
	g_autoptr(NftnlChain) c = lp_nft_egress_rules_chain();
	g_autoptr(GPtrArray) rules = lp_nft_egress_rules_build(sets);
	guint i;

	lp_nft_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, t,
			   LP_NFT_HINT_NONE,
			   "creating table inet lowport_egress");
	lp_nft_batch_table(b, NFT_MSG_DELTABLE, 0, t, LP_NFT_HINT_NONE,
			   "deleting the old table inet lowport_egress");
	lp_nft_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, t,
			   LP_NFT_HINT_NONE,
			   "creating table inet lowport_egress");
	lp_nft_batch_chain(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, c,
			   LP_NFT_HINT_NONE, "creating chain output");
	for (i = 0; i < sets->len; i++) {
		const LpNftEgressSet *set = g_ptr_array_index(sets, i);
		g_autoptr(NftnlSet) s = lp_nft_egress_rules_set(set, i + 1);
		g_autoptr(NftnlSet) el = lp_nft_egress_rules_elems(set);
		g_autofree char *what =
			g_strdup_printf("creating set %s", set->name);
		g_autofree char *ewhat = g_strdup_printf(
			"adding the addresses of set %s", set->name);

		lp_nft_batch_set(b, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL,
				 s, LP_NFT_HINT_NONE, what);
		lp_nft_batch_elems(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE, el,
				   LP_NFT_HINT_NONE, ewhat, NULL);
	}
	for (i = 0; i < rules->len; i++)
		lp_nft_batch_rule(b, NFT_MSG_NEWRULE,
				  NLM_F_APPEND | NLM_F_CREATE,
				  g_ptr_array_index(rules, i), LP_NFT_HINT_NONE,
				  "adding a rule to chain output");
}

/**
 * lp_nft_egress_apply() - Replace table inet lowport_egress in the current
 *			   network namespace, in one batch
 * @allows:	GArray of LpNftEgressAllow, at most LP_NFT_EGRESS_ALLOWS_MAX;
 *		empty: only loopback and established traffic pass
 * @error:	Return location for a GError (LP_NFT_ERROR, errno code)
 *
 * Return: true if the kernel committed the whole table
 */
bool lp_nft_egress_apply(const GArray *allows, GError **error)
{
	g_autoptr(GPtrArray) sets = NULL;
	g_autoptr(LpNftBatch) b = NULL;
	g_autoptr(MnlSocket) nl = NULL;
	g_autoptr(GError) local = NULL;
	uint32_t seq = (uint32_t)time(NULL);
	int r;

	if (allows->len > LP_NFT_EGRESS_ALLOWS_MAX) {
		g_set_error(error, LP_NFT_ERROR, E2BIG,
			    "%u allowed destinations, at most %d", allows->len,
			    LP_NFT_EGRESS_ALLOWS_MAX);
		return false;
	}
	r = lp_nft_socket_open(&nl, 0);
	if (r < 0) {
		g_set_error(error, LP_NFT_ERROR, -r,
			    "Cannot open a netfilter netlink socket: %s",
			    g_strerror(-r));
		return false;
	}
	sets = lp_nft_egress_sets(allows);
	b = lp_nft_batch_new(&seq);
	egress_batch(b, sets);
	if (lp_nft_batch_commit(b, nl, &local))
		return true;
	if (local->code == EPERM)
		g_set_error(error, LP_NFT_ERROR, EPERM,
			    "nftables refused table inet lowport_egress: %s "
			    "(needs CAP_NET_ADMIN over the container's network "
			    "namespace)",
			    g_strerror(EPERM));
	else
		g_propagate_error(error, g_steal_pointer(&local));
	return false;
}
