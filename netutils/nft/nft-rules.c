// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-rules.c - libnftnl objects of table inet lowport (no I/O)
 *
 * Builders for the skeleton (table, base chains, the three data maps and
 * the three DNAT rules that look the backend port up in them) and for the
 * map elements of a lease (one or two per port, each carrying the comment
 * "lease=<ID> uid=<UID>"), and the parser that turns an element listed
 * from the kernel back into an LpMapping. Expression sequences follow
 * what nft 1.0.6 generates, so `nft list ruleset` prints them readably.
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

#include "netutils/nft/nft-rules.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

/* nft's datatype ids for concatenated map keys (nftables datatype.h) */
#define LP_NFT_TYPE_BITS	  6
#define LP_NFT_TYPE_NFPROTO	  2
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
 * lp_nft_rules_jump() - Append an immediate verdict "jump @chain"
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

/*
 * lp_nft_key_layout - key of each map: nft type of the first field, its
 * length, and the key length (each field padded to 4 bytes)
 */
static const struct {
	uint32_t head_type;
	uint32_t head_len;
	uint32_t key_len;
} lp_nft_key_layout[LP_NFT_MAP_MAX] = {
	[LP_NFT_MAP_ADDR4] = {LP_NFT_TYPE_IPADDR, 4, 4 + 4 + 4},
	[LP_NFT_MAP_ADDR6] = {LP_NFT_TYPE_IP6ADDR, 16, 16 + 4 + 4},
	[LP_NFT_MAP_ANY] = {LP_NFT_TYPE_NFPROTO, 4, 4 + 4 + 4},
};

/**
 * lp_nft_rules_map() - Build map @map: key -> inet_service
 * @map:	Map
 *
 * The key type is nft's concatenation id, (t1 << 6 | t2) << 6 | t3; the
 * data is the backend port. Data maps, unlike verdict maps, never make
 * the kernel validate the table when elements come and go.
 *
 * Return: new set, caller frees
 */
struct nftnl_set *lp_nft_rules_map(LpNftMap map)
{
	struct nftnl_set *s = nftnl_set_alloc();
	uint32_t type;

	if (!s)
		lp_oom();
	g_return_val_if_fail(map < LP_NFT_MAP_MAX, s);
	type = (lp_nft_key_layout[map].head_type << LP_NFT_TYPE_BITS |
		LP_NFT_TYPE_INET_PROTOCOL)
		       << LP_NFT_TYPE_BITS |
	       LP_NFT_TYPE_INET_SERVICE;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, LP_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, lp_nft_rules_map_name(map));
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, map + 1);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, lp_nft_key_layout[map].key_len);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, LP_NFT_TYPE_INET_SERVICE);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, LP_NFT_DATA_LEN);
	return s;
}

/**
 * lp_nft_rules_dnat_key() - Append the loads of a map's key, one register
 *			     per field from NFT_REG32_00 on
 * @r:		Rule
 * @map:	Map
 *
 * Specific addresses are checked for their family first, so an IPv6
 * header is never read as an IPv4 one.
 */
static void lp_nft_rules_dnat_key(struct nftnl_rule *r, LpNftMap map)
{
	uint32_t reg = NFT_REG32_00;

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
	} else {
		lp_nft_rules_meta(r, NFT_META_NFPROTO, reg);
		reg += 1;
	}
	lp_nft_rules_meta(r, NFT_META_L4PROTO, reg);
	lp_nft_rules_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg + 1);
}

/**
 * lp_nft_rules_dnat() - Build the port-only DNAT rule of map @map
 * @map:	Map to look the backend port up in
 *
 * "[ip|ip6 daddr | meta nfproto] . meta l4proto . th dport" is looked up
 * in @map; on a hit the backend port lands in reg 1 and the packet is
 * DNATed to it, keeping its destination address. No match: the rule
 * does nothing and the next one is tried.
 *
 * Return: new rule in chain leases, caller frees
 */
struct nftnl_rule *lp_nft_rules_dnat(LpNftMap map)
{
	static const uint32_t nat_family[LP_NFT_MAP_MAX] = {
		[LP_NFT_MAP_ADDR4] = NFPROTO_IPV4,
		[LP_NFT_MAP_ADDR6] = NFPROTO_IPV6,
		[LP_NFT_MAP_ANY] = NFPROTO_INET,
	};
	struct nftnl_rule *r = lp_nft_rules_new_rule(LP_NFT_CHAIN_LEASES);
	struct nftnl_expr *e;

	g_return_val_if_fail(map < LP_NFT_MAP_MAX, r);
	lp_nft_rules_dnat_key(r, map);
	e = lp_nft_rules_expr(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET,
			   lp_nft_rules_map_name(map));
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, map + 1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);

	e = lp_nft_rules_expr(r, "nat");
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, nat_family[map]);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS,
			   NF_NAT_RANGE_PROTO_SPECIFIED);
	return r;
}

/**
 * lp_nft_rules_key_fill() - Fill one key: head field, protocol, port
 * @k:		Key to fill
 * @map:	Map
 * @head:	First field (address, or nfproto byte), its map's length
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @port:	Host port
 */
static void lp_nft_rules_key_fill(LpNftKey *k, LpNftMap map, const void *head,
				  uint8_t proto, uint16_t port)
{
	uint32_t off = lp_nft_key_layout[map].head_len;
	uint16_t nport = htons(port);

	memset(k, 0, sizeof(*k));
	k->map = map;
	k->len = lp_nft_key_layout[map].key_len;
	memcpy(k->key, head, map == LP_NFT_MAP_ANY ? 1 : off);
	k->key[off] = proto;
	memcpy(k->key + off + 4, &nport, sizeof(nport));
}

/**
 * lp_nft_rules_keys() - Map element keys of one port of a mapping
 * @m:		Mapping
 * @i:		Port index in @m, below @m->range
 * @ret:	Keys, LP_NFT_KEYS_PER_PORT entries
 *
 * A specific address is one key in addr4 or addr6; a family's wildcard is
 * one key in any; every address is two keys in any, one per family.
 *
 * Return: number of keys, 1 or 2
 */
unsigned int lp_nft_rules_keys(const LpMapping *m, unsigned int i,
			       LpNftKey ret[LP_NFT_KEYS_PER_PORT])
{
	static const uint8_t v4 = NFPROTO_IPV4, v6 = NFPROTO_IPV6;
	uint16_t port = m->host_port + i;

	if (m->addr.family == AF_INET && !m->addr.any) {
		lp_nft_rules_key_fill(ret, LP_NFT_MAP_ADDR4, &m->addr.u.v4,
				      m->proto, port);
		return 1;
	}
	if (m->addr.family == AF_INET6 && !m->addr.any) {
		lp_nft_rules_key_fill(ret, LP_NFT_MAP_ADDR6, &m->addr.u.v6,
				      m->proto, port);
		return 1;
	}
	if (m->addr.family == AF_INET6) {
		lp_nft_rules_key_fill(ret, LP_NFT_MAP_ANY, &v6, m->proto, port);
		return 1;
	}
	lp_nft_rules_key_fill(ret, LP_NFT_MAP_ANY, &v4, m->proto, port);
	if (m->addr.family == AF_INET)
		return 1;
	lp_nft_rules_key_fill(ret + 1, LP_NFT_MAP_ANY, &v6, m->proto, port);
	return 2;
}

/**
 * lp_nft_rules_elems() - Build an empty element container for a map
 * @map:	Map
 *
 * Return: new set naming @map, for lp_nft_rules_elem_add(), caller frees
 */
struct nftnl_set *lp_nft_rules_elems(LpNftMap map)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		lp_oom();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, LP_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, lp_nft_rules_map_name(map));
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	return s;
}

/**
 * lp_nft_rules_elem_comment() - Attach "lease=<ID> uid=<UID>" to an element
 * @e:		Element
 * @id:		Lease ID
 * @uid:	Lease owner
 */
static void lp_nft_rules_elem_comment(struct nftnl_set_elem *e, const char *id,
				      uid_t uid)
{
	g_autoptr(NftnlUdataBuf) ud = nftnl_udata_buf_alloc(256);
	char comment[LP_NFT_COMMENT_MAX];

	if (!ud)
		lp_oom();
	g_snprintf(comment, sizeof(comment), "lease=%s uid=%u", id,
		   (unsigned int)uid);
	if (!nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_ELEM_COMMENT, comment))
		lp_oom();
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
}

/**
 * lp_nft_rules_elem_add() - Add one element to a container
 * @s:		Container from lp_nft_rules_elems() for @k->map
 * @k:		Key
 * @id:		Lease ID; NULL for a key-only element (to delete)
 * @uid:	Lease owner, for the comment
 * @backend:	Backend port, the element's data
 */
void lp_nft_rules_elem_add(struct nftnl_set *s, const LpNftKey *k,
			   const char *id, uid_t uid, uint16_t backend)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	uint16_t data = htons(backend);

	if (!e)
		lp_oom();
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, k->key, k->len);
	if (id) {
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, &data, sizeof(data));
		lp_nft_rules_elem_comment(e, id, uid);
	}
	nftnl_set_elem_add(s, e); /* s owns e */
}

/**
 * lp_nft_rules_key_desc() - Describe a key for messages
 * @k:		Key
 * @buf:	Output, LP_NFT_KEY_DESC_MAX bytes
 * @len:	Size of @buf
 *
 * Return: @buf: "192.0.2.1:80/tcp", "[::1]:80/udp", "80/tcp on every
 *	   IPv4 address"
 */
const char *lp_nft_rules_key_desc(const LpNftKey *k, char *buf, size_t len)
{
	uint32_t off = lp_nft_key_layout[k->map].head_len;
	const char *proto = lp_proto_name(k->key[off]);
	char a[INET6_ADDRSTRLEN];
	uint16_t port;

	memcpy(&port, k->key + off + 4, sizeof(port));
	port = ntohs(port);
	if (k->map == LP_NFT_MAP_ADDR4) {
		inet_ntop(AF_INET, k->key, a, sizeof(a));
		g_snprintf(buf, len, "%s:%u/%s", a, port, proto);
	} else if (k->map == LP_NFT_MAP_ADDR6) {
		inet_ntop(AF_INET6, k->key, a, sizeof(a));
		g_snprintf(buf, len, "[%s]:%u/%s", a, port, proto);
	} else {
		g_snprintf(buf, len, "%u/%s on every IPv%c address", port,
			   proto, k->key[0] == NFPROTO_IPV4 ? '4' : '6');
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

	if (nftnl_udata_type(attr) == NFTNL_UDATA_SET_ELEM_COMMENT && len > 0 &&
	    value[len - 1] == '\0')
		*comment = value;
	return 0;
}

/**
 * lp_nft_rules_parse_comment() - Read "lease=<ID> uid=<UID>" of an element
 * @e:		Element listed from the kernel
 * @ret_id:	Lease ID, LP_LEASE_ID_MAX + 1 bytes
 * @ret_uid:	Lease owner
 *
 * Return: 0 on success, -EINVAL if the element has no such comment
 */
static int lp_nft_rules_parse_comment(struct nftnl_set_elem *e, char *ret_id,
				      uid_t *ret_uid)
{
	g_autofree char *id = NULL;
	const char *comment = NULL;
	const char *uid_str;
	const void *data;
	guint64 uid;
	uint32_t len;

	if (!nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA))
		return -EINVAL;
	data = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
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

/**
 * lp_nft_rules_parse_key() - Turn a key back into scope, protocol, port
 * @map:	Map the key was listed from
 * @key:	Key bytes
 * @len:	Length of @key
 * @ret:	Mapping to fill: addr, proto, host_port
 *
 * Return: 0 on success, -EINVAL if the key is not one we build
 */
static int lp_nft_rules_parse_key(LpNftMap map, const uint8_t *key,
				  uint32_t len, LpMapping *ret)
{
	static const uint8_t zero[4];
	uint32_t off = lp_nft_key_layout[map].head_len;
	uint16_t port;

	if (len != lp_nft_key_layout[map].key_len ||
	    memcmp(key + off + 1, zero, 3) || memcmp(key + off + 6, zero, 2))
		return -EINVAL;
	memcpy(&port, key + off + 4, sizeof(port));
	ret->proto = key[off];
	ret->host_port = ntohs(port);
	if ((ret->proto != IPPROTO_TCP && ret->proto != IPPROTO_UDP) ||
	    !ret->host_port)
		return -EINVAL;
	memset(&ret->addr, 0, sizeof(ret->addr));
	if (map != LP_NFT_MAP_ANY) {
		ret->addr.family = map == LP_NFT_MAP_ADDR4 ? AF_INET : AF_INET6;
		memcpy(&ret->addr.u, key, off);
		return 0;
	}
	if (memcmp(key + 1, zero, 3) ||
	    (key[0] != NFPROTO_IPV4 && key[0] != NFPROTO_IPV6))
		return -EINVAL;
	ret->addr.family = key[0] == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	ret->addr.any = true;
	return 0;
}

/**
 * lp_nft_rules_parse_elem() - Turn a listed element back into one port
 * @map:	Map the element was listed from
 * @e:		Element
 * @ret_id:	Lease ID from its comment, LP_LEASE_ID_MAX + 1 bytes
 * @ret_uid:	Lease owner from its comment
 * @ret:	One-port mapping (range 1); elements of map any come back as
 *		a family's wildcard, the caller pairs them up
 *
 * Return: 0 on success, -EINVAL if @e is not an element we build
 */
int lp_nft_rules_parse_elem(LpNftMap map, struct nftnl_set_elem *e,
			    char *ret_id, uid_t *ret_uid, LpMapping *ret)
{
	LpMapping m = {.range = 1};
	const uint8_t *key;
	const void *data;
	uint16_t port;
	uint32_t len;

	if (map >= LP_NFT_MAP_MAX ||
	    !nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY) ||
	    !nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA))
		return -EINVAL;
	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (lp_nft_rules_parse_key(map, key, len, &m) < 0)
		return -EINVAL;
	data = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len);
	if (len != LP_NFT_DATA_LEN)
		return -EINVAL;
	memcpy(&port, data, sizeof(port));
	m.backend_port = ntohs(port);
	if (!m.backend_port || lp_nft_rules_parse_comment(e, ret_id, ret_uid))
		return -EINVAL;
	*ret = m;
	return 0;
}
