// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-nft-lease.c - the lease engine against the real kernel, in a netns
 *
 * main() enters a fresh network namespace before anything else (as root
 * a plain one, otherwise inside a new user namespace); if it cannot, all
 * tests are skipped. Every test checks it still runs in that namespace
 * before touching nftables. /usr/sbin/nft is only used to look at the
 * result, or to play the outsider (flush, delete an element).
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft-rules.h"
#include "netutils/nft/nft-socket.h"
#include "netutils/nft/nft-lease.h"
#include "netutils/nft/nft-monitor.h"
#include "netutils/nft/nft-table.h"
#include "netutils/nft/nft.h"
#include "test-netns.h"
#include "netutils/util.h"

#define TEST_NFT "/usr/sbin/nft"

/**
 * test_nft() - Run nft with arguments, in our namespace
 * @out:	Standard output, or NULL
 * @...:	Arguments, NULL-terminated
 *
 * Return: true if nft exited 0
 */
static gboolean test_nft(char **out, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *err = NULL, *ignored = NULL;
	const char *arg;
	va_list ap;
	int status;

	lp_test_assert_netns();
	g_ptr_array_add(argv, (char *)TEST_NFT);
	va_start(ap, out);
	while ((arg = va_arg(ap, const char *)))
		g_ptr_array_add(argv, (char *)arg);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT,
			  NULL, NULL, out ? out : &ignored, &err, &status,
			  &error))
		g_error("cannot run nft: %s", error->message);
	return g_spawn_check_wait_status(status, NULL);
}

/**
 * test_reset() - Remove table inet lowport and anything else
 */
static void test_reset(void)
{
	test_nft(NULL, "flush", "ruleset", NULL);
	test_nft(NULL, "delete", "table", "inet", "lowport", NULL);
	g_assert_false(
		test_nft(NULL, "list", "table", "inet", "lowport", NULL));
}

/**
 * test_engine() - Open an engine and ensure the table, after a reset
 * @mode:	Owner mode
 *
 * Return: engine
 */
static LpNft *test_engine(LpNftOwnerMode mode)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpNft) nft = NULL;

	lp_test_assert_netns();
	test_reset();
	nft = lp_nft_new(mode, &error);
	g_assert_no_error(error);
	lp_nft_table_ensure(nft, &error);
	g_assert_no_error(error);
	return g_steal_pointer(&nft);
}

/**
 * test_map() - Append a mapping to a lease
 * @l:		Lease
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Host address for lp_addr_parse(), "" = every address
 * @host:	First host port
 * @backend:	First backend port
 * @range:	Ports
 */
static void test_map(LpNftLease *l, uint8_t proto, const char *addr,
		     uint16_t host, uint16_t backend, uint16_t range)
{
	LpMapping m = {.proto = proto,
		       .host_port = host,
		       .backend_port = backend,
		       .range = range};

	g_assert_cmpint(lp_addr_parse(addr, &m.addr), ==, 0);
	g_array_append_val(l->mappings, m);
}

/**
 * test_find() - Find a lease in a listing
 * @leases:	Listing
 * @id:		Lease ID
 *
 * Return: lease or NULL
 */
static LpNftLease *test_find(GPtrArray *leases, const char *id)
{
	unsigned int i;

	for (i = 0; i < leases->len; i++) {
		LpNftLease *l = leases->pdata[i];

		if (!strcmp(l->id, id))
			return l;
	}
	return NULL;
}

/**
 * test_assert_listed() - The kernel holds exactly @want, one mapping per
 *			  port (in any order)
 * @nft:	Engine
 * @want:	Lease as added
 */
static void test_assert_listed(LpNft *nft, const LpNftLease *want)
{
	g_autoptr(GPtrArray) leases = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree bool *used = NULL;
	unsigned int i, j, k, n = 0;
	LpNftLease *got;

	leases = lp_nft_lease_list(nft, &error);
	g_assert_no_error(error);
	got = test_find(leases, want->id);
	g_assert_nonnull(got);
	g_assert_cmpuint(got->uid, ==, want->uid);
	used = g_new0(bool, got->mappings->len);
	for (i = 0; i < want->mappings->len; i++) {
		const LpMapping *m =
			&g_array_index(want->mappings, LpMapping, i);

		for (j = 0; j < m->range; j++, n++) {
			for (k = 0; k < got->mappings->len; k++) {
				const LpMapping *g = &g_array_index(
					got->mappings, LpMapping, k);

				if (!used[k] && g->proto == m->proto &&
				    lp_addr_equal(&g->addr, &m->addr) &&
				    g->host_port == m->host_port + j &&
				    g->backend_port == m->backend_port + j &&
				    g->range == 1)
					break;
			}
			if (k == got->mappings->len)
				g_error("lease %s: port %u/%s not listed",
					want->id, m->host_port + j,
					lp_proto_name(m->proto));
			used[k] = true;
		}
	}
	g_assert_cmpuint(n, ==, got->mappings->len);
}

/**
 * test_count() - Number of leases listed
 * @nft:	Engine
 *
 * Return: count
 */
static unsigned int test_count(LpNft *nft)
{
	g_autoptr(GPtrArray) leases = NULL;
	g_autoptr(GError) error = NULL;

	leases = lp_nft_lease_list(nft, &error);
	g_assert_no_error(error);
	return leases->len;
}

/**
 * test_table_has() - Tell whether `nft list table inet lowport` shows @s
 * @s:		Text
 *
 * Return: true if the table is there and its listing contains @s
 */
static bool test_table_has(const char *s)
{
	g_autofree char *out = NULL;

	if (!test_nft(&out, "list", "table", "inet", "lowport", NULL))
		return false;
	return strstr(out, s) != NULL;
}

static const char test_skeleton_text[] =
	"table inet lowport {\n"
	"\tmap addr4 {\n"
	"\t\ttype ipv4_addr . inet_proto . inet_service : inet_service\n"
	"\t}\n\n"
	"\tmap addr6 {\n"
	"\t\ttype ipv6_addr . inet_proto . inet_service : inet_service\n"
	"\t}\n\n"
	"\tmap any {\n"
	"\t\ttype nf_proto . inet_proto . inet_service : inet_service\n"
	"\t}\n"
	"}\n";

/* The nat chains, as listed while a lease element exists */
static const char test_hook_leases[] =
	"\tchain leases {\n"
	"\t\tmeta nfproto ipv4 dnat ip to :ip daddr . meta l4proto . "
	"th dport map @addr4\n"
	"\t\tmeta nfproto ipv6 dnat ip6 to :ip6 daddr . meta l4proto . "
	"th dport map @addr6\n"
	"\t\tdnat to :meta nfproto . meta l4proto . th dport map @any\n"
	"\t}\n";
static const char test_hook_prerouting[] =
	"\tchain prerouting {\n"
	"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	"\t\tfib daddr type local jump leases\n"
	"\t}\n";
static const char test_hook_output[] =
	"\tchain output {\n"
	"\t\ttype nat hook output priority -100; policy accept;\n"
	"\t\tfib daddr type local jump leases\n"
	"\t}\n";

/**
 * test_no_nat_hook() - Assert the table has no nat chain and no nat
 *			expression, and the namespace none at all (a dnat
 *			expression alone, even in a chain no hook reaches,
 *			makes the kernel track connections)
 */
static void test_no_nat_hook(void)
{
	g_autofree char *out = NULL;

	g_assert_true(test_nft(&out, "list", "ruleset", NULL));
	g_assert_nonnull(strstr(out, "table inet lowport {"));
	g_assert_null(strstr(out, "hook"));
	g_assert_null(strstr(out, "type nat"));
	g_assert_null(strstr(out, "dnat"));
	g_assert_null(strstr(out, "chain"));
}

/**
 * test_nat_hooks() - Assert the nat chains exist: leases with its DNAT
 *		      rules, both base chains with one rule each
 */
static void test_nat_hooks(void)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) fib = NULL;

	g_assert_true(test_nft(&out, "list", "table", "inet", "lowport", NULL));
	g_assert_nonnull(strstr(out, test_hook_leases));
	g_assert_nonnull(strstr(out, test_hook_prerouting));
	g_assert_nonnull(strstr(out, test_hook_output));
	fib = g_strsplit(out, "fib daddr type local jump leases", -1);
	g_assert_cmpuint(g_strv_length(fib), ==, 3);
}

/* The layout of lowport before data maps: same names, verdict maps */
static const char test_old_layout[] =
	"table inet lowport {\n"
	"map addr4 { type ipv4_addr . inet_proto . inet_service : verdict; }\n"
	"map addr6 { type ipv6_addr . inet_proto . inet_service : verdict; }\n"
	"map any { type inet_proto . inet_service : verdict; }\n"
	"chain prerouting { type nat hook prerouting priority dstnat;\n"
	"  fib daddr type local jump leases; }\n"
	"chain output { type nat hook output priority -100;\n"
	"  fib daddr type local jump leases; }\n"
	"chain lease-old { tcp dport 80 dnat to :30080; }\n"
	"chain leases {\n"
	"  ip daddr . meta l4proto . th dport vmap @addr4\n"
	"  ip6 daddr . meta l4proto . th dport vmap @addr6\n"
	"  meta l4proto . th dport vmap @any; }\n"
	"}\n"
	"add element inet lowport any { tcp . 80 : jump lease-old }\n";

/**
 * test_skeleton() - ensure_table creates exactly the documented layout
 */
static void test_skeleton(void)
{
	g_autoptr(LpNft) nft = test_engine(LP_NFT_OWNER_NEVER);
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *again = NULL;

	g_assert_true(lp_nft_table_present(nft, &error));
	g_assert_false(lp_nft_owned(nft));
	g_assert_true(test_nft(&out, "list", "table", "inet", "lowport", NULL));
	g_assert_cmpstr(out, ==, test_skeleton_text);

	/* idempotent */
	g_assert_true(lp_nft_table_ensure(nft, &error));
	g_assert_no_error(error);
	g_assert_true(
		test_nft(&again, "list", "table", "inet", "lowport", NULL));
	g_assert_cmpstr(again, ==, test_skeleton_text);
	g_assert_cmpuint(test_count(nft), ==, 0);
}

/**
 * test_old_layout_replaced() - A table of the verdict map layout is rebuilt
 */
static void test_old_layout_replaced(void)
{
	g_autoptr(LpNft) nft = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;
	g_autofree char *path = NULL;
	int fd;

	lp_test_assert_netns();
	test_reset();
	fd = g_file_open_tmp("lowport-old-XXXXXX.nft", &path, &error);
	g_assert_no_error(error);
	close(fd);
	g_file_set_contents(path, test_old_layout, -1, &error);
	g_assert_no_error(error);
	g_assert_true(test_nft(NULL, "-f", path, NULL));
	g_unlink(path);
	g_assert_true(test_table_has("lease-old"));

	nft = lp_nft_new(LP_NFT_OWNER_NEVER, &error);
	g_assert_no_error(error);
	g_assert_true(lp_nft_table_ensure(nft, &error));
	g_assert_no_error(error);
	g_assert_true(test_nft(&out, "list", "table", "inet", "lowport", NULL));
	g_assert_cmpstr(out, ==, test_skeleton_text);
}

/**
 * test_roundtrip() - add, list, remove for every scope, both protocols
 */
static void test_roundtrip(void)
{
	g_autoptr(LpNft) nft = test_engine(LP_NFT_OWNER_NEVER);
	g_autoptr(LpNftLease) l = lp_nft_lease_new("rt1", 1000);
	g_autoptr(LpNftLease) l2 = lp_nft_lease_new("rt2", 1001);
	g_autoptr(GError) error = NULL;
	g_autofree char *any = NULL, *a4 = NULL, *a6 = NULL;

	test_map(l, IPPROTO_TCP, "", 80, 30080, 1);
	test_map(l, IPPROTO_UDP, "", 80, 30081, 1);
	test_map(l, IPPROTO_TCP, "192.0.2.10", 443, 30443, 1);
	test_map(l, IPPROTO_UDP, "2001:db8::1", 53, 30053, 1);
	test_map(l, IPPROTO_TCP, "0.0.0.0", 81, 30090, 1);
	test_map(l, IPPROTO_UDP, "::", 82, 30091, 1);
	/* both wildcards, different backends: stay two mappings */
	test_map(l, IPPROTO_TCP, "0.0.0.0", 83, 30092, 1);
	test_map(l, IPPROTO_TCP, "::", 83, 30093, 1);
	test_map(l, IPPROTO_TCP, "2001:db8::1", 500, 30500, 3);
	test_map(l, IPPROTO_UDP, "", 600, 30600, 2);
	g_assert_true(lp_nft_lease_add(nft, l, &error));
	g_assert_no_error(error);
	test_assert_listed(nft, l);

	/* the user's view */
	g_assert_true(
		test_nft(&any, "list", "map", "inet", "lowport", "any", NULL));
	g_assert_nonnull(strstr(any, "ipv4 . tcp . 80 comment "
				     "\"lease=rt1 uid=1000\" : 30080"));
	g_assert_nonnull(strstr(any, "ipv6 . tcp . 80 comment "
				     "\"lease=rt1 uid=1000\" : 30080"));
	g_assert_nonnull(strstr(any, "ipv4 . tcp . 81 comment "));
	g_assert_null(strstr(any, "ipv6 . tcp . 81 "));
	g_assert_nonnull(strstr(any, "ipv6 . udp . 82 comment "));
	g_assert_null(strstr(any, "ipv4 . udp . 82 "));
	g_assert_nonnull(strstr(any, "ipv6 . udp . 601 comment "
				     "\"lease=rt1 uid=1000\" : 30601"));
	g_assert_true(
		test_nft(&a4, "list", "map", "inet", "lowport", "addr4", NULL));
	g_assert_nonnull(strstr(a4, "192.0.2.10 . tcp . 443 comment "
				    "\"lease=rt1 uid=1000\" : 30443"));
	g_assert_true(
		test_nft(&a6, "list", "map", "inet", "lowport", "addr6", NULL));
	g_assert_nonnull(strstr(a6, "2001:db8::1 . udp . 53 comment "
				    "\"lease=rt1 uid=1000\" : 30053"));
	g_assert_nonnull(strstr(a6, "2001:db8::1 . tcp . 502 comment "
				    "\"lease=rt1 uid=1000\" : 30502"));

	test_map(l2, IPPROTO_TCP, "192.0.2.11", 443, 31443, 1);
	g_assert_true(lp_nft_lease_add(nft, l2, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(test_count(nft), ==, 2);

	g_assert_true(lp_nft_lease_remove(nft, l, &error));
	g_assert_no_error(error);
	g_assert_false(test_table_has("lease=rt1"));
	g_assert_cmpuint(test_count(nft), ==, 1);
	test_assert_listed(nft, l2);

	/* removing again: already gone is success */
	g_assert_true(lp_nft_lease_remove(nft, l, &error));
	g_assert_no_error(error);
}

/**
 * test_remove_half_gone() - Remove a lease an outsider partly deleted
 */
static void test_remove_half_gone(void)
{
	g_autoptr(LpNft) nft = test_engine(LP_NFT_OWNER_NEVER);
	g_autoptr(LpNftLease) l = lp_nft_lease_new("half", 1000);
	g_autoptr(LpNftLease) other = lp_nft_lease_new("other", 1002);
	g_autoptr(LpNftLease) by_id = lp_nft_lease_new("other", 0);
	g_autoptr(GError) error = NULL;

	test_map(l, IPPROTO_TCP, "", 80, 30080, 1);
	test_map(l, IPPROTO_TCP, "192.0.2.10", 443, 30443, 2);
	test_map(other, IPPROTO_UDP, "", 80, 30080, 1);
	test_map(other, IPPROTO_UDP, "::1", 53, 30053, 1);
	g_assert_true(lp_nft_lease_add(nft, l, &error));
	g_assert_true(lp_nft_lease_add(nft, other, &error));
	g_assert_no_error(error);
	g_assert_true(test_nft(NULL, "delete", "element", "inet", "lowport",
			       "any", "{ ipv4 . tcp . 80 }", NULL));

	g_assert_true(lp_nft_lease_remove(nft, l, &error));
	g_assert_no_error(error);
	g_assert_false(test_table_has("lease=half"));
	g_assert_cmpuint(test_count(nft), ==, 1);
	test_assert_listed(nft, other);

	/* removing by ID only: what the kernel holds for it goes */
	test_nat_hooks();
	g_assert_true(lp_nft_lease_remove(nft, by_id, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(test_count(nft), ==, 0);
	g_assert_false(test_table_has("lease="));
	test_no_nat_hook();

	/* the table itself gone: the lease is gone too */
	test_reset();
	g_assert_true(lp_nft_lease_remove(nft, l, &error));
	g_assert_no_error(error);
	g_assert_true(lp_nft_lease_remove(nft, by_id, &error));
	g_assert_no_error(error);
}

/**
 * test_batch_abort() - A taken key fails the whole batch, and says who
 */
static void test_batch_abort(void)
{
	g_autoptr(LpNft) nft = test_engine(LP_NFT_OWNER_NEVER);
	g_autoptr(LpNftLease) l = lp_nft_lease_new("dup", 1000);
	g_autoptr(LpNftLease) clash = lp_nft_lease_new("clash", 1003);
	g_autoptr(LpNftLease) twice = lp_nft_lease_new("twice", 1004);
	g_autoptr(GError) error = NULL;

	test_map(l, IPPROTO_TCP, "", 80, 30080, 1);
	g_assert_true(lp_nft_lease_add(nft, l, &error));
	g_assert_no_error(error);

	/* the same lease again */
	g_assert_false(lp_nft_lease_add(nft, l, &error));
	g_assert_error(error, LP_NFT_ERROR, EEXIST);
	g_assert_cmpstr(error->message, ==,
			"Cannot add lease dup: it is already installed (it "
			"holds 80/tcp on every IPv4 address)");
	g_clear_error(&error);

	/* port taken by another lease: its other ports do not land */
	test_map(clash, IPPROTO_TCP, "127.0.0.1", 81, 30082, 1);
	test_map(clash, IPPROTO_TCP, "::", 82, 30084, 1);
	test_map(clash, IPPROTO_TCP, "::", 80, 30083, 1);
	test_map(clash, IPPROTO_TCP, "::", 84, 30085, 1);
	g_assert_false(lp_nft_lease_add(nft, clash, &error));
	g_assert_error(error, LP_NFT_ERROR, EEXIST);
	g_assert_cmpstr(error->message, ==,
			"Cannot add lease clash: 80/tcp on every IPv6 address "
			"is already forwarded by lease dup (uid 1000)");
	g_clear_error(&error);
	g_assert_false(test_table_has("lease=clash"));
	g_assert_cmpuint(test_count(nft), ==, 1);
	test_assert_listed(nft, l);

	/* a lease that overlaps itself */
	test_map(twice, IPPROTO_UDP, "", 90, 30090, 1);
	test_map(twice, IPPROTO_UDP, "0.0.0.0", 90, 30091, 1);
	g_assert_false(lp_nft_lease_add(nft, twice, &error));
	g_assert_error(error, LP_NFT_ERROR, EEXIST);
	g_assert_cmpstr(error->message, ==,
			"Cannot add lease twice: it forwards 90/udp on every "
			"IPv4 address more than once");
	g_clear_error(&error);
	g_assert_false(test_table_has("lease=twice"));
}

/**
 * test_rebuild_after_flush() - An outside flush is repaired by rebuild
 */
static void test_rebuild_after_flush(void)
{
	g_autoptr(LpNft) nft = test_engine(LP_NFT_OWNER_NEVER);
	g_autoptr(GPtrArray) leases = g_ptr_array_new_with_free_func(
		(GDestroyNotify)lp_nft_lease_free);
	g_autoptr(LpNftLease) late = lp_nft_lease_new("late", 7);
	g_autoptr(GError) error = NULL;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		g_autofree char *id = g_strdup_printf("fl%u", i);
		LpNftLease *l = lp_nft_lease_new(id, 2000 + i);

		test_map(l, IPPROTO_TCP, "", 80 + i, 30080 + i, 1);
		test_map(l, IPPROTO_UDP, "::1", 80 + i, 30080 + i, 1);
		test_map(l, IPPROTO_UDP, "0.0.0.0", 70 + 2 * i, 30070 + 2 * i,
			 2);
		g_assert_true(lp_nft_lease_add(nft, l, &error));
		g_assert_no_error(error);
		g_ptr_array_add(leases, l);
	}
	g_assert_true(test_nft(NULL, "flush", "ruleset", NULL));
	g_assert_false(lp_nft_table_present(nft, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(test_count(nft), ==, 0);

	test_map(late, IPPROTO_TCP, "", 90, 30090, 1);
	g_assert_false(lp_nft_lease_add(nft, late, &error));
	g_assert_error(error, LP_NFT_ERROR, ENOENT);
	g_assert_nonnull(strstr(error->message, "table inet lowport is missing "
						"(was the ruleset flushed?)"));
	g_clear_error(&error);

	g_assert_true(lp_nft_table_rebuild(nft, leases, &error));
	g_assert_no_error(error);
	g_assert_false(lp_nft_owned(nft));
	g_assert_false(test_table_has("flags owner"));
	for (i = 0; i < leases->len; i++)
		test_assert_listed(nft, leases->pdata[i]);
	g_assert_cmpuint(test_count(nft), ==, 3);

	/* a missing skeleton piece is healed, leases kept */
	g_assert_true(test_nft(NULL, "flush", "chain", "inet", "lowport",
			       "leases", NULL));
	g_assert_true(lp_nft_table_ensure(nft, &error));
	g_assert_no_error(error);
	g_assert_true(test_table_has(
		"\t\tdnat to :meta nfproto . meta l4proto . th dport map @any\n"));
	for (i = 0; i < leases->len; i++)
		test_assert_listed(nft, leases->pdata[i]);

	/* a lost map: healed, the leases of the other maps kept */
	g_assert_true(test_nft(NULL, "flush", "chain", "inet", "lowport",
			       "leases", NULL));
	g_assert_true(test_nft(NULL, "delete", "map", "inet", "lowport",
			       "addr6", NULL));
	g_assert_true(lp_nft_table_ensure(nft, &error));
	g_assert_no_error(error);
	g_assert_true(test_table_has("\tmap addr6 {\n"));
	for (i = 0; i < leases->len; i++) {
		LpNftLease *l = leases->pdata[i];

		g_array_remove_index(l->mappings, 1); /* the one on ::1 */
		test_assert_listed(nft, l);
	}
}

/**
 * test_owner() - OWNER|PERSIST: survives flush and our exit, re-taken
 */
static void test_owner(void)
{
	g_autoptr(LpNft) nft = test_engine(LP_NFT_OWNER_AUTO);
	g_autoptr(LpNft) second = NULL;
	g_autoptr(LpNftLease) l = lp_nft_lease_new("own", 1000);
	g_autoptr(GError) error = NULL;

	g_assert_true(lp_nft_owned(nft));
	g_assert_true(test_table_has("\tflags owner\n"));
	test_map(l, IPPROTO_TCP, "", 80, 30080, 1);
	g_assert_true(lp_nft_lease_add(nft, l, &error));
	g_assert_no_error(error);

	/* outsiders can neither flush nor delete it */
	g_assert_true(test_nft(NULL, "flush", "ruleset", NULL));
	g_assert_false(
		test_nft(NULL, "delete", "table", "inet", "lowport", NULL));
	test_assert_listed(nft, l);

	/* a second engine is refused while we hold it */
	second = lp_nft_new(LP_NFT_OWNER_AUTO, &error);
	g_assert_no_error(error);
	g_assert_false(lp_nft_table_ensure(second, &error));
	g_assert_error(error, LP_NFT_ERROR, EPERM);
	g_assert_nonnull(strstr(error->message, "is another lowportd running"));
	g_clear_error(&error);
	g_clear_pointer(&second, lp_nft_free);

	/* PERSIST: closing our socket leaves the table, unowned */
	g_clear_pointer(&nft, lp_nft_free);
	g_assert_true(test_table_has("lease=own uid=1000"));
	g_assert_false(test_table_has("\tflags owner\n"));
	nft = lp_nft_new(LP_NFT_OWNER_AUTO, &error);
	g_assert_no_error(error);
	g_assert_true(lp_nft_table_ensure(nft, &error));
	g_assert_no_error(error);
	g_assert_true(lp_nft_owned(nft));
	test_assert_listed(nft, l);
	g_assert_false(
		test_nft(NULL, "delete", "table", "inet", "lowport", NULL));

	g_clear_pointer(&nft, lp_nft_free);
	g_assert_true(
		test_nft(NULL, "delete", "table", "inet", "lowport", NULL));
}

/**
 * test_foreign() - Drain the monitor
 * @mon:	Monitor
 *
 * Return: what lp_nft_monitor_read() reported
 */
static bool test_foreign(LpNftMonitor *mon)
{
	g_autoptr(GError) error = NULL;
	bool foreign = false;

	g_assert_true(lp_nft_monitor_read(mon, &foreign, &error));
	g_assert_no_error(error);
	return foreign;
}

/**
 * test_monitor() - Outside changes to our table are reported; ours and
 *		    those of other tables are not
 */
static void test_monitor(void)
{
	g_autoptr(LpNft) nft = test_engine(LP_NFT_OWNER_NEVER);
	g_autoptr(LpNftMonitor) mon = NULL;
	g_autoptr(LpNftLease) l = lp_nft_lease_new("mon", 1000);
	g_autoptr(GPtrArray) leases = g_ptr_array_new();
	g_autoptr(GError) error = NULL;

	mon = lp_nft_monitor_new(nft, &error);
	g_assert_no_error(error);
	g_assert_cmpint(lp_nft_monitor_fd(mon), >=, 0);
	g_assert_false(test_foreign(mon));

	/* other tables, even of the same name in another family */
	g_assert_true(test_nft(NULL, "add", "table", "inet", "x", NULL));
	g_assert_true(test_nft(NULL, "add", "chain", "inet", "x", "c", NULL));
	g_assert_true(test_nft(NULL, "add", "table", "ip", "lowport", NULL));
	g_assert_false(test_foreign(mon));

	/* our own changes */
	test_map(l, IPPROTO_TCP, "", 80, 30080, 1);
	g_assert_true(lp_nft_lease_add(nft, l, &error));
	g_assert_no_error(error);
	g_assert_false(test_foreign(mon));
	g_assert_true(lp_nft_lease_remove(nft, l, &error));
	g_assert_no_error(error);
	g_assert_false(test_foreign(mon));

	/* an outsider's element in our table */
	g_assert_true(test_nft(NULL, "add", "element", "inet", "lowport", "any",
			       "{ ipv4 . tcp . 81 : 30081 }", NULL));
	g_assert_true(test_foreign(mon));
	g_assert_false(test_foreign(mon));

	/* flush ruleset takes our unowned table along */
	g_assert_true(test_nft(NULL, "flush", "ruleset", NULL));
	g_assert_true(test_foreign(mon));

	/* rebuilding is ours again; deleting it is not */
	g_ptr_array_add(leases, l);
	g_assert_true(lp_nft_table_rebuild(nft, leases, &error));
	g_assert_no_error(error);
	g_assert_false(test_foreign(mon));
	g_assert_true(
		test_nft(NULL, "delete", "table", "inet", "lowport", NULL));
	g_assert_true(test_foreign(mon));
}

/**
 * test_monitor_pidns_child() - In a new PID namespace: own changes unseen
 *
 * Return: exit status, 0 if our lease add and remove were not foreign
 */
static int test_monitor_pidns_child(void)
{
	g_autoptr(LpNftLease) l = lp_nft_lease_new("pidns", 1000);
	g_autoptr(LpNftMonitor) mon = NULL;
	g_autoptr(LpNft) nft = NULL;
	bool foreign = true;

	if (getpid() != 1)
		return 2;
	nft = lp_nft_new(LP_NFT_OWNER_NEVER, NULL);
	if (!nft || !lp_nft_table_ensure(nft, NULL))
		return 3;
	mon = lp_nft_monitor_new(nft, NULL);
	if (!mon || !lp_nft_monitor_read(mon, &foreign, NULL))
		return 4;
	test_map(l, IPPROTO_TCP, "", 80, 30080, 1);
	if (!lp_nft_lease_add(nft, l, NULL) ||
	    !lp_nft_lease_remove(nft, l, NULL) ||
	    !lp_nft_monitor_read(mon, &foreign, NULL))
		return 5;
	return foreign ? 1 : 0;
}

/**
 * test_monitor_pidns() - Own transactions are recognised in a PID namespace
 *
 * The kernel names the committing process by its PID in the initial PID
 * namespace, which getpid() does not return in another one: the monitor
 * must go by the socket instead.
 */
static void test_monitor_pidns(void)
{
	int status = 0;
	pid_t pid, inner;

	lp_test_assert_netns();
	test_reset();
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (!pid) {
		if (unshare(CLONE_NEWPID) < 0)
			_exit(77);
		inner = fork();
		if (!inner)
			_exit(test_monitor_pidns_child());
		if (inner < 0 || waitpid(inner, &status, 0) != inner ||
		    !WIFEXITED(status))
			_exit(6);
		_exit(WEXITSTATUS(status));
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		g_test_skip("cannot make a PID namespace");
		return;
	}
	/* 1: own changes reported as foreign, 2-6: setup failed */
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

/**
 * test_probe_owned() - Open an engine (mode AUTO) and ensure the table
 *
 * Return: whether it took ownership, that is, found PERSIST
 */
static bool test_probe_owned(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpNft) nft = NULL;

	nft = lp_nft_new(LP_NFT_OWNER_AUTO, &error);
	g_assert_no_error(error);
	g_assert_true(lp_nft_table_ensure(nft, &error));
	g_assert_no_error(error);
	return lp_nft_owned(nft);
}

/**
 * test_orphan_table() - Create an unowned PERSIST table, as a lowportd
 *			 that exited leaves it
 * @name:	Table name, family inet
 */
static void test_orphan_table(const char *name)
{
	g_autoptr(NftnlTable) t = NULL;
	g_autoptr(LpNftBatch) b = NULL;
	g_autoptr(MnlSocket) nl = NULL;
	g_autoptr(GError) error = NULL;
	uint32_t seq = 1;

	lp_test_assert_netns();
	g_assert_cmpint(lp_nft_socket_open(&nl, 0), ==, 0);
	t = lp_nft_rules_table(NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	b = lp_nft_batch_new(&seq);
	lp_nft_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, t,
			   LP_NFT_HINT_NONE, "creating an orphan");
	g_assert_true(lp_nft_batch_commit(b, nl, &error));
	g_assert_no_error(error);
}

/**
 * test_probe_foreign_table() - The PERSIST probe leaves an existing table
 *				of its scratch name alone, and still works
 * @data:	Non-NULL: the table is an unowned PERSIST one
 */
static void test_probe_foreign_table(gconstpointer data)
{
	g_autofree char *before = NULL, *after = NULL, *tables = NULL;
	bool owned;

	lp_test_assert_netns();
	test_reset();
	owned = test_probe_owned();
	test_reset();
	if (data && !owned) {
		g_test_skip("the kernel has no table flag persist");
		return;
	}

	if (data)
		test_orphan_table("lowport-probe");
	else
		g_assert_true(test_nft(NULL, "add", "table", "inet",
				       "lowport-probe", NULL));
	/* "absent" is the chain the probe deletes to abort its batch */
	g_assert_true(test_nft(NULL, "add", "chain", "inet", "lowport-probe",
			       "absent", NULL));
	g_assert_true(test_nft(NULL, "add", "rule", "inet", "lowport-probe",
			       "absent", "tcp", "dport", "22", "counter",
			       NULL));
	g_assert_true(test_nft(NULL, "add", "set", "inet", "lowport-probe", "s",
			       "{ type ipv4_addr; }", NULL));
	g_assert_true(test_nft(&before, "-a", "list", "table", "inet",
			       "lowport-probe", NULL));

	g_assert_cmpint(test_probe_owned(), ==, owned);
	g_assert_true(test_nft(&after, "-a", "list", "table", "inet",
			       "lowport-probe", NULL));
	g_assert_cmpstr(after, ==, before);
	g_assert_true(test_nft(&tables, "list", "tables", NULL));
	g_assert_cmpstr(tables, ==,
			"table inet lowport-probe\ntable inet lowport\n");
	/* the orphan is still nobody's: an outsider may delete it */
	g_assert_true(test_nft(NULL, "delete", "table", "inet", "lowport-probe",
			       NULL));
	test_reset();
}

/**
 * test_sockaddr() - Fill a socket address
 * @addr:	Numeric IPv4 or IPv6 address
 * @port:	Port
 * @ss:		Output
 *
 * Return: address length; the family is in @ss
 */
static socklen_t test_sockaddr(const char *addr, uint16_t port,
			       struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return sizeof(*a4);
	}
	g_assert_cmpint(inet_pton(AF_INET6, addr, &a6->sin6_addr), ==, 1);
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(port);
	return sizeof(*a6);
}

/**
 * test_bound() - A socket bound to @addr:@port (TCP: listening)
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @addr:	Numeric address
 * @port:	Port
 *
 * Return: socket
 */
static int test_bound(int type, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = test_sockaddr(addr, port, &ss);
	int one = 1;
	int fd;

	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	g_assert_cmpint(bind(fd, (struct sockaddr *)&ss, len), ==, 0);
	if (type == SOCK_STREAM)
		g_assert_cmpint(listen(fd, 4), ==, 0);
	return fd;
}

/**
 * test_connect() - Connect to @addr:@port over TCP
 * @addr:	Numeric address
 * @port:	Port
 * @ret_fd:	Connected socket, -1 on failure
 *
 * Return: 0 on success, errno on failure
 */
static int test_connect(const char *addr, uint16_t port, int *ret_fd)
{
	struct sockaddr_storage ss;
	socklen_t len = test_sockaddr(addr, port, &ss);
	lp_autofd int fd = -1;

	*ret_fd = -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		return errno;
	*ret_fd = lp_steal_fd(&fd);
	return 0;
}

/**
 * test_tcp() - Tell whether a TCP connection to @addr:80 reaches @lfd
 * @addr:	Numeric address
 * @lfd:	Listener on the backend port
 *
 * Return: true if it arrived, false if refused
 */
static bool test_tcp(const char *addr, int lfd)
{
	lp_autofd int c = -1, a = -1;
	char buf[8] = "";
	int r;

	r = test_connect(addr, 80, &c);
	if (r == ECONNREFUSED)
		return false;
	g_assert_cmpint(r, ==, 0);
	a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	g_assert_cmpint(a, >=, 0);
	g_assert_cmpint(write(c, "ping", 4), ==, 4);
	g_assert_cmpint(read(a, buf, sizeof(buf)), ==, 4);
	g_assert_cmpstr(buf, ==, "ping");
	return true;
}

/**
 * test_udp() - Tell whether a datagram to @addr:80 reaches @bfd
 * @addr:	Numeric address
 * @bfd:	UDP socket bound to the backend port
 * @expect:	Whether it should: waits 2 s if so, else 200 ms (loopback
 *		delivers at once; a wrong arrival is still seen)
 *
 * Return: true if it arrived
 */
static bool test_udp(const char *addr, int bfd, bool expect)
{
	struct pollfd pfd = {.fd = bfd, .events = POLLIN};
	struct sockaddr_storage ss;
	socklen_t len = test_sockaddr(addr, 80, &ss);
	lp_autofd int c = -1;
	char buf[8] = "";

	c = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(c, >=, 0);
	g_assert_cmpint(sendto(c, "ping", 4, 0, (struct sockaddr *)&ss, len),
			==, 4);
	if (poll(&pfd, 1, expect ? 2000 : 200) != 1)
		return false;
	g_assert_cmpint(recv(bfd, buf, sizeof(buf), MSG_DONTWAIT), ==, 4);
	g_assert_cmpstr(buf, ==, "ping");
	return true;
}

/**
 * test_lease_one() - Add a one-port lease 80 -> 30080
 * @nft:	Engine
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Scope for lp_addr_parse(), "" = every address
 *
 * Return: the lease, caller removes and frees
 */
static LpNftLease *test_lease_one(LpNft *nft, uint8_t proto, const char *addr)
{
	LpNftLease *l = lp_nft_lease_new("web", 1000);
	g_autoptr(GError) error = NULL;

	test_map(l, proto, addr, 80, 30080, 1);
	g_assert_true(lp_nft_lease_add(nft, l, &error));
	g_assert_no_error(error);
	return l;
}

/**
 * test_lease_drop() - Remove and free a lease
 * @nft:	Engine
 * @l:		Lease
 */
static void test_lease_drop(LpNft *nft, LpNftLease *l)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(lp_nft_lease_remove(nft, l, &error));
	g_assert_no_error(error);
	lp_nft_lease_free(l);
}

/**
 * test_traffic_tcp() - TCP connections through each scope kind
 */
static void test_traffic_tcp(void)
{
	g_autoptr(LpNft) nft = test_engine(LP_NFT_OWNER_NEVER);
	lp_autofd int l4 = test_bound(SOCK_STREAM, "127.0.0.1", 30080);
	lp_autofd int l42 = test_bound(SOCK_STREAM, "127.0.0.2", 30080);
	lp_autofd int l6 = test_bound(SOCK_STREAM, "::1", 30080);
	LpNftLease *l;

	g_assert_false(test_tcp("127.0.0.1", l4));
	g_assert_false(test_tcp("::1", l6));

	l = test_lease_one(nft, IPPROTO_TCP, "");
	g_assert_true(test_tcp("127.0.0.1", l4));
	g_assert_true(test_tcp("127.0.0.2", l42));
	g_assert_true(test_tcp("::1", l6));
	test_lease_drop(nft, l);
	g_assert_false(test_tcp("127.0.0.1", l4));
	g_assert_false(test_tcp("::1", l6));

	l = test_lease_one(nft, IPPROTO_TCP, "0.0.0.0");
	g_assert_true(test_tcp("127.0.0.1", l4));
	g_assert_false(test_tcp("::1", l6));
	test_lease_drop(nft, l);

	l = test_lease_one(nft, IPPROTO_TCP, "::");
	g_assert_false(test_tcp("127.0.0.1", l4));
	g_assert_true(test_tcp("::1", l6));
	test_lease_drop(nft, l);

	l = test_lease_one(nft, IPPROTO_TCP, "127.0.0.1");
	g_assert_true(test_tcp("127.0.0.1", l4));
	g_assert_false(test_tcp("127.0.0.2", l42));
	g_assert_false(test_tcp("::1", l6));
	test_lease_drop(nft, l);

	l = test_lease_one(nft, IPPROTO_TCP, "::1");
	g_assert_false(test_tcp("127.0.0.1", l4));
	g_assert_true(test_tcp("::1", l6));
	test_lease_drop(nft, l);

	/* a UDP lease does not forward TCP */
	l = test_lease_one(nft, IPPROTO_UDP, "");
	g_assert_false(test_tcp("127.0.0.1", l4));
	test_lease_drop(nft, l);
}

/**
 * test_traffic_udp() - UDP datagrams through each scope kind
 */
static void test_traffic_udp(void)
{
	g_autoptr(LpNft) nft = test_engine(LP_NFT_OWNER_NEVER);
	lp_autofd int b4 = test_bound(SOCK_DGRAM, "127.0.0.1", 30080);
	lp_autofd int b6 = test_bound(SOCK_DGRAM, "::1", 30080);
	LpNftLease *l;

	g_assert_false(test_udp("127.0.0.1", b4, false));

	l = test_lease_one(nft, IPPROTO_UDP, "");
	g_assert_true(test_udp("127.0.0.1", b4, true));
	g_assert_true(test_udp("::1", b6, true));
	test_lease_drop(nft, l);
	g_assert_false(test_udp("127.0.0.1", b4, false));
	g_assert_false(test_udp("::1", b6, false));

	l = test_lease_one(nft, IPPROTO_UDP, "0.0.0.0");
	g_assert_true(test_udp("127.0.0.1", b4, true));
	g_assert_false(test_udp("::1", b6, false));
	test_lease_drop(nft, l);

	l = test_lease_one(nft, IPPROTO_UDP, "::1");
	g_assert_false(test_udp("127.0.0.1", b4, false));
	g_assert_true(test_udp("::1", b6, true));
	test_lease_drop(nft, l);

	l = test_lease_one(nft, IPPROTO_UDP, "127.0.0.1");
	g_assert_true(test_udp("127.0.0.1", b4, true));
	g_assert_false(test_udp("::1", b6, false));
	test_lease_drop(nft, l);

	/* a TCP lease does not forward UDP */
	l = test_lease_one(nft, IPPROTO_TCP, "");
	g_assert_false(test_udp("127.0.0.1", b4, false));
	test_lease_drop(nft, l);
}

/**
 * test_hooks() - The nat chains exist only while a lease element does
 * @data:	LpNftOwnerMode, as a pointer
 */
static void test_hooks(gconstpointer data)
{
	LpNftOwnerMode mode = GPOINTER_TO_INT(data);
	g_autoptr(LpNft) nft = test_engine(mode);
	g_autoptr(LpNft) again = NULL;
	g_autoptr(LpNftLease) udp = lp_nft_lease_new("dns", 1001);
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;
	lp_autofd int l4 = test_bound(SOCK_STREAM, "127.0.0.1", 30080);
	LpNftLease *l;

	/* started: maps only, no nat chain */
	test_no_nat_hook();
	g_assert_false(test_tcp("127.0.0.1", l4));

	/* the first lease brings the chains, and its traffic is DNATed */
	l = test_lease_one(nft, IPPROTO_TCP, "");
	test_nat_hooks();
	g_assert_true(test_tcp("127.0.0.1", l4));
	test_map(udp, IPPROTO_UDP, "", 53, 30053, 1);
	g_assert_true(lp_nft_lease_add(nft, udp, &error));
	g_assert_no_error(error);
	test_nat_hooks();

	/* a lease goes, another is left: chains stay */
	g_assert_true(lp_nft_lease_remove(nft, udp, &error));
	g_assert_no_error(error);
	test_nat_hooks();
	g_assert_true(test_tcp("127.0.0.1", l4));

	/* restart: a new engine adopts the table and removes the last lease */
	if (mode == LP_NFT_OWNER_AUTO)
		g_clear_pointer(&nft, lp_nft_free);
	again = lp_nft_new(mode, &error);
	g_assert_no_error(error);
	g_assert_true(lp_nft_table_ensure(again, &error));
	g_assert_no_error(error);
	test_nat_hooks();
	g_assert_true(test_tcp("127.0.0.1", l4));
	test_lease_drop(again, l);
	test_no_nat_hook();
	g_assert_false(test_tcp("127.0.0.1", l4));
	g_assert_true(test_nft(&out, "list", "table", "inet", "lowport", NULL));
	g_assert_null(strstr(out, "\tchain leases {\n"));

	/* a lost chain is healed while a lease needs it */
	l = test_lease_one(again, IPPROTO_TCP, "127.0.0.1");
	g_assert_true(test_nft(NULL, "delete", "chain", "inet", "lowport",
			       "output", NULL) == (mode != LP_NFT_OWNER_AUTO));
	g_assert_true(lp_nft_table_ensure(again, &error));
	g_assert_no_error(error);
	test_nat_hooks();
	g_assert_true(test_tcp("127.0.0.1", l4));
	test_lease_drop(again, l);
	test_no_nat_hook();

	/* chains without an element are removed by the check */
	if (mode == LP_NFT_OWNER_NEVER) {
		g_assert_true(test_nft(
			NULL, "add", "chain", "inet", "lowport", "output",
			"{ type nat hook output priority -100; }", NULL));
		g_assert_true(lp_nft_table_ensure(again, &error));
		g_assert_no_error(error);
		test_no_nat_hook();
	}

	/* a rebuild hooks only if it installs an element */
	g_assert_true(lp_nft_table_rebuild(again, NULL, &error));
	g_assert_no_error(error);
	test_no_nat_hook();
}

/**
 * test_many() - Rebuild with many leases, then add and remove one
 * @data:	Number of leases, as GUINT_TO_POINTER
 */
static void test_many(gconstpointer data)
{
	unsigned int n = GPOINTER_TO_UINT(data), i;
	g_autoptr(LpNft) nft = test_engine(LP_NFT_OWNER_AUTO);
	g_autoptr(GPtrArray) leases = g_ptr_array_new_with_free_func(
		(GDestroyNotify)lp_nft_lease_free);
	g_autoptr(LpNftLease) one = lp_nft_lease_new("extra", 1000);
	g_autoptr(GError) error = NULL;

	for (i = 0; i < n; i++) {
		g_autofree char *id = g_strdup_printf("m%u", i);
		LpNftLease *l = lp_nft_lease_new(id, 1000 + i % 7);
		char addr[32];

		/* spread over all three maps */
		g_snprintf(addr, sizeof(addr),
			   i % 3 == 1 ? "10.%u.%u.1" : "fd00::%u:%u", i / 250,
			   i % 250);
		test_map(l, IPPROTO_TCP, i % 3 ? addr : "", 1 + i % 60000,
			 1024 + i, 1);
		g_ptr_array_add(leases, l);
	}
	if (!lp_nft_table_rebuild(nft, leases, &error) && lp_test_rootless() &&
	    (g_error_matches(error, LP_NFT_ERROR, EMSGSIZE) ||
	     g_error_matches(error, LP_NFT_ERROR, ENOBUFS))) {
		/* no CAP_NET_ADMIN outside: socket buffers stay small */
		g_test_skip(error->message);
		return;
	}
	g_assert_no_error(error);
	g_assert_cmpuint(test_count(nft), ==, n);

	test_map(one, IPPROTO_UDP, "", 80, 30080, 1);
	g_assert_true(lp_nft_lease_add(nft, one, &error));
	g_assert_no_error(error);
	test_assert_listed(nft, one);
	g_assert_true(lp_nft_lease_remove(nft, one, &error));
	g_assert_no_error(error);
	g_assert_true(lp_nft_lease_remove(nft, leases->pdata[n / 2], &error));
	g_assert_no_error(error);
	g_assert_cmpuint(test_count(nft), ==, n - 1);
	test_assert_listed(nft, leases->pdata[n - 1]);
	test_assert_listed(nft, leases->pdata[n - 2]);
	test_assert_listed(nft, leases->pdata[n - 3]);
}

/**
 * test_skip() - Stand-in test when no network namespace could be made
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
	if (why) {
		g_test_add_data_func("/nft-lease/skipped", why, test_skip);
		return g_test_run();
	}
	g_test_add_func("/nft-lease/skeleton", test_skeleton);
	g_test_add_func("/nft-lease/old-layout-replaced",
			test_old_layout_replaced);
	g_test_add_func("/nft-lease/roundtrip", test_roundtrip);
	g_test_add_func("/nft-lease/remove-half-gone", test_remove_half_gone);
	g_test_add_func("/nft-lease/batch-abort", test_batch_abort);
	g_test_add_func("/nft-lease/rebuild-after-flush",
			test_rebuild_after_flush);
	g_test_add_func("/nft-lease/owner", test_owner);
	g_test_add_func("/nft-lease/monitor", test_monitor);
	g_test_add_func("/nft-lease/monitor-pidns", test_monitor_pidns);
	g_test_add_data_func("/nft-lease/probe-foreign-table/plain", NULL,
			     test_probe_foreign_table);
	g_test_add_data_func("/nft-lease/probe-foreign-table/orphan", "",
			     test_probe_foreign_table);
	g_test_add_func("/nft-lease/traffic-tcp", test_traffic_tcp);
	g_test_add_func("/nft-lease/traffic-udp", test_traffic_udp);
	g_test_add_data_func("/nft-lease/hooks/never",
			     GINT_TO_POINTER(LP_NFT_OWNER_NEVER), test_hooks);
	g_test_add_data_func("/nft-lease/hooks/auto",
			     GINT_TO_POINTER(LP_NFT_OWNER_AUTO), test_hooks);
	g_test_add_data_func("/nft-lease/many/2000", GUINT_TO_POINTER(2000),
			     test_many);
	g_test_add_data_func("/nft-lease/many/10000", GUINT_TO_POINTER(10000),
			     test_many);
	return g_test_run();
}
