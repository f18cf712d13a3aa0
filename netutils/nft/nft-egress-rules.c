// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-egress-rules.c - libnftnl objects of table inet lowport_egress (no I/O)
 *
 * The table lives in a container's network namespace. Its one base chain,
 * output (filter, hook output, priority 0, policy drop), holds, in order:
 *
 *   oif "lo" accept
 *   ct state established,related accept
 *   ip6 daddr fe80::/10 ip6 hoplimit 255 icmpv6 type 133-136 accept
 *   ip6 daddr ff02::/16 ip6 hoplimit 255 icmpv6 type 133-136 accept
 *                                         (neighbour discovery, on-link)
 *   ip6 daddr ff02::16 icmpv6 type mld2-listener-report accept
 *   ip daddr @v4_any accept               (one rule per named set,
 *   ip daddr @v4_tcp_80 tcp dport 80 accept   see nft-egress.c)
 *   ip6 daddr @v6_udp_53 udp dport 53 accept
 *   meta l4proto tcp counter reject with tcp reset
 *   counter reject with icmpx admin-prohibited
 *
 * Expression sequences follow what nft 1.0.6 generates for that text, so
 * `nft list table inet lowport_egress` prints it back readably.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>

#include "netutils/nft/nft-egress-rules.h"
#include "netutils/util.h"

/* nft's datatype ids of set keys (nftables datatype.h) */
#define EGRESS_TYPE_IPADDR  7
#define EGRESS_TYPE_IP6ADDR 8

/* Offsets of the destination address in the IPv4 and IPv6 headers */
#define EGRESS_IP_DADDR_OFF  16
#define EGRESS_IP6_DADDR_OFF 24

/* ICMPv6 router solicitation .. neighbour advertisement (RFC 4861) */
#define EGRESS_ND_FIRST 133
#define EGRESS_ND_LAST	136
/* MLDv2 listener report (RFC 3810), sent whenever an interface joins */
#define EGRESS_MLD2_REPORT 143

/* Neighbour discovery's hop limit, its offset in the IPv6 header, and
 * where MLDv2 reports go (RFC 3810)
 */
#define EGRESS_ND_HOPLIMIT	255
#define EGRESS_IP6_HOPLIMIT_OFF 7
#define EGRESS_MLD2_ROUTERS	"ff02::16"

/**
 * lp_nft_egress_rules_table() - Build table inet lowport_egress
 *
 * Not owned by the socket that creates it: the hook exits right after.
 *
 * Return: new table, caller frees
 */
struct nftnl_table *lp_nft_egress_rules_table(void)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		lp_oom();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, LP_NFT_EGRESS_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, 0);
	return t;
}

/**
 * lp_nft_egress_rules_chain() - Build chain output: filter, hook output,
 *				 priority 0, policy drop
 *
 * Return: new chain, caller frees
 */
struct nftnl_chain *lp_nft_egress_rules_chain(void)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		lp_oom();
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, LP_NFT_EGRESS_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, LP_NFT_EGRESS_CHAIN);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_OUT);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_DROP);
	return c;
}

/**
 * egress_addr_len() - Address length of a family
 * @family:	AF_INET or AF_INET6
 *
 * Return: 4 or 16
 */
static uint32_t egress_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/**
 * lp_nft_egress_rules_set() - Build a named interval set of addresses
 * @set:	Set description
 * @id:		Transaction-local set ID, non-zero
 *
 * Return: new set (no elements), caller frees
 */
struct nftnl_set *lp_nft_egress_rules_set(const LpNftEgressSet *set,
					  uint32_t id)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		lp_oom();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, LP_NFT_EGRESS_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set->name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_INTERVAL);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE,
			  set->family == AF_INET ? EGRESS_TYPE_IPADDR
						 : EGRESS_TYPE_IP6ADDR);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, egress_addr_len(set->family));
	return s;
}

/**
 * egress_elem() - Append one interval boundary element to a set
 * @s:		Element container
 * @key:	Address, network byte order
 * @len:	Its length
 * @end:	The element ends an interval (it is one past the last address)
 * @open:	The interval before it runs to the last address (nft's mark,
 *		so `nft list` prints "0.0.0.0/0" rather than a range)
 */
static void egress_elem(struct nftnl_set *s, const uint8_t *key, uint32_t len,
			bool end, bool open)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		lp_oom();
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, len);
	if (end)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS,
				       NFT_SET_ELEM_INTERVAL_END);
	if (open) {
		g_autoptr(NftnlUdataBuf) ud = nftnl_udata_buf_alloc(16);

		if (!ud)
			lp_oom();
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_ELEM_FLAGS,
				    NFTNL_SET_ELEM_F_INTERVAL_OPEN);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA,
				   nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
	}
	nftnl_set_elem_add(s, e); /* s owns e */
}

/**
 * egress_next_addr() - One past an address, unless it is the last one
 * @addr:	Address, network byte order
 * @len:	Its length
 * @ret:	@addr + 1
 *
 * Return: false if @addr is all ones (nothing follows it)
 */
static bool egress_next_addr(const uint8_t *addr, uint32_t len, uint8_t *ret)
{
	int i;

	memcpy(ret, addr, len);
	for (i = len - 1; i >= 0; i--) {
		if (++ret[i])
			return true;
	}
	return false;
}

/**
 * lp_nft_egress_rules_elems() - Build the interval elements of a set
 * @set:	Set with sorted, disjoint, non-adjacent ranges
 *
 * Like nft 1.0.6: an interval-end element at address zero unless the
 * first range starts there, then per range a start element and, unless
 * the range runs to the last address, an end element one past it.
 *
 * Return: new element container, caller frees
 */
struct nftnl_set *lp_nft_egress_rules_elems(const LpNftEgressSet *set)
{
	static const uint8_t zero[16];
	uint32_t len = egress_addr_len(set->family);
	struct nftnl_set *s = nftnl_set_alloc();
	uint8_t next[16];
	guint i;

	if (!s)
		lp_oom();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, LP_NFT_EGRESS_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set->name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	for (i = 0; i < set->ranges->len; i++) {
		const LpNftEgressRange *r =
			&g_array_index(set->ranges, LpNftEgressRange, i);
		bool more = egress_next_addr(r->last, len, next);

		if (!i && memcmp(r->first, zero, len))
			egress_elem(s, zero, len, true, false);
		egress_elem(s, r->first, len, false, !more);
		if (more)
			egress_elem(s, next, len, true, false);
	}
	return s;
}

/**
 * egress_new_rule() - Allocate an empty rule in chain output
 *
 * Return: new rule, caller frees
 */
static struct nftnl_rule *egress_new_rule(void)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		lp_oom();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, LP_NFT_EGRESS_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, LP_NFT_EGRESS_CHAIN);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	return r;
}

/**
 * egress_expr() - Allocate an expression and append it to a rule
 * @r:		Rule, takes ownership of the expression
 * @name:	Expression type
 *
 * Return: the expression, owned by @r
 */
static struct nftnl_expr *egress_expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e)
		lp_oom();
	nftnl_rule_add_expr(r, e);
	return e;
}

/**
 * egress_cmp() - Append "cmp @op reg 1 @data"
 * @r:		Rule
 * @op:		NFT_CMP_* operator
 * @data:	Value
 * @len:	Its length
 */
static void egress_cmp(struct nftnl_rule *r, uint32_t op, const void *data,
		       uint32_t len)
{
	struct nftnl_expr *e = egress_expr(r, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, data, len);
}

/**
 * egress_meta_cmp() - Append "meta load @key => reg 1" and "cmp eq @v"
 * @r:		Rule
 * @key:	NFT_META_NFPROTO or NFT_META_L4PROTO (one byte)
 * @v:		Value
 */
static void egress_meta_cmp(struct nftnl_rule *r, uint32_t key, uint8_t v)
{
	struct nftnl_expr *e = egress_expr(r, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	egress_cmp(r, NFT_CMP_EQ, &v, sizeof(v));
}

/**
 * egress_payload() - Append "payload load @len b @ @base + @off => reg 1"
 * @r:		Rule
 * @base:	NFT_PAYLOAD_* base
 * @off:	Offset
 * @len:	Bytes
 */
static void egress_payload(struct nftnl_rule *r, uint32_t base, uint32_t off,
			   uint32_t len)
{
	struct nftnl_expr *e = egress_expr(r, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
}

/**
 * egress_verdict() - Append an immediate verdict
 * @r:		Rule
 * @verdict:	NF_ACCEPT
 */
static void egress_verdict(struct nftnl_rule *r, uint32_t verdict)
{
	struct nftnl_expr *e = egress_expr(r, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
}

/**
 * egress_rule_lo() - Build "oif "lo" accept" (lo is ifindex 1 in every
 *		      network namespace)
 *
 * Return: new rule, caller frees
 */
static struct nftnl_rule *egress_rule_lo(void)
{
	struct nftnl_rule *r = egress_new_rule();
	struct nftnl_expr *e = egress_expr(r, "meta");
	uint32_t lo = 1;

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_OIF);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	egress_cmp(r, NFT_CMP_EQ, &lo, sizeof(lo));
	egress_verdict(r, NF_ACCEPT);
	return r;
}

/**
 * egress_rule_ct() - Build "ct state established,related accept"
 *
 * Return: new rule, caller frees
 */
static struct nftnl_rule *egress_rule_ct(void)
{
	uint32_t mask = NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
			NF_CT_STATE_BIT(IP_CT_RELATED),
		 zero = 0;
	struct nftnl_rule *r = egress_new_rule();
	struct nftnl_expr *e = egress_expr(r, "ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	e = egress_expr(r, "bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
	nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
	egress_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
	egress_verdict(r, NF_ACCEPT);
	return r;
}

/**
 * egress_daddr6() - Append "ip6 daddr ADDR[/PREFIX]": a 16-byte load,
 *		     masked when @prefix is below 128, compared
 * @r:		Rule
 * @addr:	Network address, host bits zero
 * @prefix:	Prefix length, 1 to 128
 */
static void egress_daddr6(struct nftnl_rule *r, const char *addr,
			  unsigned int prefix)
{
	uint8_t a[16], mask[16] = {0}, zero[16] = {0};
	struct nftnl_expr *e;
	unsigned int i;

	inet_pton(AF_INET6, addr, a);
	egress_payload(r, NFT_PAYLOAD_NETWORK_HEADER, EGRESS_IP6_DADDR_OFF,
		       sizeof(a));
	if (prefix < 128) {
		for (i = 0; i < prefix; i++)
			mask[i / 8] |= 0x80 >> (i % 8);
		e = egress_expr(r, "bitwise");
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
		nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_MASK, mask,
				    sizeof(mask));
		nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_XOR, zero,
				    sizeof(zero));
	}
	egress_cmp(r, NFT_CMP_EQ, a, sizeof(a));
}

/**
 * egress_rule_nd() - Build "ip6 daddr NET ip6 hoplimit 255 icmpv6 type
 *		      133-136 accept": router solicitation to neighbour
 *		      advertisement, without which no IPv6 destination is
 *		      reachable at all, on the link only
 * @net:	"fe80::" (link-local unicast) or "ff02::" (link-local
 *		multicast)
 * @prefix:	10 or 16
 *
 * Neighbour discovery is sent with hop limit 255 to link-local unicast
 * or link-local multicast addresses (a solicited advertisement answers a
 * global source address, see docs/egress.md); anything else with these
 * types could be routed off the link and carry data.
 *
 * Return: new rule, caller frees
 */
static struct nftnl_rule *egress_rule_nd(const char *net, unsigned int prefix)
{
	struct nftnl_rule *r = egress_new_rule();
	uint8_t first = EGRESS_ND_FIRST, last = EGRESS_ND_LAST;
	uint8_t hop = EGRESS_ND_HOPLIMIT;

	egress_meta_cmp(r, NFT_META_NFPROTO, NFPROTO_IPV6);
	egress_daddr6(r, net, prefix);
	egress_payload(r, NFT_PAYLOAD_NETWORK_HEADER, EGRESS_IP6_HOPLIMIT_OFF,
		       1);
	egress_cmp(r, NFT_CMP_EQ, &hop, sizeof(hop));
	egress_meta_cmp(r, NFT_META_L4PROTO, IPPROTO_ICMPV6);
	egress_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
	egress_cmp(r, NFT_CMP_GTE, &first, sizeof(first));
	egress_cmp(r, NFT_CMP_LTE, &last, sizeof(last));
	egress_verdict(r, NF_ACCEPT);
	return r;
}

/**
 * egress_rule_mld() - Build "ip6 daddr ff02::16 icmpv6 type
 *		       mld2-listener-report accept": the link-local multicast
 *		       reports the kernel itself sends (to all MLDv2-capable
 *		       routers), which would otherwise count as rejected
 *
 * Return: new rule, caller frees
 */
static struct nftnl_rule *egress_rule_mld(void)
{
	struct nftnl_rule *r = egress_new_rule();
	uint8_t type = EGRESS_MLD2_REPORT;

	egress_meta_cmp(r, NFT_META_NFPROTO, NFPROTO_IPV6);
	egress_daddr6(r, EGRESS_MLD2_ROUTERS, 128);
	egress_meta_cmp(r, NFT_META_L4PROTO, IPPROTO_ICMPV6);
	egress_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
	egress_cmp(r, NFT_CMP_EQ, &type, sizeof(type));
	egress_verdict(r, NF_ACCEPT);
	return r;
}

/**
 * egress_rule_set() - Build "ip[6] daddr @SET [tcp|udp dport P[-Q]] accept"
 * @set:	Set
 * @id:		Its transaction-local ID
 *
 * Return: new rule, caller frees
 */
static struct nftnl_rule *egress_rule_set(const LpNftEgressSet *set,
					  uint32_t id)
{
	struct nftnl_rule *r = egress_new_rule();
	bool v4 = set->family == AF_INET;
	struct nftnl_expr *e;
	uint16_t first, last;

	egress_meta_cmp(r, NFT_META_NFPROTO, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	egress_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
		       v4 ? EGRESS_IP_DADDR_OFF : EGRESS_IP6_DADDR_OFF,
		       egress_addr_len(set->family));
	e = egress_expr(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set->name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	if (set->proto) {
		egress_meta_cmp(r, NFT_META_L4PROTO, set->proto);
		egress_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
		first = htons(set->port_first);
		last = htons(set->port_last);
		if (set->port_first == set->port_last) {
			egress_cmp(r, NFT_CMP_EQ, &first, sizeof(first));
		} else if (set->port_first) {
			egress_cmp(r, NFT_CMP_GTE, &first, sizeof(first));
			egress_cmp(r, NFT_CMP_LTE, &last, sizeof(last));
		}
	}
	egress_verdict(r, NF_ACCEPT);
	return r;
}

/**
 * egress_rule_reject() - Build a counted reject rule
 * @tcp:	"meta l4proto tcp counter reject with tcp reset" if true,
 *		else "counter reject with icmpx admin-prohibited"
 *
 * Return: new rule, caller frees
 */
static struct nftnl_rule *egress_rule_reject(bool tcp)
{
	struct nftnl_rule *r = egress_new_rule();
	struct nftnl_expr *e;

	if (tcp)
		egress_meta_cmp(r, NFT_META_L4PROTO, IPPROTO_TCP);
	egress_expr(r, "counter");
	e = egress_expr(r, "reject");
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE,
			   tcp ? NFT_REJECT_TCP_RST : NFT_REJECT_ICMPX_UNREACH);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE,
			  tcp ? 0 : NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
	return r;
}

/**
 * lp_nft_egress_rules_build() - Build every rule of chain output, in order
 * @sets:	GPtrArray of LpNftEgressSet; set i has transaction ID i + 1
 *
 * Return: GPtrArray of struct nftnl_rule, freeing them; caller frees
 */
GPtrArray *lp_nft_egress_rules_build(const GPtrArray *sets)
{
	GPtrArray *rules =
		g_ptr_array_new_with_free_func((GDestroyNotify)nftnl_rule_free);
	guint i;

	g_ptr_array_add(rules, egress_rule_lo());
	g_ptr_array_add(rules, egress_rule_ct());
	g_ptr_array_add(rules, egress_rule_nd("fe80::", 10));
	g_ptr_array_add(rules, egress_rule_nd("ff02::", 16));
	g_ptr_array_add(rules, egress_rule_mld());
	for (i = 0; i < sets->len; i++)
		g_ptr_array_add(
			rules,
			egress_rule_set(g_ptr_array_index(sets, i), i + 1));
	g_ptr_array_add(rules, egress_rule_reject(true));
	g_ptr_array_add(rules, egress_rule_reject(false));
	return rules;
}
