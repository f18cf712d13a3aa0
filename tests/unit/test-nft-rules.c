// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-nft-rules.c - golden bytecode of table inet lowport, ACK parsing
 *
 * The libnftnl objects the lease engine builds are printed with
 * nftnl_*_snprintf() and compared with tests/unit/golden/<name>.payload.
 * LOWPORT_GOLDEN_REGEN=1 rewrites the golden files instead; review the
 * diff, then check what nft prints for them (test-nft-lease does).
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

#include "nft-batch.h"
#include "nft-rules.h"
#include "nft.h"

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
			s, "  key_type 0x%x key_len %u data_type 0x%x\n",
			nftnl_set_get_u32(set, NFTNL_SET_KEY_TYPE),
			nftnl_set_get_u32(set, NFTNL_SET_KEY_LEN),
			nftnl_set_get_u32(set, NFTNL_SET_DATA_TYPE));
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
		test_add_rule(s, lp_nft_rules_dispatch(i));
	test_golden("skeleton", s->str);
}

/**
 * test_lease() - Golden rules and map elements of one lease case
 * @data:	TestLease
 */
static void test_lease(gconstpointer data)
{
	const TestLease *t = data;
	g_autoptr(GString) s = g_string_new(NULL);
	LpMapping m = test_mapping(t);
	unsigned int i;

	for (i = 0; i < m.range; i++)
		test_add_rule(s, lp_nft_rules_lease_rule("abc", 1000, &m, i));
	for (i = 0; i < m.range; i++)
		test_add_set(s, lp_nft_rules_elem("abc", &m, i, true));
	test_golden(t->name, s->str);
}

/**
 * test_lease_parse() - A built lease rule parses back to its port
 * @data:	TestLease
 */
static void test_lease_parse(gconstpointer data)
{
	const TestLease *t = data;
	LpMapping m = test_mapping(t), got;
	char id[LP_LEASE_ID_MAX + 1];
	unsigned int i;
	uid_t uid;

	for (i = 0; i < m.range; i++) {
		g_autoptr(NftnlRule) r = NULL;

		r = lp_nft_rules_lease_rule("abc", 4242, &m, i);
		g_assert_cmpint(lp_nft_rules_parse_lease_rule(r, &got), ==, 0);
		g_assert_cmpint(got.proto, ==, m.proto);
		g_assert_true(lp_addr_equal(&got.addr, &m.addr));
		g_assert_cmpuint(got.host_port, ==, m.host_port + i);
		g_assert_cmpuint(got.backend_port, ==, m.backend_port + i);
		g_assert_cmpuint(got.range, ==, 1);
		g_assert_cmpint(lp_nft_rules_parse_comment(r, id, &uid), ==, 0);
		g_assert_cmpstr(id, ==, "abc");
		g_assert_cmpuint(uid, ==, 4242);
	}
}

/**
 * test_parse_foreign() - Rules we do not build are refused
 */
static void test_parse_foreign(void)
{
	g_autoptr(NftnlRule) hook = lp_nft_rules_hook_rule("prerouting");
	g_autoptr(NftnlRule) disp = lp_nft_rules_dispatch(LP_NFT_MAP_ANY);
	char id[LP_LEASE_ID_MAX + 1];
	LpMapping m;
	uid_t uid;

	g_assert_cmpint(lp_nft_rules_parse_lease_rule(hook, &m), ==, -EINVAL);
	g_assert_cmpint(lp_nft_rules_parse_lease_rule(disp, &m), ==, -EINVAL);
	g_assert_cmpint(lp_nft_rules_parse_comment(hook, id, &uid), ==,
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
	static const uint8_t any[] = {6, 0, 0, 0, 0x1f, 0x90, 0, 0};
	LpMapping m = {.proto = IPPROTO_TCP, .host_port = 80, .range = 1};
	uint8_t key[LP_NFT_KEY_MAX];

	lp_addr_parse("192.0.2.10", &m.addr);
	g_assert_cmpint(lp_nft_rules_map_of(&m.addr), ==, LP_NFT_MAP_ADDR4);
	g_assert_cmpmem(key, lp_nft_rules_key(&m, 0, key), v4, sizeof(v4));

	m.proto = IPPROTO_UDP;
	m.host_port = 443;
	lp_addr_parse("2001:db8::1", &m.addr);
	g_assert_cmpint(lp_nft_rules_map_of(&m.addr), ==, LP_NFT_MAP_ADDR6);
	g_assert_cmpmem(key, lp_nft_rules_key(&m, 0, key), v6, sizeof(v6));

	/* every address and both wildcards share map any; i offsets port */
	m.proto = IPPROTO_TCP;
	m.host_port = 8079;
	lp_addr_parse("0.0.0.0", &m.addr);
	g_assert_cmpint(lp_nft_rules_map_of(&m.addr), ==, LP_NFT_MAP_ANY);
	g_assert_cmpmem(key, lp_nft_rules_key(&m, 1, key), any, sizeof(any));
	lp_addr_parse("::", &m.addr);
	g_assert_cmpmem(key, lp_nft_rules_key(&m, 1, key), any, sizeof(any));
	m.addr = LP_ADDR_ALL;
	g_assert_cmpmem(key, lp_nft_rules_key(&m, 1, key), any, sizeof(any));
}

/**
 * test_ids() - Lease IDs and chain names
 */
static void test_ids(void)
{
	char id[LP_LEASE_ID_MAX + 1];

	g_assert_true(lp_nft_rules_id_valid("abc123"));
	g_assert_true(lp_nft_rules_id_valid("0123456789abcdef"));
	g_assert_false(lp_nft_rules_id_valid(""));
	g_assert_false(lp_nft_rules_id_valid("0123456789abcdefg"));
	g_assert_false(lp_nft_rules_id_valid("ABC"));
	g_assert_false(lp_nft_rules_id_valid("a-b"));
	g_assert_false(lp_nft_rules_id_valid("a b"));
	g_assert_true(lp_nft_rules_chain_id("lease-xyz9", id));
	g_assert_cmpstr(id, ==, "xyz9");
	g_assert_false(lp_nft_rules_chain_id("leases", id));
	g_assert_false(lp_nft_rules_chain_id("lease-", id));
	g_assert_false(lp_nft_rules_chain_id("prerouting", id));
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

	exists = lp_nft_batch_describe_error(
		-EEXIST, "creating chain lease-abc", LP_NFT_HINT_TABLE, "");
	g_assert_cmpstr(
		exists, ==,
		"nftables refused creating chain lease-abc: File exists");
	gone = lp_nft_batch_describe_error(-ENOENT, "creating chain lease-abc",
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
	g_test_add_func("/nft-rules/ids", test_ids);
	g_test_add_func("/nft-batch/acks-all-ok", test_acks_all_ok);
	g_test_add_func("/nft-batch/acks-error", test_acks_error);
	g_test_add_func("/nft-batch/acks-batch-error", test_acks_batch_error);
	g_test_add_func("/nft-batch/describe", test_describe);
	return g_test_run();
}
