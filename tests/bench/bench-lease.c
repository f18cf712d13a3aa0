// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-lease.c - lease add/remove latency and forwarded connection rate
 *		   with 1, 1,000 and 10,000 leases in place
 *
 * Runs in a network namespace of its own (real nftables, loopback only).
 * For each table size it times adding and removing one more lease (p50,
 * p99 over a fixed count) and the rate of TCP connections through a
 * forward (median of three runs), then prints every figure as a ratio to
 * the one-lease run.
 * Nothing here asserts a time: it reports.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/nft/nft-lease.h"
#include "netutils/nft/nft-table.h"
#include "netutils/nft/nft.h"
#include "test-netns.h"
#include "netutils/util.h"

#define BENCH_ROUNDS	   300
#define BENCH_CONNS	   3000
#define BENCH_HOST_PORT	   80
#define BENCH_BACKEND_PORT 30080

typedef struct {
	unsigned int leases;
	double rebuild_ms;
	double add_p50, add_p99, del_p50, del_p99;
	double conns_per_s;
} BenchRow;

/**
 * bench_lease() - One lease forwarding one port on every address
 * @id:		Lease ID
 * @port:	Host port
 * @backend:	Backend port
 *
 * Return: new lease
 */
static LpNftLease *bench_lease(const char *id, uint16_t port, uint16_t backend)
{
	LpNftLease *l = lp_nft_lease_new(id, 1000);
	LpMapping m = {.proto = IPPROTO_TCP,
		       .addr = LP_ADDR_ALL,
		       .host_port = port,
		       .backend_port = backend,
		       .range = 1};

	g_array_append_val(l->mappings, m);
	return l;
}

/**
 * bench_cmp() - qsort comparison of doubles
 * @a:	First
 * @b:	Second
 *
 * Return: <0, 0, >0
 */
static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/**
 * bench_pct() - Percentile of a sample (sorts it)
 * @v:		Samples
 * @n:		Count
 * @pct:	Percentile, 0-100
 *
 * Return: the value
 */
static double bench_pct(double *v, size_t n, double pct)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return v[(size_t)((n - 1) * pct / 100.0)];
}

/**
 * bench_add_remove() - Time adding and removing one more lease
 * @nft:	Engine
 * @row:	Gets the percentiles
 */
static void bench_add_remove(LpNft *nft, BenchRow *row)
{
	g_autoptr(LpNftLease) l = bench_lease("bench", 8080, 38080);
	double add[BENCH_ROUNDS], del[BENCH_ROUNDS];
	g_autoptr(GError) error = NULL;
	int i;

	for (i = 0; i < BENCH_ROUNDS; i++) {
		gint64 t0 = g_get_monotonic_time(), t1;

		if (!lp_nft_lease_add(nft, l, &error))
			g_error("add: %s", error->message);
		t1 = g_get_monotonic_time();
		if (!lp_nft_lease_remove(nft, l, &error))
			g_error("remove: %s", error->message);
		add[i] = (t1 - t0) / 1000.0;
		del[i] = (g_get_monotonic_time() - t1) / 1000.0;
	}
	row->add_p50 = bench_pct(add, BENCH_ROUNDS, 50);
	row->add_p99 = bench_pct(add, BENCH_ROUNDS, 99);
	row->del_p50 = bench_pct(del, BENCH_ROUNDS, 50);
	row->del_p99 = bench_pct(del, BENCH_ROUNDS, 99);
}

/**
 * bench_conns() - Connections per second to 127.0.0.1:80 through a lease
 * @nft:	Engine
 *
 * Return: rate
 */
static double bench_conns(LpNft *nft)
{
	g_autoptr(LpNftLease) l =
		bench_lease("conn", BENCH_HOST_PORT, BENCH_BACKEND_PORT);
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons(BENCH_HOST_PORT),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_in be = to;
	g_autoptr(GError) error = NULL;
	lp_autofd int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct linger lin = {.l_onoff = 1, .l_linger = 0};
	int one = 1, i;
	gint64 t0;

	be.sin_port = htons(BENCH_BACKEND_PORT);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&be, sizeof(be)) < 0 ||
	    listen(lfd, 64) < 0)
		g_error("backend listener: %s", g_strerror(errno));
	if (!lp_nft_lease_add(nft, l, &error))
		g_error("add: %s", error->message);
	t0 = g_get_monotonic_time();
	for (i = 0; i < BENCH_CONNS; i++) {
		lp_autofd int c =
			socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		lp_autofd int a = -1;

		/* close with RST: no TIME_WAIT piles up across table sizes */
		setsockopt(c, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
		if (connect(c, (struct sockaddr *)&to, sizeof(to)) < 0)
			g_error("connect through the forward: %s",
				g_strerror(errno));
		a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (a < 0)
			g_error("accept: %s", g_strerror(errno));
	}
	t0 = g_get_monotonic_time() - t0;
	if (!lp_nft_lease_remove(nft, l, &error))
		g_error("remove: %s", error->message);
	return BENCH_CONNS / (t0 / 1e6);
}

/**
 * bench_run() - All measurements with @n leases in the table
 * @nft:	Engine
 * @n:		Number of leases to hold
 * @row:	Results
 */
static void bench_run(LpNft *nft, unsigned int n, BenchRow *row)
{
	g_autoptr(GPtrArray) leases = g_ptr_array_new_with_free_func(
		(GDestroyNotify)lp_nft_lease_free);
	g_autoptr(GError) error = NULL;
	unsigned int i;
	gint64 t0;

	for (i = 0; i < n; i++) {
		char id[LP_LEASE_ID_MAX + 1];

		g_snprintf(id, sizeof(id), "b%06u", i);
		g_ptr_array_add(leases, bench_lease(id, 10000 + i, 40000));
	}
	t0 = g_get_monotonic_time();
	if (!lp_nft_table_rebuild(nft, leases, &error))
		g_error("rebuild with %u leases: %s", n, error->message);
	row->leases = n;
	row->rebuild_ms = (g_get_monotonic_time() - t0) / 1000.0;
	bench_add_remove(nft, row);
	{
		double r[3] = {bench_conns(nft), bench_conns(nft),
			       bench_conns(nft)};

		row->conns_per_s = bench_pct(r, 3, 50);
	}
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = {1, 1000, 10000};
	BenchRow rows[G_N_ELEMENTS(sizes)];
	g_autoptr(GError) error = NULL;
	g_autoptr(LpNft) nft = NULL;
	const char *why = lp_test_enter_netns();
	size_t i;

	if (why) {
		printf("bench-lease: skipped: %s\n", why);
		return 77;
	}
	lp_test_assert_netns();
	nft = lp_nft_new(LP_NFT_OWNER_NEVER, &error);
	if (!nft || !lp_nft_table_ensure(nft, &error))
		g_error("%s", error->message);
	for (i = 0; i < G_N_ELEMENTS(sizes); i++)
		bench_run(nft, sizes[i], &rows[i]);

	printf("%-8s %11s %9s %9s %9s %9s %10s\n", "leases", "rebuild ms",
	       "add p50", "add p99", "del p50", "del p99", "conn/s");
	for (i = 0; i < G_N_ELEMENTS(sizes); i++)
		printf("%-8u %11.2f %9.3f %9.3f %9.3f %9.3f %10.0f\n",
		       rows[i].leases, rows[i].rebuild_ms, rows[i].add_p50,
		       rows[i].add_p99, rows[i].del_p50, rows[i].del_p99,
		       rows[i].conns_per_s);
	printf("ratios to 1 lease (same run):\n");
	for (i = 1; i < G_N_ELEMENTS(sizes); i++)
		printf("  %5u leases: add p50 x%.2f, remove p50 x%.2f, conn/s x%.3f\n",
		       rows[i].leases, rows[i].add_p50 / rows[0].add_p50,
		       rows[i].del_p50 / rows[0].del_p50,
		       rows[i].conns_per_s / rows[0].conns_per_s);
	return 0;
}
