// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-nft-rules.c - golden bytecode of table inet lowport, ACK parsing
 *
 * The libnftnl objects the lease engine builds are printed with
 * nftnl_*_snprintf() and compared with tests/unit/golden/<name>.payload.
 * LOWPORT_GOLDEN_REGEN=1 rewrites the golden files instead; review the
 * diff, then check what nft prints for them (test-nft-lease does).
 * Map element lines show each 4-byte word of key and data as a
 * little-endian number: "00005000" is port 80, "00008075" port 30080.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <glib.h>

#include "netutils/nft/nft-acks.h"
#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft-rules.h"
#include "netutils/nft/nft.h"

/*
 * TestLease - one golden lease case
 * @name:	Golden file name without ".payload"
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Host address as lp_addr_parse() reads it, "" = every address
 * @range:	Number of ports
 */
typedef struct {
	const char *name;
	uint8_t proto;
	const char *addr;
	uint16_t range;
} TestLease;

static const TestLease test_leases[] = {
	{"lease-v4-tcp", IPPROTO_TCP, "192.0.2.10", 1},
	{"lease-v6-udp", IPPROTO_UDP, "2001:db8::1", 1},
	{"lease-all-tcp", IPPROTO_TCP, "", 1},
	{"lease-all-udp", IPPROTO_UDP, "", 1},
	{"lease-v4any-tcp", IPPROTO_TCP, "0.0.0.0", 1},
	{"lease-v6any-udp", IPPROTO_UDP, "::", 1},
	{"lease-range", IPPROTO_TCP, "192.0.2.10", 3},
};

/**
 * test_mapping() - Build the mapping of a case: 80 -> 30080
 * @t:		Case
 *
 * Return: mapping
 */
static LpMapping test_mapping(const TestLease *t)
{
	LpMapping m = {.proto = t->proto,
		       .host_port = 80,
		       .backend_port = 30080,
		       .range = t->range};

	g_assert_cmpint(lp_addr_parse(t->addr, &m.addr), ==, 0);
	return m;
}

/**
 * test_golden() - Compare text with golden/<name>.payload (or rewrite it)
 * @name:	Golden file name without extension
 * @text:	Text produced now
 */
static void test_golden(const char *name, const char *text)
{
	g_autofree char *file = g_strconcat(name, ".payload", NULL);
	g_autofree char *path = NULL;
	g_autofree char *want = NULL;
	g_autoptr(GError) error = NULL;

	path = g_test_build_filename(G_TEST_DIST, "unit", "golden", file, NULL);
	if (g_strcmp0(g_getenv("LOWPORT_GOLDEN_REGEN"), "1") == 0) {
		g_file_set_contents(path, text, -1, &error);
		g_assert_no_error(error);
		return;
	}
	g_file_get_contents(path, &want, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(text, ==, want);
}

/**
 * test_add_rule() - Append nftnl_rule_snprintf() of a rule, then free it
 * @s:		Text
 * @r:		Rule, freed
 */
static void test_add_rule(GString *s, struct nftnl_rule *r)
{
	char buf[4096];

	nftnl_rule_snprintf(buf, sizeof(buf), r, NFTNL_OUTPUT_DEFAULT, 0);
	g_string_append_printf(s, "%s\n", buf);
	nftnl_rule_free(r);
}

/**
 * test_add_set() - Append nftnl_set_snprintf() of a set, then free it
 * @s:		Text
 * @set:	Set or element container, freed
 */
static void test_add_set(GString *s, struct nftnl_set *set)
{
	char buf[4096];

	nftnl_set_snprintf(buf, sizeof(buf), set, NFTNL_OUTPUT_DEFAULT, 0);
	g_string_append_printf(s, "%s\n", buf);
	if (nftnl_set_is_set(set, NFTNL_SET_KEY_TYPE))
		g_string_append_printf(
			s,
			"  key_type 0x%x key_len %u data_type 0x%x "
			"data_len %u\n",
			nftnl_set_get_u32(set, NFTNL_SET_KEY_TYPE),
			nftnl_set_get_u32(set, NFTNL_SET_KEY_LEN),
			nftnl_set_get_u32(set, NFTNL_SET_DATA_TYPE),
			nftnl_set_get_u32(set, NFTNL_SET_DATA_LEN));
	nftnl_set_free(set);
}

/**
 * test_add_chain() - Append nftnl_chain_snprintf() of a chain, then free it
 * @s:		Text
 * @c:		Chain, freed
 */
static void test_add_chain(GString *s, struct nftnl_chain *c)
{
	char buf[4096];

	nftnl_chain_snprintf(buf, sizeof(buf), c, NFTNL_OUTPUT_DEFAULT, 0);
	g_string_append_printf(s, "%s\n", buf);
	nftnl_chain_free(c);
}

/**
 * test_skeleton() - Golden table, chains, maps and rules of the skeleton
 */
static void test_skeleton(void)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(NftnlTable) t = NULL;
	char buf[1024];
	unsigned int i;

	t = lp_nft_rules_table(NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST);
	nftnl_table_snprintf(buf, sizeof(buf), t, NFTNL_OUTPUT_DEFAULT, 0);
	g_string_append_printf(s, "%s\n", buf);
	test_add_chain(s, lp_nft_rules_base_chain(LP_NFT_CHAIN_PREROUTING,
						  NF_INET_PRE_ROUTING));
	test_add_chain(s, lp_nft_rules_base_chain(LP_NFT_CHAIN_OUTPUT,
						  NF_INET_LOCAL_OUT));
	test_add_chain(s, lp_nft_rules_chain(LP_NFT_CHAIN_LEASES));
	for (i = 0; i < LP_NFT_MAP_MAX; i++)
		test_add_set(s, lp_nft_rules_map(i));
	test_add_rule(s, lp_nft_rules_hook_rule(LP_NFT_CHAIN_PREROUTING));
	test_add_rule(s, lp_nft_rules_hook_rule(LP_NFT_CHAIN_OUTPUT));
	for (i = 0; i < LP_NFT_MAP_MAX; i++)
		test_add_rule(s, lp_nft_rules_dnat(i));
	test_golden("skeleton", s->str);
}

/**
 * test_elems() - Build the map elements of a mapping, one container per map
 * @m:		Mapping
 * @id:		Lease ID, NULL for key-only elements
 * @uid:	Owner
 * @ret:	Containers, LP_NFT_MAP_MAX entries, NULL for maps not touched;
 *		caller frees
 */
static void test_elems(const LpMapping *m, const char *id, uid_t uid,
		       struct nftnl_set **ret)
{
	LpNftKey keys[LP_NFT_KEYS_PER_PORT];
	unsigned int i, k, n;

	memset(ret, 0, LP_NFT_MAP_MAX * sizeof(*ret));
	for (i = 0; i < m->range; i++) {
		n = lp_nft_rules_keys(m, i, keys);
		g_assert_cmpuint(n, >=, 1);
		g_assert_cmpuint(n, <=, LP_NFT_KEYS_PER_PORT);
		for (k = 0; k < n; k++) {
			LpNftMap map = keys[k].map;

			if (!ret[map])
				ret[map] = lp_nft_rules_elems(map);
			lp_nft_rules_elem_add(ret[map], &keys[k], id, uid,
					      m->backend_port + i);
		}
	}
}

/**
 * test_lease() - Golden map elements of one lease case
 * @data:	TestLease
 */
static void test_lease(gconstpointer data)
{
	const TestLease *t = data;
	g_autoptr(GString) s = g_string_new(NULL);
	struct nftnl_set *sets[LP_NFT_MAP_MAX];
	LpMapping m = test_mapping(t);
	unsigned int i;

	test_elems(&m, "abc", 1000, sets);
	for (i = 0; i < LP_NFT_MAP_MAX; i++) {
		if (sets[i])
			test_add_set(s, sets[i]);
	}
	test_golden(t->name, s->str);
}

/*
 * TestParse - elements parsed back from one container
 * @map:	Map of the container
 * @got:	LpMapping per element
 * @ids:	Lease ID per element (char *)
 * @uids:	Owner per element (uid_t)
 */
typedef struct {
	LpNftMap map;
	GArray *got;
	GPtrArray *ids;
	GArray *uids;
} TestParse;

/**
 * test_parse_cb() - nftnl_set_elem_foreach() callback: parse one element
 * @e:		Element
 * @data:	TestParse
 *
 * Return: 0
 */
static int test_parse_cb(struct nftnl_set_elem *e, void *data)
{
	char id[LP_LEASE_ID_MAX + 1];
	TestParse *p = data;
	LpMapping m;
	uid_t uid;

	g_assert_cmpint(lp_nft_rules_parse_elem(p->map, e, id, &uid, &m), ==,
			0);
	g_array_append_val(p->got, m);
	g_ptr_array_add(p->ids, g_strdup(id));
	g_array_append_val(p->uids, uid);
	return 0;
}

/**
 * test_lease_parse() - Built elements parse back to their ports
 * @data:	TestLease
 *
 * Every address comes back as an IPv4 and an IPv6 wildcard per port.
 */
static void test_lease_parse(gconstpointer data)
{
	const TestLease *t = data;
	LpMapping m = test_mapping(t);
	struct nftnl_set *sets[LP_NFT_MAP_MAX];
	unsigned int i, j, want = m.range, per = 1;
	TestParse p = {
		.got = g_array_new(FALSE, FALSE, sizeof(LpMapping)),
		.ids = g_ptr_array_new_with_free_func(g_free),
		.uids = g_array_new(FALSE, FALSE, sizeof(uid_t)),
	};

	if (m.addr.family == AF_UNSPEC)
		per = 2;
	test_elems(&m, "abc", 4242, sets);
	for (i = 0; i < LP_NFT_MAP_MAX; i++) {
		if (!sets[i])
			continue;
		p.map = i;
		nftnl_set_elem_foreach(sets[i], test_parse_cb, &p);
		nftnl_set_free(sets[i]);
	}
	g_assert_cmpuint(p.got->len, ==, want * per);
	for (j = 0; j < p.got->len; j++) {
		const LpMapping *g = &g_array_index(p.got, LpMapping, j);
		unsigned int port = j % want;

		g_assert_cmpint(g->proto, ==, m.proto);
		if (per == 1) {
			g_assert_true(lp_addr_equal(&g->addr, &m.addr));
		} else {
			g_assert_true(g->addr.any);
			g_assert_cmpint(g->addr.family, ==,
					j < want ? AF_INET : AF_INET6);
		}
		g_assert_cmpuint(g->host_port, ==, m.host_port + port);
		g_assert_cmpuint(g->backend_port, ==, m.backend_port + port);
		g_assert_cmpuint(g->range, ==, 1);
		g_assert_cmpstr(p.ids->pdata[j], ==, "abc");
		g_assert_cmpuint(g_array_index(p.uids, uid_t, j), ==, 4242);
	}
	g_array_unref(p.got);
	g_ptr_array_unref(p.ids);
	g_array_unref(p.uids);
}

/**
 * test_foreign_elem() - Parse one hand-made element
 * @map:	Map it claims to come from
 * @key:	Key bytes
 * @klen:	Length of @key
 * @data:	Backend port bytes, NULL for none
 * @comment:	Comment, NULL for none
 *
 * Return: what lp_nft_rules_parse_elem() returns
 */
static int test_foreign_elem(LpNftMap map, const void *key, uint32_t klen,
			     const void *data, const char *comment)
{
	g_autoptr(NftnlSetElem) e = nftnl_set_elem_alloc();
	g_autoptr(NftnlUdataBuf) ud = nftnl_udata_buf_alloc(256);
	char id[LP_LEASE_ID_MAX + 1];
	LpMapping m;
	uid_t uid;

	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, klen);
	if (data)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, data, 2);
	if (comment) {
		nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_ELEM_COMMENT, comment);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA,
				   nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
	}
	return lp_nft_rules_parse_elem(map, e, id, &uid, &m);
}

/**
 * test_parse_foreign() - Elements we do not build are refused
 */
static void test_parse_foreign(void)
{
	static const uint8_t any[] = {2, 0, 0, 0, 6, 0, 0, 0, 0, 80, 0, 0};
	static const uint8_t nfp[] = {7, 0, 0, 0, 6, 0, 0, 0, 0, 80, 0, 0};
	static const uint8_t icmp[] = {2, 0, 0, 0, 1, 0, 0, 0, 0, 80, 0, 0};
	static const uint8_t port0[] = {2, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t pad[] = {2, 0, 0, 0, 6, 1, 0, 0, 0, 80, 0, 0};
	static const uint8_t data[] = {0x75, 0x80}, zero[] = {0, 0};
	const char *ok = "lease=abc uid=7";

	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ANY, any, 12, data, ok),
			==, 0);
	/* key of the wrong length for the map */
	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ADDR6, any, 12, data, ok),
			==, -EINVAL);
	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ANY, any, 8, data, ok), ==,
			-EINVAL);
	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ANY, nfp, 12, data, ok),
			==, -EINVAL);
	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ANY, icmp, 12, data, ok),
			==, -EINVAL);
	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ANY, port0, 12, data, ok),
			==, -EINVAL);
	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ANY, pad, 12, data, ok),
			==, -EINVAL);
	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ANY, any, 12, zero, ok),
			==, -EINVAL);
	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ANY, any, 12, NULL, ok),
			==, -EINVAL);
	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ANY, any, 12, data, NULL),
			==, -EINVAL);
	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ANY, any, 12, data,
					  "lease=ABC uid=7"),
			==, -EINVAL);
	g_assert_cmpint(test_foreign_elem(LP_NFT_MAP_ANY, any, 12, data,
					  "lease=abc uid=x"),
			==, -EINVAL);
	g_assert_cmpint(
		test_foreign_elem(LP_NFT_MAP_ANY, any, 12, data, "lease=abc"),
		==, -EINVAL);
	g_assert_cmpint(
		test_foreign_elem(LP_NFT_MAP_ANY, any, 12, data, "hello"), ==,
		-EINVAL);
}

/**
 * test_key_bytes() - Map keys: fields padded to 4 bytes, network order
 */
static void test_key_bytes(void)
{
	static const uint8_t v4[] = {192, 0, 2, 10, 6, 0, 0, 0, 0, 80, 0, 0};
	static const uint8_t v6[] = {0x20, 0x01, 0x0d, 0xb8, 0, 0,   0, 0,
				     0,	   0,	 0,    0,    0, 0,   0, 1,
				     17,   0,	 0,    0,    1, 187, 0, 0};
	static const uint8_t any4[] = {2, 0, 0,	   0,	 6, 0,
				       0, 0, 0x1f, 0x90, 0, 0};
	static const uint8_t any6[] = {10, 0, 0,    0,	  6, 0,
				       0,  0, 0x1f, 0x90, 0, 0};
	LpMapping m = {.proto = IPPROTO_TCP, .host_port = 80, .range = 1};
	LpNftKey k[LP_NFT_KEYS_PER_PORT];

	lp_addr_parse("192.0.2.10", &m.addr);
	g_assert_cmpuint(lp_nft_rules_keys(&m, 0, k), ==, 1);
	g_assert_cmpint(k[0].map, ==, LP_NFT_MAP_ADDR4);
	g_assert_cmpmem(k[0].key, k[0].len, v4, sizeof(v4));

	m.proto = IPPROTO_UDP;
	m.host_port = 443;
	lp_addr_parse("2001:db8::1", &m.addr);
	g_assert_cmpuint(lp_nft_rules_keys(&m, 0, k), ==, 1);
	g_assert_cmpint(k[0].map, ==, LP_NFT_MAP_ADDR6);
	g_assert_cmpmem(k[0].key, k[0].len, v6, sizeof(v6));

	/* wildcards: map any, one family each; i offsets the port */
	m.proto = IPPROTO_TCP;
	m.host_port = 8079;
	lp_addr_parse("0.0.0.0", &m.addr);
	g_assert_cmpuint(lp_nft_rules_keys(&m, 1, k), ==, 1);
	g_assert_cmpint(k[0].map, ==, LP_NFT_MAP_ANY);
	g_assert_cmpmem(k[0].key, k[0].len, any4, sizeof(any4));
	lp_addr_parse("::", &m.addr);
	g_assert_cmpuint(lp_nft_rules_keys(&m, 1, k), ==, 1);
	g_assert_cmpint(k[0].map, ==, LP_NFT_MAP_ANY);
	g_assert_cmpmem(k[0].key, k[0].len, any6, sizeof(any6));

	/* every address: both */
	m.addr = LP_ADDR_ALL;
	g_assert_cmpuint(lp_nft_rules_keys(&m, 1, k), ==, 2);
	g_assert_cmpint(k[0].map, ==, LP_NFT_MAP_ANY);
	g_assert_cmpint(k[1].map, ==, LP_NFT_MAP_ANY);
	g_assert_cmpmem(k[0].key, k[0].len, any4, sizeof(any4));
	g_assert_cmpmem(k[1].key, k[1].len, any6, sizeof(any6));
}

/**
 * test_key_desc() - Keys described for error messages
 */
static void test_key_desc(void)
{
	LpMapping m = {.proto = IPPROTO_TCP, .host_port = 80, .range = 1};
	char buf[LP_NFT_KEY_DESC_MAX];
	LpNftKey k[LP_NFT_KEYS_PER_PORT];

	lp_addr_parse("192.0.2.10", &m.addr);
	lp_nft_rules_keys(&m, 0, k);
	g_assert_cmpstr(lp_nft_rules_key_desc(k, buf, sizeof(buf)), ==,
			"192.0.2.10:80/tcp");
	m.proto = IPPROTO_UDP;
	lp_addr_parse("::1", &m.addr);
	lp_nft_rules_keys(&m, 0, k);
	g_assert_cmpstr(lp_nft_rules_key_desc(k, buf, sizeof(buf)), ==,
			"[::1]:80/udp");
	m.addr = LP_ADDR_ALL;
	lp_nft_rules_keys(&m, 0, k);
	g_assert_cmpstr(lp_nft_rules_key_desc(&k[0], buf, sizeof(buf)), ==,
			"80/udp on every IPv4 address");
	g_assert_cmpstr(lp_nft_rules_key_desc(&k[1], buf, sizeof(buf)), ==,
			"80/udp on every IPv6 address");
}

/**
 * test_ids() - Lease IDs
 */
static void test_ids(void)
{
	g_assert_true(lp_nft_rules_id_valid("abc123"));
	g_assert_true(lp_nft_rules_id_valid("0123456789abcdef"));
	g_assert_false(lp_nft_rules_id_valid(""));
	g_assert_false(lp_nft_rules_id_valid("0123456789abcdefg"));
	g_assert_false(lp_nft_rules_id_valid("ABC"));
	g_assert_false(lp_nft_rules_id_valid("a-b"));
	g_assert_false(lp_nft_rules_id_valid("a b"));
	g_assert_false(lp_nft_rules_id_valid("a="));
}

/**
 * test_put_ack() - Append one NLMSG_ERROR to a buffer
 * @buf:	Buffer
 * @seq:	Sequence number
 * @err:	Negative errno or 0
 * @extack:	Extended ACK text, or NULL
 */
static void test_put_ack(GByteArray *buf, uint32_t seq, int err,
			 const char *extack)
{
	uint32_t space[256] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(space);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 77;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = err;
	e->msg.nlmsg_seq = seq;
	e->msg.nlmsg_len = 64;
	if (extack) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, extack);
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 40);
	}
	g_byte_array_append(buf, (const guint8 *)space, nlh->nlmsg_len);
}

/**
 * test_acks_all_ok() - Complete only when every message was ACKed
 */
static void test_acks_all_ok(void)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	LpNftAcks a;

	lp_nft_acks_init(&a, 77, 100, 3);
	test_put_ack(buf, 101, 0, NULL);
	test_put_ack(buf, 103, 0, NULL);
	test_put_ack(buf, 999, -ENOENT, NULL); /* not ours: ignored */
	g_assert_cmpint(lp_nft_acks_parse(&a, buf->data, buf->len), ==, 0);
	g_byte_array_set_size(buf, 0);
	test_put_ack(buf, 102, 0, NULL);
	g_assert_cmpint(lp_nft_acks_parse(&a, buf->data, buf->len), ==, 1);
	g_assert_cmpint(a.error, ==, 0);
	lp_nft_acks_clear(&a);
}

/**
 * test_acks_error() - One error among zero ACKs fails the batch, extack
 */
static void test_acks_error(void)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	LpNftAcks a;

	lp_nft_acks_init(&a, 77, 100, 3);
	test_put_ack(buf, 101, 0, NULL);
	test_put_ack(buf, 102, -EEXIST, "chain\texists");
	test_put_ack(buf, 103, 0, NULL);
	g_assert_cmpint(lp_nft_acks_parse(&a, buf->data, buf->len), ==, 1);
	g_assert_cmpint(a.error, ==, -EEXIST);
	g_assert_cmpuint(a.error_seq, ==, 102);
	g_assert_cmpuint(a.error_offs, ==, 40);
	g_assert_cmpstr(a.error_msg, ==, "chain?exists");
	lp_nft_acks_clear(&a);
}

/**
 * test_acks_batch_error() - An error on BATCH_BEGIN ends the wait at once
 */
static void test_acks_batch_error(void)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	LpNftAcks a;

	lp_nft_acks_init(&a, 77, 100, 5);
	test_put_ack(buf, 100, -EPERM, NULL);
	g_assert_cmpint(lp_nft_acks_parse(&a, buf->data, buf->len), ==, 1);
	g_assert_cmpint(a.error, ==, -EPERM);
	g_assert_cmpuint(a.error_seq, ==, 100);
	lp_nft_acks_clear(&a);
}

/**
 * test_describe() - Error texts a person can act on
 */
static void test_describe(void)
{
	g_autofree char *exists = NULL, *gone = NULL, *owned = NULL;
	g_autofree char *fib = NULL, *taken = NULL;

	exists = lp_nft_batch_describe_error(-EEXIST, "creating map any",
					     LP_NFT_HINT_TABLE, "");
	g_assert_cmpstr(exists, ==,
			"nftables refused creating map any: File exists");
	gone = lp_nft_batch_describe_error(-ENOENT, "creating map any",
					   LP_NFT_HINT_TABLE, NULL);
	g_assert_nonnull(strstr(gone, "table inet lowport is missing (was the "
				      "ruleset flushed?)"));
	owned = lp_nft_batch_describe_error(EPERM, "the batch",
					    LP_NFT_HINT_NONE, NULL);
	g_assert_nonnull(strstr(owned, "owned by another process"));
	fib = lp_nft_batch_describe_error(-EOPNOTSUPP, "adding rule",
					  LP_NFT_HINT_FIB, "unknown expr");
	g_assert_nonnull(strstr(fib, "fib"));
	g_assert_nonnull(strstr(fib, "(kernel: unknown expr)"));
	taken = lp_nft_batch_describe_error(-EEXIST, "adding map element",
					    LP_NFT_HINT_ELEM, NULL);
	g_assert_nonnull(strstr(taken, "another lease"));
}

int main(int argc, char **argv)
{
	unsigned int i;

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nft-rules/skeleton", test_skeleton);
	for (i = 0; i < G_N_ELEMENTS(test_leases); i++) {
		g_autofree char *golden = NULL, *parse = NULL;

		golden = g_strdup_printf("/nft-rules/golden/%s",
					 test_leases[i].name);
		parse = g_strdup_printf("/nft-rules/parse/%s",
					test_leases[i].name);
		g_test_add_data_func(golden, &test_leases[i], test_lease);
		g_test_add_data_func(parse, &test_leases[i], test_lease_parse);
	}
	g_test_add_func("/nft-rules/parse-foreign", test_parse_foreign);
	g_test_add_func("/nft-rules/key-bytes", test_key_bytes);
	g_test_add_func("/nft-rules/key-desc", test_key_desc);
	g_test_add_func("/nft-rules/ids", test_ids);
	g_test_add_func("/nft-batch/acks-all-ok", test_acks_all_ok);
	g_test_add_func("/nft-batch/acks-error", test_acks_error);
	g_test_add_func("/nft-batch/acks-batch-error", test_acks_batch_error);
	g_test_add_func("/nft-batch/describe", test_describe);
	return g_test_run();
}
