// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-nft-egress.c - table inet lowport_egress: sets, golden bytecode,
 *		       the real kernel
 *
 * Golden: the libnftnl objects of two allowlists are printed with
 * nftnl_*_snprintf() and compared with tests/unit/golden/egress-*.payload
 * (LOWPORT_GOLDEN_REGEN=1 rewrites them). Element lines show each 4-byte
 * word of a key as a little-endian number, then the element flags (1 =
 * interval end).
 *
 * Kernel: in a network namespace of its own the test applies tables and
 * checks what nft lists, what lp_nft_egress_list_read() reads back, and
 * traffic: a veth pair (both ends here, forwarding off) routes
 * 198.51.100.0/24 and 2001:db8:e::/64 nowhere, so an allowed TCP connection stays in progress while a refused
 * one fails at once with ECONNREFUSED (the reject rule's reset), and
 * loopback keeps working.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>

#include <glib.h>

#include "test-netns.h"
#include "netutils/nft/nft-egress-list.h"
#include "netutils/nft/nft-egress-rules.h"
#include "netutils/nft/nft-egress.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

#define TEST_NFT "/usr/sbin/nft"
#define TEST_IP	 "/usr/sbin/ip"

/**
 * test_allow() - Append an allowed destination written as text
 * @allows:	GArray of LpNftEgressAllow
 * @addr:	Address
 * @prefix:	Prefix length
 * @proto:	Protocol or 0
 * @first:	First port or 0
 * @last:	Last port or 0
 */
static void test_allow(GArray *allows, const char *addr, unsigned int prefix,
		       uint8_t proto, uint16_t first, uint16_t last)
{
	struct in6_addr a;
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	g_assert_cmpint(inet_pton(family, addr, &a), ==, 1);
	lp_nft_egress_allow_add(allows, family, &a, prefix, proto, first, last);
}

/**
 * test_allows_case1() - The allowlist of "198.51.100.2:80/tcp"
 *
 * Return: new GArray
 */
static GArray *test_allows_case1(void)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(LpNftEgressAllow));

	test_allow(a, "198.51.100.2", 32, IPPROTO_TCP, 80, 80);
	return a;
}

/**
 * test_allows_mixed() - A list with every kind of set and merging
 *
 * Return: new GArray
 */
static GArray *test_allows_mixed(void)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(LpNftEgressAllow));

	test_allow(a, "192.0.2.53", 32, 0, 53, 53); /* dns: TCP and UDP */
	test_allow(a, "2001:db8::53", 128, 0, 53, 53);
	test_allow(a, "10.0.0.0", 8, 0, 0, 0);
	test_allow(a, "10.1.0.0", 16, 0, 0, 0); /* inside 10/8 */
	test_allow(a, "11.0.0.0", 8, 0, 0, 0);	/* adjacent: merged */
	test_allow(a, "2001:db8::1", 128, IPPROTO_TCP, 443, 443);
	test_allow(a, "0.0.0.0", 0, IPPROTO_UDP, 1000, 2000);
	test_allow(a, "::", 0, 0, 0, 0);
	test_allow(a, "198.51.100.7", 32, IPPROTO_TCP, 0, 0);
	return a;
}

/**
 * test_golden() - Compare text with golden/<name>.payload (or rewrite it)
 * @name:	Golden file name without extension
 * @text:	Text produced now
 */
static void test_golden(const char *name, const char *text)
{
	g_autofree char *file = g_strconcat(name, ".payload", NULL);
	g_autofree char *path = NULL, *want = NULL;
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
 * test_print() - Print every object of a table the way the batch has them
 * @allows:	Allowed destinations
 *
 * Return: text, caller frees
 */
static char *test_print(const GArray *allows)
{
	g_autoptr(GPtrArray) sets = lp_nft_egress_sets(allows);
	g_autoptr(GPtrArray) rules = lp_nft_egress_rules_build(sets);
	g_autoptr(NftnlTable) t = lp_nft_egress_rules_table();
	g_autoptr(NftnlChain) c = lp_nft_egress_rules_chain();
	GString *s = g_string_new(NULL);
	char buf[8192];
	guint i;

	nftnl_table_snprintf(buf, sizeof(buf), t, NFTNL_OUTPUT_DEFAULT, 0);
	g_string_append_printf(s, "%s\n", buf);
	nftnl_chain_snprintf(buf, sizeof(buf), c, NFTNL_OUTPUT_DEFAULT, 0);
	g_string_append_printf(s, "%s\n", buf);
	for (i = 0; i < sets->len; i++) {
		const LpNftEgressSet *set = g_ptr_array_index(sets, i);
		g_autoptr(NftnlSet) ns = lp_nft_egress_rules_set(set, i + 1);
		g_autoptr(NftnlSet) el = lp_nft_egress_rules_elems(set);

		nftnl_set_snprintf(buf, sizeof(buf), ns, NFTNL_OUTPUT_DEFAULT,
				   0);
		g_string_append_printf(
			s, "%s\n  key_type 0x%x key_len %u\n", buf,
			nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE),
			nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN));
		nftnl_set_snprintf(buf, sizeof(buf), el, NFTNL_OUTPUT_DEFAULT,
				   0);
		g_string_append_printf(s, "%s\n", buf);
	}
	for (i = 0; i < rules->len; i++) {
		nftnl_rule_snprintf(buf, sizeof(buf),
				    g_ptr_array_index(rules, i),
				    NFTNL_OUTPUT_DEFAULT, 0);
		g_string_append_printf(s, "%s\n", buf);
	}
	return g_string_free(s, FALSE);
}

/**
 * test_golden_case1() - Golden bytecode of "198.51.100.2:80/tcp"
 */
static void test_golden_case1(void)
{
	g_autoptr(GArray) a = test_allows_case1();
	g_autofree char *text = test_print(a);

	test_golden("egress-case1", text);
}

/**
 * test_golden_mixed() - Golden bytecode of a list with every set kind
 */
static void test_golden_mixed(void)
{
	g_autoptr(GArray) a = test_allows_mixed();
	g_autofree char *text = test_print(a);

	test_golden("egress-mixed", text);
}

/**
 * test_sets() - Grouping, naming, merging, range formatting
 */
static void test_sets(void)
{
	static const char *const want[] = {
		"v4_any 10.0.0.0/7",	      "v4_tcp 198.51.100.7",
		"v4_tcp_53 192.0.2.53",	      "v4_udp_53 192.0.2.53",
		"v4_udp_1000_2000 0.0.0.0/0", "v6_any ::/0",
		"v6_tcp_53 2001:db8::53",     "v6_tcp_443 2001:db8::1",
		"v6_udp_53 2001:db8::53",
	};
	g_autoptr(GArray) a = test_allows_mixed();
	g_autoptr(GPtrArray) sets = lp_nft_egress_sets(a);
	char buf[2 * INET6_ADDRSTRLEN + 2];
	LpNftEgressSet parsed;
	guint i;

	g_assert_cmpuint(sets->len, ==, G_N_ELEMENTS(want));
	for (i = 0; i < sets->len; i++) {
		const LpNftEgressSet *set = g_ptr_array_index(sets, i);
		g_autofree char *line = NULL;

		g_assert_cmpuint(set->ranges->len, ==, 1);
		line = g_strdup_printf(
			"%s %s", set->name,
			lp_nft_egress_range_format(
				set->family,
				&g_array_index(set->ranges, LpNftEgressRange,
					       0),
				buf, sizeof(buf)));
		g_assert_cmpstr(line, ==, want[i]);
		g_assert_true(lp_nft_egress_set_name_parse(set->name, &parsed));
		g_assert_cmpint(parsed.family, ==, set->family);
		g_assert_cmpuint(parsed.proto, ==, set->proto);
		g_assert_cmpuint(parsed.port_first, ==, set->port_first);
		g_assert_cmpuint(parsed.port_last, ==, set->port_last);
	}
	g_assert_false(lp_nft_egress_set_name_parse("v4_tcp_0", &parsed));
	g_assert_false(lp_nft_egress_set_name_parse("v4_tcp_9_8", &parsed));
	g_assert_false(lp_nft_egress_set_name_parse("v5_any", &parsed));
	g_assert_false(lp_nft_egress_set_name_parse("v4_any_1", &parsed));
	g_assert_false(lp_nft_egress_set_name_parse("v4_udp_1_2x", &parsed));
	g_assert_false(lp_nft_egress_set_name_parse("leases", &parsed));
}

/**
 * test_run() - Run a program in our namespace
 * @out:	Standard output, or NULL
 * @argv:	Arguments
 *
 * Return: true if it exited 0
 */
static gboolean test_run(char **out, const char *const *argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *err = NULL, *ignored = NULL;
	int status;

	lp_test_assert_netns();
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL,
			  NULL, out ? out : &ignored, &err, &status, &error))
		g_error("cannot run %s: %s", argv[0], error->message);
	return g_spawn_check_wait_status(status, NULL);
}

static const char test_case1_text[] =
	"table inet lowport_egress {\n"
	"\tset v4_tcp_80 {\n"
	"\t\ttype ipv4_addr\n"
	"\t\tflags interval\n"
	"\t\telements = { 198.51.100.2 }\n"
	"\t}\n\n"
	"\tchain output {\n"
	"\t\ttype filter hook output priority filter; policy drop;\n"
	"\t\toif \"lo\" accept\n"
	"\t\tct state established,related accept\n"
	"\t\tip6 daddr fe80::/10 ip6 hoplimit 255 icmpv6 type 133-136 "
	"accept\n"
	"\t\tip6 daddr ff02::/16 ip6 hoplimit 255 icmpv6 type 133-136 "
	"accept\n"
	"\t\tip6 daddr ff02::16 icmpv6 type mld2-listener-report accept\n"
	"\t\tip daddr @v4_tcp_80 tcp dport 80 accept\n"
	"\t\tmeta l4proto tcp counter packets 0 bytes 0 reject with tcp "
	"reset\n"
	"\t\tcounter packets 0 bytes 0 reject with icmpx admin-prohibited\n"
	"\t}\n"
	"}\n";

/**
 * test_kernel_case1() - Apply "198.51.100.2:80/tcp": nft lists it as
 *			 docs/egress.md shows; applying again replaces it
 */
static void test_kernel_case1(void)
{
	static const char *const list[] = {TEST_NFT, "list",	       "table",
					   "inet",   "lowport_egress", NULL};
	g_autoptr(GArray) a = test_allows_case1();
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *out2 = NULL;

	lp_test_assert_netns();
	g_assert_true(lp_nft_egress_apply(a, &error));
	g_assert_no_error(error);
	g_assert_true(test_run(&out, list));
	g_assert_cmpstr(out, ==, test_case1_text);
	g_assert_true(lp_nft_egress_apply(a, &error));
	g_assert_no_error(error);
	g_assert_true(test_run(&out2, list));
	g_assert_cmpstr(out2, ==, test_case1_text);
}

/**
 * test_kernel_list() - What the kernel holds reads back as applied
 */
static void test_kernel_list(void)
{
	g_autoptr(GArray) a = test_allows_mixed();
	g_autoptr(GPtrArray) want = lp_nft_egress_sets(a);
	g_autoptr(LpNftEgressState) st = NULL;
	g_autoptr(GError) error = NULL;
	guint i, j;

	lp_test_assert_netns();
	g_assert_true(lp_nft_egress_apply(a, &error));
	g_assert_no_error(error);
	st = lp_nft_egress_list_read(&error);
	g_assert_no_error(error);
	g_assert_cmpuint(st->reject_rules, ==, 2);
	g_assert_cmpuint(st->rejected, ==, 0);
	g_assert_cmpuint(st->sets->len, ==, want->len);
	for (i = 0; i < want->len; i++) {
		const LpNftEgressSet *w = g_ptr_array_index(want, i);
		const LpNftEgressSet *got = NULL;

		for (j = 0; j < st->sets->len && !got; j++) {
			const LpNftEgressSet *s =
				g_ptr_array_index(st->sets, j);

			if (!strcmp(s->name, w->name))
				got = s;
		}
		g_assert_nonnull(got);
		g_assert_cmpuint(got->ranges->len, ==, w->ranges->len);
		g_assert_cmpmem(got->ranges->data,
				got->ranges->len * sizeof(LpNftEgressRange),
				w->ranges->data,
				w->ranges->len * sizeof(LpNftEgressRange));
	}
}

/**
 * test_kernel_none() - "none" (no sets) still makes a complete table;
 *			a missing table lists as ENOENT
 */
static void test_kernel_none(void)
{
	static const char *const del[] = {TEST_NFT, "delete",	      "table",
					  "inet",   "lowport_egress", NULL};
	g_autoptr(GArray) a =
		g_array_new(FALSE, TRUE, sizeof(LpNftEgressAllow));
	g_autoptr(LpNftEgressState) st = NULL;
	g_autoptr(GError) error = NULL;

	lp_test_assert_netns();
	g_assert_true(lp_nft_egress_apply(a, &error));
	g_assert_no_error(error);
	st = lp_nft_egress_list_read(&error);
	g_assert_no_error(error);
	g_assert_cmpuint(st->sets->len, ==, 0);
	g_assert_cmpuint(st->reject_rules, ==, 2);
	g_clear_pointer(&st, lp_nft_egress_list_free);

	g_assert_true(test_run(NULL, del));
	st = lp_nft_egress_list_read(&error);
	g_assert_null(st);
	g_assert_error(error, LP_NFT_ERROR, ENOENT);
}

/**
 * test_connect() - Start a non-blocking TCP connect and wait a little
 * @addr:	Destination address
 * @port:	Destination port
 * @wait_ms:	How long to wait for an outcome
 *
 * Return: 0 if connected, -EINPROGRESS if still pending after @wait_ms,
 *	   or the negative errno the connection failed with
 */
static int test_connect(const char *addr, uint16_t port, int wait_ms)
{
	struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6,
				   .sin6_port = htons(port)};
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	bool v6 = strchr(addr, ':');
	lp_autofd int fd = -1;
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int err = 0;

	fd = socket(v6 ? AF_INET6 : AF_INET,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	if (v6)
		g_assert_cmpint(inet_pton(AF_INET6, addr, &sa6.sin6_addr), ==,
				1);
	else
		g_assert_cmpint(inet_pton(AF_INET, addr, &sa.sin_addr), ==, 1);
	if (!connect(fd, v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa,
		     v6 ? sizeof(sa6) : sizeof(sa)))
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
	if (poll(&pfd, 1, wait_ms) == 0)
		return -EINPROGRESS;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return -err;
}

/**
 * test_setup_dummy() - A veth pair routing the test prefixes nowhere
 */
static void test_setup_dummy(void)
{
	static const char *const cmds[][10] = {
		{TEST_IP, "link", "add", "lpeg0", "type", "veth", "peer",
		 "name", "lpeg1", NULL},
		{TEST_IP, "link", "set", "lpeg0", "up", NULL},
		{TEST_IP, "link", "set", "lpeg1", "up", NULL},
		{TEST_IP, "addr", "add", "192.0.2.1/24", "dev", "lpeg0", NULL},
		{TEST_IP, "addr", "add", "2001:db8:f::1/64", "dev", "lpeg0",
		 "nodad", NULL},
		{TEST_IP, "route", "add", "198.51.100.0/24", "dev", "lpeg0",
		 NULL},
		{TEST_IP, "route", "add", "2001:db8:e::/64", "dev", "lpeg0",
		 NULL},
	};
	static bool done;
	unsigned int i;

	if (done)
		return;
	for (i = 0; i < G_N_ELEMENTS(cmds); i++)
		g_assert_true(test_run(NULL, cmds[i]));
	done = true;
}

/**
 * test_kernel_traffic() - Allowed destinations pass, others are refused at
 *			   once, loopback works, the reject counter counts
 */
static void test_kernel_traffic(void)
{
	g_autoptr(GArray) a = test_allows_case1();
	g_autoptr(LpNftEgressState) st = NULL;
	g_autoptr(GError) error = NULL;
	struct sockaddr_in lo = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(lo);
	lp_autofd int srv = -1;
	gint64 t0;

	lp_test_assert_netns();
	test_setup_dummy();
	test_allow(a, "2001:db8:e::2", 128, IPPROTO_TCP, 443, 443);
	g_assert_true(lp_nft_egress_apply(a, &error));
	g_assert_no_error(error);

	/* allowed: passes the filter, then goes nowhere */
	g_assert_cmpint(test_connect("198.51.100.2", 80, 200), ==,
			-EINPROGRESS);
	g_assert_cmpint(test_connect("2001:db8:e::2", 443, 200), ==,
			-EINPROGRESS);
	/* refused at once: other address, other port, other family member */
	t0 = g_get_monotonic_time();
	g_assert_cmpint(test_connect("198.51.100.3", 80, 2000), ==,
			-ECONNREFUSED);
	g_assert_cmpint(test_connect("198.51.100.2", 81, 2000), ==,
			-ECONNREFUSED);
	g_assert_cmpint(test_connect("2001:db8:e::2", 80, 2000), ==,
			-ECONNREFUSED);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC);

	/* loopback: a listener on 127.0.0.1 accepts */
	srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(bind(srv, (struct sockaddr *)&lo, sizeof(lo)), ==, 0);
	g_assert_cmpint(listen(srv, 4), ==, 0);
	g_assert_cmpint(getsockname(srv, (struct sockaddr *)&lo, &len), ==, 0);
	g_assert_cmpint(test_connect("127.0.0.1", ntohs(lo.sin_port), 2000), ==,
			0);

	st = lp_nft_egress_list_read(&error);
	g_assert_no_error(error);
	g_assert_cmpuint(st->rejected, >=, 3);
}

/**
 * test_skip() - Report why the kernel tests cannot run
 * @data:	Reason
 */
static void test_skip(gconstpointer data)
{
	g_test_skip(data);
}

int main(int argc, char **argv)
{
	/* before GLib can start threads: unshare(CLONE_NEWUSER) needs one */
	const char *why = lp_test_enter_netns();

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nft-egress/sets", test_sets);
	g_test_add_func("/nft-egress/golden/case1", test_golden_case1);
	g_test_add_func("/nft-egress/golden/mixed", test_golden_mixed);
	if (why) {
		g_test_add_data_func("/nft-egress/kernel/skipped", why,
				     test_skip);
		return g_test_run();
	}
	g_test_add_func("/nft-egress/kernel/case1", test_kernel_case1);
	g_test_add_func("/nft-egress/kernel/list", test_kernel_list);
	g_test_add_func("/nft-egress/kernel/none", test_kernel_none);
	g_test_add_func("/nft-egress/kernel/traffic", test_kernel_traffic);
	return g_test_run();
}
