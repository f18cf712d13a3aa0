// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-rules.c - libnftnl objects of table inet lowport (no I/O)
 *
 * Builders for the skeleton (table, base chains, dispatch maps and rules)
 * and for one lease (its chain, one DNAT rule and one map element per
 * port), and the parser that turns a lease rule listed from the kernel
 * back into an LpMapping. Expression sequences follow what nft 1.0.6
 * generates, so `nft list ruleset` prints them in the usual syntax.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>

#include "nft-rules.h"
#include "nft.h"
#include "util.h"

/* nft's datatype ids for concatenated map keys (nftables datatype.h) */
#define LP_NFT_TYPE_BITS	  6
#define LP_NFT_TYPE_IPADDR	  7
#define LP_NFT_TYPE_IP6ADDR	  8
#define LP_NFT_TYPE_INET_PROTOCOL 12
#define LP_NFT_TYPE_INET_SERVICE  13

/* Offsets of the destination address in the IPv4 and IPv6 headers */
#define LP_NFT_IP_DADDR_OFF  16
#define LP_NFT_IP6_DADDR_OFF 24

static const char *const lp_nft_map_names[LP_NFT_MAP_MAX] = {
	[LP_NFT_MAP_ADDR4] = "addr4",
	[LP_NFT_MAP_ADDR6] = "addr6",
	[LP_NFT_MAP_ANY] = "any",
};

/**
 * lp_nft_rules_id_valid() - Check a lease ID: 1 to LP_LEASE_ID_MAX of [a-z0-9]
 * @id:		Lease ID
 *
 * Return: true if valid
 */
bool lp_nft_rules_id_valid(const char *id)
{
	size_t n;

	for (n = 0; id[n]; n++) {
		if (n >= LP_LEASE_ID_MAX)
			return false;
		if (!g_ascii_islower(id[n]) && !g_ascii_isdigit(id[n]))
			return false;
	}
	return n > 0;
}

/**
 * lp_nft_rules_chain_id() - Extract the lease ID from a chain name
 * @chain:	Chain name, "lease-<ID>" for a lease chain
 * @ret_id:	Lease ID, LP_LEASE_ID_MAX + 1 bytes
 *
 * Return: true if @chain is a lease chain with a valid ID
 */
bool lp_nft_rules_chain_id(const char *chain, char *ret_id)
{
	const char *id;

	if (!g_str_has_prefix(chain, LP_NFT_LEASE_PREFIX))
		return false;
	id = chain + strlen(LP_NFT_LEASE_PREFIX);
	if (!lp_nft_rules_id_valid(id))
		return false;
	g_strlcpy(ret_id, id, LP_LEASE_ID_MAX + 1);
	return true;
}

/**
 * lp_nft_rules_map_name() - Name of a dispatch map
 * @map:	Map
 *
 * Return: static string
 */
const char *lp_nft_rules_map_name(LpNftMap map)
{
	g_return_val_if_fail(map < LP_NFT_MAP_MAX, "?");
	return lp_nft_map_names[map];
}

/**
 * lp_nft_rules_map_of() - Which map dispatches a scope
 * @addr:	Host address scope
 *
 * Return: LP_NFT_MAP_ADDR4/6 for a specific address, else LP_NFT_MAP_ANY
 */
LpNftMap lp_nft_rules_map_of(const LpAddr *addr)
{
	if (addr->family == AF_INET && !addr->any)
		return LP_NFT_MAP_ADDR4;
	if (addr->family == AF_INET6 && !addr->any)
		return LP_NFT_MAP_ADDR6;
	return LP_NFT_MAP_ANY;
}

/**
 * lp_nft_rules_table() - Build table inet lowport
 * @flags:	NFT_TABLE_F_* flags
 *
 * Return: new table, caller frees
 */
struct nftnl_table *lp_nft_rules_table(uint32_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		lp_oom();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, LP_NFT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	return t;
}

/**
 * lp_nft_rules_chain() - Build a regular chain of the table
 * @name:	Chain name
 *
 * Return: new chain, caller frees
 */
struct nftnl_chain *lp_nft_rules_chain(const char *name)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		lp_oom();
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, LP_NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	return c;
}

/**
 * lp_nft_rules_base_chain() - Build a nat base chain at priority dstnat
 * @name:	Chain name
 * @hooknum:	NF_INET_PRE_ROUTING or NF_INET_LOCAL_OUT
 *
 * Return: new chain, caller frees
 */
struct nftnl_chain *lp_nft_rules_base_chain(const char *name, int hooknum)
{
	struct nftnl_chain *c = lp_nft_rules_chain(name);

	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hooknum);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, -100); /* NF_IP_PRI_NAT_DST */
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	return c;
}

/**
 * lp_nft_rules_new_rule() - Allocate an empty rule in a chain of the table
 * @chain:	Chain name
 *
 * Return: new rule, caller frees
 */
static struct nftnl_rule *lp_nft_rules_new_rule(const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		lp_oom();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, LP_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	return r;
}

/**
 * lp_nft_rules_expr() - Allocate an expression and append it to a rule
 * @r:		Rule, takes ownership of the expression
 * @name:	Expression type ("meta", "cmp", ...)
 *
 * Return: the expression, owned by @r
 */
static struct nftnl_expr *lp_nft_rules_expr(struct nftnl_rule *r,
					    const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e)
		lp_oom();
	nftnl_rule_add_expr(r, e); /* r owns e */
	return e;
}

/**
 * lp_nft_rules_cmp() - Append "cmp eq reg @reg @data"
 * @r:		Rule
 * @reg:	Source register
 * @data:	Value to compare with
 * @len:	Length of @data
 */
static void lp_nft_rules_cmp(struct nftnl_rule *r, uint32_t reg,
			     const void *data, uint32_t len)
{
	struct nftnl_expr *e = lp_nft_rules_expr(r, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, data, len);
}

/**
 * lp_nft_rules_meta() - Append "meta load @key => reg @reg"
 * @r:		Rule
 * @key:	NFT_META_* key
 * @reg:	Destination register
 */
static void lp_nft_rules_meta(struct nftnl_rule *r, uint32_t key, uint32_t reg)
{
	struct nftnl_expr *e = lp_nft_rules_expr(r, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
}

/**
 * lp_nft_rules_payload() - Append "payload load @len b @ @base + @off"
 * @r:		Rule
 * @base:	NFT_PAYLOAD_* base
 * @off:	Offset from @base
 * @len:	Bytes to load
 * @reg:	Destination register
 */
static void lp_nft_rules_payload(struct nftnl_rule *r, uint32_t base,
				 uint32_t off, uint32_t len, uint32_t reg)
{
	struct nftnl_expr *e = lp_nft_rules_expr(r, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
}

/**
 * lp_nft_rules_nfproto() - Append "meta nfproto @family"
 * @r:		Rule
 * @family:	AF_INET or AF_INET6
 */
static void lp_nft_rules_nfproto(struct nftnl_rule *r, int family)
{
	uint8_t nfproto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	lp_nft_rules_meta(r, NFT_META_NFPROTO, NFT_REG_1);
	lp_nft_rules_cmp(r, NFT_REG_1, &nfproto, sizeof(nfproto));
}

/**
 * lp_nft_rules_verdict() - Append an immediate verdict "jump @chain"
 * @r:		Rule
 * @chain:	Target chain
 */
static void lp_nft_rules_jump(struct nftnl_rule *r, const char *chain)
{
	struct nftnl_expr *e = lp_nft_rules_expr(r, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NFT_JUMP);
	nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

/**
 * lp_nft_rules_hook_rule() - Build "fib daddr type local jump leases"
 * @chain:	Base chain holding the rule
 *
 * Return: new rule, caller frees
 */
struct nftnl_rule *lp_nft_rules_hook_rule(const char *chain)
{
	struct nftnl_rule *r = lp_nft_rules_new_rule(chain);
	uint32_t local = RTN_LOCAL;
	struct nftnl_expr *e;

	e = lp_nft_rules_expr(r, "fib");
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	lp_nft_rules_cmp(r, NFT_REG_1, &local, sizeof(local));
	lp_nft_rules_jump(r, LP_NFT_CHAIN_LEASES);
	return r;
}

/**
 * lp_nft_rules_key_type() - Concatenated key type and length of a map
 * @map:	Map
 * @ret_len:	Key length in bytes, each field padded to 4 bytes
 *
 * Return: nft concat type id, (t1 << 6 | t2) << 6 | t3
 */
static uint32_t lp_nft_rules_key_type(LpNftMap map, uint32_t *ret_len)
{
	uint32_t tail = LP_NFT_TYPE_INET_PROTOCOL << LP_NFT_TYPE_BITS |
			LP_NFT_TYPE_INET_SERVICE;
	uint32_t head_shift = 2 * LP_NFT_TYPE_BITS;

	switch (map) {
	case LP_NFT_MAP_ADDR4:
		*ret_len = 4 + 4 + 4;
		return LP_NFT_TYPE_IPADDR << head_shift | tail;
	case LP_NFT_MAP_ADDR6:
		*ret_len = 16 + 4 + 4;
		return LP_NFT_TYPE_IP6ADDR << head_shift | tail;
	default:
		*ret_len = 4 + 4;
		return tail;
	}
}

/**
 * lp_nft_rules_map() - Build map @map: key -> verdict
 * @map:	Map
 *
 * Return: new set, caller frees
 */
struct nftnl_set *lp_nft_rules_map(LpNftMap map)
{
	struct nftnl_set *s = nftnl_set_alloc();
	uint32_t type, len;

	if (!s)
		lp_oom();
	type = lp_nft_rules_key_type(map, &len);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, LP_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, lp_nft_rules_map_name(map));
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, map + 1);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, len);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
	return s;
}

/**
 * lp_nft_rules_dispatch() - Build "[ip|ip6 daddr .] meta l4proto . th dport
 *			     vmap @map"
 * @map:	Map to look up
 *
 * Each field of the key lands in its own 32-bit register, as the map's
 * concatenated key expects.
 *
 * Return: new rule in chain leases, caller frees
 */
struct nftnl_rule *lp_nft_rules_dispatch(LpNftMap map)
{
	struct nftnl_rule *r = lp_nft_rules_new_rule(LP_NFT_CHAIN_LEASES);
	uint32_t reg = NFT_REG32_00;
	struct nftnl_expr *e;

	if (map == LP_NFT_MAP_ADDR4) {
		lp_nft_rules_nfproto(r, AF_INET);
		lp_nft_rules_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
				     LP_NFT_IP_DADDR_OFF, 4, reg);
		reg += 1;
	} else if (map == LP_NFT_MAP_ADDR6) {
		lp_nft_rules_nfproto(r, AF_INET6);
		lp_nft_rules_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
				     LP_NFT_IP6_DADDR_OFF, 16, reg);
		reg += 4;
	}
	lp_nft_rules_meta(r, NFT_META_L4PROTO, reg);
	lp_nft_rules_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg + 1);

	e = lp_nft_rules_expr(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET,
			   lp_nft_rules_map_name(map));
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, map + 1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	return r;
}

/**
 * lp_nft_rules_comment() - Attach comment "lease=<ID> uid=<UID>" to a rule
 * @r:		Rule
 * @id:		Lease ID
 * @uid:	Lease owner
 */
static void lp_nft_rules_comment(struct nftnl_rule *r, const char *id,
				 uid_t uid)
{
	g_autoptr(NftnlUdataBuf) ud = nftnl_udata_buf_alloc(256);
	char comment[LP_NFT_COMMENT_MAX];

	if (!ud)
		lp_oom();
	g_snprintf(comment, sizeof(comment), "lease=%s uid=%u", id,
		   (unsigned int)uid);
	if (!nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, comment))
		lp_oom();
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
			    nftnl_udata_buf_len(ud));
}

/**
 * lp_nft_rules_lease_rule() - Build one port's DNAT rule of a lease
 * @id:		Lease ID
 * @uid:	Lease owner, for the comment
 * @m:		Mapping
 * @i:		Port index in @m, below @m->range
 *
 * "[ip daddr A | ip6 daddr A | meta nfproto ipv4|ipv6] tcp dport P
 *  dnat to :B comment "lease=ID uid=UID"". Port-only DNAT keeps the
 * original destination address.
 *
 * Return: new rule in chain lease-@id, caller frees
 */
struct nftnl_rule *lp_nft_rules_lease_rule(const char *id, uid_t uid,
					   const LpMapping *m, unsigned int i)
{
	char chain[LP_NFT_CHAIN_NAME_MAX];
	uint16_t dport = htons(m->host_port + i);
	uint16_t to = htons(m->backend_port + i);
	struct nftnl_rule *r;
	struct nftnl_expr *e;

	g_snprintf(chain, sizeof(chain), LP_NFT_LEASE_PREFIX "%s", id);
	r = lp_nft_rules_new_rule(chain);
	if (m->addr.family == AF_INET || m->addr.family == AF_INET6)
		lp_nft_rules_nfproto(r, m->addr.family);
	if (m->addr.family == AF_INET && !m->addr.any) {
		lp_nft_rules_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
				     LP_NFT_IP_DADDR_OFF, 4, NFT_REG_1);
		lp_nft_rules_cmp(r, NFT_REG_1, &m->addr.u.v4, 4);
	} else if (m->addr.family == AF_INET6 && !m->addr.any) {
		lp_nft_rules_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
				     LP_NFT_IP6_DADDR_OFF, 16, NFT_REG_1);
		lp_nft_rules_cmp(r, NFT_REG_1, &m->addr.u.v6, 16);
	}
	lp_nft_rules_meta(r, NFT_META_L4PROTO, NFT_REG_1);
	lp_nft_rules_cmp(r, NFT_REG_1, &m->proto, 1);
	lp_nft_rules_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	lp_nft_rules_cmp(r, NFT_REG_1, &dport, 2);

	e = lp_nft_rules_expr(r, "immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set_data(e, NFTNL_EXPR_IMM_DATA, &to, sizeof(to));
	e = lp_nft_rules_expr(r, "nat");
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_INET);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS,
			   NF_NAT_RANGE_PROTO_SPECIFIED);
	lp_nft_rules_comment(r, id, uid);
	return r;
}

/**
 * lp_nft_rules_key() - Map key of one port of a mapping
 * @m:		Mapping
 * @i:		Port index in @m
 * @key:	Output, LP_NFT_KEY_MAX bytes
 *
 * Fields are padded to 4 bytes, in the map's order: [address .] protocol
 * . port, address and port in network byte order.
 *
 * Return: key length
 */
size_t lp_nft_rules_key(const LpMapping *m, unsigned int i, uint8_t *key)
{
	uint16_t port = htons(m->host_port + i);
	size_t off = 0;

	memset(key, 0, LP_NFT_KEY_MAX);
	switch (lp_nft_rules_map_of(&m->addr)) {
	case LP_NFT_MAP_ADDR4:
		memcpy(key, &m->addr.u.v4, 4);
		off = 4;
		break;
	case LP_NFT_MAP_ADDR6:
		memcpy(key, &m->addr.u.v6, 16);
		off = 16;
		break;
	default:
		break;
	}
	key[off] = m->proto;
	memcpy(key + off + 4, &port, sizeof(port));
	return off + 8;
}

/**
 * lp_nft_rules_elem() - Build the map element of one port of a lease
 * @id:		Lease ID
 * @m:		Mapping
 * @i:		Port index in @m
 * @verdict:	Add the verdict "jump lease-@id" (for adding; deleting
 *		needs the key only)
 *
 * Return: new set naming the map and holding one element, caller frees
 */
struct nftnl_set *lp_nft_rules_elem(const char *id, const LpMapping *m,
				    unsigned int i, bool verdict)
{
	LpNftMap map = lp_nft_rules_map_of(&m->addr);
	struct nftnl_set *s = nftnl_set_alloc();
	char chain[LP_NFT_CHAIN_NAME_MAX];
	uint8_t key[LP_NFT_KEY_MAX];
	struct nftnl_set_elem *e;
	size_t len;

	e = nftnl_set_elem_alloc();
	if (!s || !e)
		lp_oom();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, LP_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, lp_nft_rules_map_name(map));
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);

	len = lp_nft_rules_key(m, i, key);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, len);
	if (verdict) {
		g_snprintf(chain, sizeof(chain), LP_NFT_LEASE_PREFIX "%s", id);
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, NFT_JUMP);
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, chain);
	}
	nftnl_set_elem_add(s, e); /* s owns e */
	return s;
}

/**
 * lp_nft_rules_elem_key() - Build a map element by its raw key (to delete)
 * @map:	Map
 * @key:	Key bytes as listed from the kernel
 * @len:	Length of @key
 *
 * Return: new set naming the map and holding one element, caller frees
 */
struct nftnl_set *lp_nft_rules_elem_key(LpNftMap map, const void *key,
					size_t len)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!s || !e)
		lp_oom();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, LP_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, lp_nft_rules_map_name(map));
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, len);
	nftnl_set_elem_add(s, e); /* s owns e */
	return s;
}

/**
 * lp_nft_rules_port_desc() - Describe one port of a mapping for messages
 * @m:		Mapping
 * @i:		Port index in @m
 * @buf:	Output, LP_NFT_PORT_DESC_MAX bytes
 * @len:	Size of @buf
 *
 * Return: @buf: "80/tcp", "192.0.2.1:80/tcp", "[::1]:80/udp"
 */
const char *lp_nft_rules_port_desc(const LpMapping *m, unsigned int i,
				   char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	const char *proto = lp_proto_name(m->proto);
	unsigned int port = m->host_port + i;

	if (m->addr.family == AF_INET) {
		inet_ntop(AF_INET, &m->addr.u.v4, a, sizeof(a));
		g_snprintf(buf, len, "%s:%u/%s", a, port, proto);
	} else if (m->addr.family == AF_INET6) {
		inet_ntop(AF_INET6, &m->addr.u.v6, a, sizeof(a));
		g_snprintf(buf, len, "[%s]:%u/%s", a, port, proto);
	} else {
		g_snprintf(buf, len, "%u/%s", port, proto);
	}
	return buf;
}

/**
 * lp_nft_rules_comment_cb() - nftnl_udata_parse() callback: find the comment
 * @attr:	User data attribute
 * @data:	const char ** to set
 *
 * Return: 0
 */
static int lp_nft_rules_comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **comment = data;
	const char *value = nftnl_udata_get(attr);
	uint8_t len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && len > 0 &&
	    value[len - 1] == '\0')
		*comment = value;
	return 0;
}

/**
 * lp_nft_rules_parse_comment() - Read "lease=<ID> uid=<UID>" from a rule
 * @r:		Rule listed from the kernel
 * @ret_id:	Lease ID, LP_LEASE_ID_MAX + 1 bytes
 * @ret_uid:	Lease owner
 *
 * Return: 0 on success, -EINVAL if the rule has no such comment
 */
int lp_nft_rules_parse_comment(const struct nftnl_rule *r, char *ret_id,
			       uid_t *ret_uid)
{
	g_autofree char *id = NULL;
	const char *comment = NULL;
	const char *uid_str;
	const void *data;
	guint64 uid;
	uint32_t len;

	if (!nftnl_rule_is_set(r, NFTNL_RULE_USERDATA))
		return -EINVAL;
	data = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	if (nftnl_udata_parse(data, len, lp_nft_rules_comment_cb, &comment) <
		    0 ||
	    !comment || !g_str_has_prefix(comment, "lease="))
		return -EINVAL;
	uid_str = strstr(comment, " uid=");
	if (!uid_str)
		return -EINVAL;
	id = g_strndup(comment + strlen("lease="),
		       uid_str - comment - strlen("lease="));
	if (!lp_nft_rules_id_valid(id) ||
	    !g_ascii_string_to_unsigned(uid_str + strlen(" uid="), 10, 0,
					G_MAXUINT32 - 1, &uid, NULL))
		return -EINVAL;
	g_strlcpy(ret_id, id, LP_LEASE_ID_MAX + 1);
	*ret_uid = (uid_t)uid;
	return 0;
}

/*
 * LpNftRuleParse - state while walking the expressions of a lease rule
 * @loaded:	What the last load expression put in reg 1
 * @m:		Mapping being filled
 * @seen:	Bit set of LP_NFT_LOAD_* values compared so far, plus DNAT
 */
enum {
	LP_NFT_LOAD_NONE,
	LP_NFT_LOAD_NFPROTO,
	LP_NFT_LOAD_DADDR,
	LP_NFT_LOAD_L4PROTO,
	LP_NFT_LOAD_DPORT,
	LP_NFT_LOAD_IMMEDIATE,
	LP_NFT_LOAD_DNAT,
};

typedef struct {
	int loaded;
	LpMapping m;
	unsigned int seen;
} LpNftRuleParse;

/**
 * lp_nft_rules_parse_load() - Note what a meta or payload expression loads
 * @e:		Expression
 * @name:	Its type name
 *
 * Return: LP_NFT_LOAD_* value, LP_NFT_LOAD_NONE if not one of ours
 */
static int lp_nft_rules_parse_load(const struct nftnl_expr *e, const char *name)
{
	uint32_t base, off;

	if (!strcmp(name, "meta")) {
		switch (nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY)) {
		case NFT_META_NFPROTO:
			return LP_NFT_LOAD_NFPROTO;
		case NFT_META_L4PROTO:
			return LP_NFT_LOAD_L4PROTO;
		}
		return LP_NFT_LOAD_NONE;
	}
	base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 2)
		return LP_NFT_LOAD_DPORT;
	if (base == NFT_PAYLOAD_NETWORK_HEADER &&
	    (off == LP_NFT_IP_DADDR_OFF || off == LP_NFT_IP6_DADDR_OFF))
		return LP_NFT_LOAD_DADDR;
	return LP_NFT_LOAD_NONE;
}

/**
 * lp_nft_rules_parse_cmp() - Apply a "cmp eq" to the value last loaded
 * @p:		Parse state
 * @e:		cmp expression
 *
 * Return: 0 on success, -EINVAL if the comparison is not one we build
 */
static int lp_nft_rules_parse_cmp(LpNftRuleParse *p, const struct nftnl_expr *e)
{
	const uint8_t *d;
	uint32_t len;

	d = nftnl_expr_get_data(e, NFTNL_EXPR_CMP_DATA, &len);
	if (!d || nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP) != NFT_CMP_EQ)
		return -EINVAL;
	if (p->loaded == LP_NFT_LOAD_NFPROTO && len == 1) {
		if (*d != NFPROTO_IPV4 && *d != NFPROTO_IPV6)
			return -EINVAL;
		p->m.addr.family = *d == NFPROTO_IPV4 ? AF_INET : AF_INET6;
		p->m.addr.any = true;
	} else if (p->loaded == LP_NFT_LOAD_DADDR &&
		   len == (p->m.addr.family == AF_INET ? 4u : 16u)) {
		memcpy(&p->m.addr.u, d, len);
		p->m.addr.any = false;
	} else if (p->loaded == LP_NFT_LOAD_L4PROTO && len == 1) {
		p->m.proto = *d;
	} else if (p->loaded == LP_NFT_LOAD_DPORT && len == 2) {
		uint16_t port;

		memcpy(&port, d, sizeof(port));
		p->m.host_port = ntohs(port);
	} else {
		return -EINVAL;
	}
	p->seen |= 1u << p->loaded;
	p->loaded = LP_NFT_LOAD_NONE;
	return 0;
}

/**
 * lp_nft_rules_parse_expr() - nftnl_expr_foreach() callback for a lease rule
 * @e:		Expression
 * @data:	LpNftRuleParse
 *
 * Return: 0 to go on, -1 on an expression a lease rule does not have
 */
static int lp_nft_rules_parse_expr(struct nftnl_expr *e, void *data)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	LpNftRuleParse *p = data;
	const void *d;
	uint16_t port;
	uint32_t len;

	if (!strcmp(name, "meta") || !strcmp(name, "payload")) {
		p->loaded = lp_nft_rules_parse_load(e, name);
		return p->loaded == LP_NFT_LOAD_NONE ? -1 : 0;
	}
	if (!strcmp(name, "cmp"))
		return lp_nft_rules_parse_cmp(p, e) ? -1 : 0;
	if (!strcmp(name, "immediate")) {
		d = nftnl_expr_get_data(e, NFTNL_EXPR_IMM_DATA, &len);
		if (!d || len != 2)
			return -1;
		memcpy(&port, d, sizeof(port));
		p->m.backend_port = ntohs(port);
		p->seen |= 1u << LP_NFT_LOAD_IMMEDIATE;
		return 0;
	}
	if (!strcmp(name, "nat") &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) == NFT_NAT_DNAT) {
		p->seen |= 1u << LP_NFT_LOAD_DNAT;
		return 0;
	}
	return -1;
}

/**
 * lp_nft_rules_parse_lease_rule() - Turn a lease rule back into a mapping
 * @r:		Rule listed from the kernel
 * @ret:	One-port mapping (range 1)
 *
 * Return: 0 on success, -EINVAL if @r is not a rule we build
 */
int lp_nft_rules_parse_lease_rule(const struct nftnl_rule *r, LpMapping *ret)
{
	unsigned int need =
		1u << LP_NFT_LOAD_L4PROTO | 1u << LP_NFT_LOAD_DPORT |
		1u << LP_NFT_LOAD_IMMEDIATE | 1u << LP_NFT_LOAD_DNAT;
	LpNftRuleParse p = {.m = {.addr = {.family = AF_UNSPEC}}};

	if (nftnl_expr_foreach((struct nftnl_rule *)r, lp_nft_rules_parse_expr,
			       &p) < 0)
		return -EINVAL;
	if ((p.seen & need) != need || !p.m.host_port || !p.m.backend_port ||
	    (p.m.proto != IPPROTO_TCP && p.m.proto != IPPROTO_UDP))
		return -EINVAL;
	if ((p.seen & 1u << LP_NFT_LOAD_DADDR) &&
	    !(p.seen & 1u << LP_NFT_LOAD_NFPROTO))
		return -EINVAL;
	p.m.range = 1;
	*ret = p.m;
	return 0;
}
