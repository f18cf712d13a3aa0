// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-registry.c - the lease registry: counting, overlap, reservations,
 *		     admission (and its roll-back) and end against the real
 *		     kernel, in a netns
 *
 * main() enters a fresh network namespace first (test-netns.c); the
 * reservation sockets bind real privileged ports there and the nftables
 * engine writes a real table inet lowport. If the namespace cannot be
 * made, every test is skipped.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "daemon/error.h"
#include "daemon/registry.h"
#include "daemon/reserve.h"
#include "netutils/util.h"
#include "test-lease.h"
#include "test-netns.h"
#include "netutils/nft/nft-lease.h"
#include "netutils/nft/nft-table.h"

/**
 * test_state_dir() - A fresh state directory with its leases/ folder
 *
 * Return: path (left to the system's tmp cleaning)
 */
static char *test_state_dir(void)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp("lp-test-registry-XXXXXX", &error);
	g_autofree char *leases = g_build_filename(dir, "leases", NULL);

	g_assert_no_error(error);
	g_assert_cmpint(g_mkdir(leases, 0700), ==, 0);
	return dir;
}

/**
 * test_bind_tcp4() - Try to bind TCP 127.0.0.1:@port
 * @port:	Port
 *
 * Return: socket (close it), or -errno
 */
static int test_bind_tcp4(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/**
 * test_table_ids() - Lease IDs the kernel table holds, as "id,id"
 * @nft:	Engine
 *
 * Return: newly allocated list, sorted
 */
static char *test_table_ids(LpNft *nft)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) all = lp_nft_lease_list(nft, &error);
	g_autoptr(GPtrArray) ids = g_ptr_array_new();
	guint i;

	g_assert_no_error(error);
	for (i = 0; i < all->len; i++)
		g_ptr_array_add(ids, ((LpNftLease *)all->pdata[i])->id);
	g_ptr_array_sort(ids, (GCompareFunc)g_strcmp0);
	g_ptr_array_add(ids, NULL);
	return g_strjoinv(",", (char **)ids->pdata);
}

/**
 * test_count_overlap() - Per-user counts, overlap answers, reservations
 */
static void test_count_overlap(void)
{
	g_autofree char *dir = test_state_dir();
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRegistry) reg = lp_registry_new(NULL, dir, &error);
	const LpMapping ma[] = {
		lp_test_mapping(IPPROTO_TCP, "", 80, 30080, 1),
		lp_test_mapping(IPPROTO_TCP, "127.0.0.1", 1020, 31020, 3),
	};
	const LpMapping mb[] = {lp_test_mapping(IPPROTO_UDP, "", 53, 30053, 1)};
	LpLease *a = lp_test_lease("aaaa", 1000, getpid(), ma, 2);
	LpLease *b = lp_test_lease("bbbb", 1001, getpid(), mb, 1);
	LpMapping q;
	uint16_t port = 0;
	uint64_t ino;
	guint i;

	lp_test_assert_netns();
	g_assert_no_error(error);
	lp_registry_adopt(reg, a);
	lp_registry_adopt(reg, b);
	g_assert_cmpuint(lp_registry_size(reg), ==, 2);
	g_assert_true(lp_registry_lookup(reg, "aaaa") == a);
	g_assert_null(lp_registry_lookup(reg, "cccc"));

	g_assert_cmpuint(lp_registry_count_ports(reg, 1000), ==, 4);
	g_assert_cmpuint(lp_registry_count_ports(reg, 1001), ==, 1);
	g_assert_cmpuint(lp_registry_count_ports(reg, 7), ==, 0);
	g_assert_cmpuint(lp_registry_count_leases(reg, 1000), ==, 1);
	g_assert_cmpuint(lp_registry_count_leases(reg, 7), ==, 0);

	q = lp_test_mapping(IPPROTO_TCP, "127.0.0.1", 80, 40000, 1);
	g_assert_true(lp_registry_find_overlap(reg, &q, &port) == a);
	g_assert_cmpuint(port, ==, 80);
	q = lp_test_mapping(IPPROTO_TCP, "", 1018, 40000, 5);
	g_assert_true(lp_registry_find_overlap(reg, &q, &port) == a);
	g_assert_cmpuint(port, ==, 1020);
	q = lp_test_mapping(IPPROTO_UDP, "0.0.0.0", 53, 40000, 1);
	g_assert_true(lp_registry_find_overlap(reg, &q, &port) == b);
	q = lp_test_mapping(IPPROTO_TCP, "", 53, 40000, 1);
	g_assert_null(lp_registry_find_overlap(reg, &q, &port));
	q = lp_test_mapping(IPPROTO_TCP, "192.0.2.1", 1020, 40000, 3);
	g_assert_null(lp_registry_find_overlap(reg, &q, &port));
	q = lp_test_mapping(IPPROTO_TCP, "::1", 81, 40000, 1);
	g_assert_null(lp_registry_find_overlap(reg, &q, &port));

	/* one reservation socket per port, and they really hold the ports */
	g_assert_cmpuint(a->reservations->len, ==, 4);
	for (i = 0; i < a->reservations->len; i++) {
		int fd = g_array_index(a->reservations, int, i);

		g_assert_cmpint(lp_reserve_inode(fd, &ino), ==, 0);
		g_assert_true(lp_registry_is_reservation(reg, ino));
	}
	g_assert_false(lp_registry_is_reservation(reg, 1));
	g_assert_cmpint(test_bind_tcp4(1021), ==, -EADDRINUSE);
}

/**
 * test_nft_open() - The nftables engine with an empty table, in our netns
 *
 * Return: engine
 */
static LpNft *test_nft_open(void)
{
	g_autoptr(GError) error = NULL;
	LpNft *nft;

	lp_test_assert_netns();
	nft = lp_nft_new(LP_NFT_OWNER_NEVER, &error);
	g_assert_no_error(error);
	g_assert_true(lp_nft_table_rebuild(nft, NULL, &error));
	g_assert_no_error(error);
	return nft;
}

/**
 * test_admit_end() - Admit makes a lease real, end undoes every step
 */
static void test_admit_end(void)
{
	g_autofree char *dir = test_state_dir();
	g_autofree char *file =
		g_build_filename(dir, "leases", "c0ffee.json", NULL);
	g_autoptr(LpNft) nft = test_nft_open();
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRegistry) reg = lp_registry_new(nft, dir, &error);
	const LpMapping m[] = {
		lp_test_mapping(IPPROTO_TCP, "127.0.0.1", 80, 30080, 2)};
	pid_t child = lp_test_child();
	LpLease *lease = lp_test_lease("c0ffee", 1000, child, m, 1);
	g_autofree char *ids = NULL;
	int fd;

	g_assert_true(lp_registry_admit(reg, lease, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(lp_registry_size(reg), ==, 1);
	g_assert_cmpint(access(file, F_OK), ==, 0);
	ids = test_table_ids(nft);
	g_assert_cmpstr(ids, ==, "c0ffee");
	g_assert_cmpint(test_bind_tcp4(81), ==, -EADDRINUSE);

	lp_registry_end(reg, lease, "test");
	g_assert_cmpuint(lp_registry_size(reg), ==, 0);
	g_assert_cmpint(access(file, F_OK), <, 0);
	g_free(ids);
	ids = test_table_ids(nft);
	g_assert_cmpstr(ids, ==, "");
	fd = test_bind_tcp4(81);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	lp_test_reap(child);
}

/**
 * test_admit_refused() - A port held by a host socket: nothing changes
 */
static void test_admit_refused(void)
{
	g_autofree char *dir = test_state_dir();
	g_autofree char *file =
		g_build_filename(dir, "leases", "beef.json", NULL);
	g_autoptr(LpNft) nft = test_nft_open();
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRegistry) reg = lp_registry_new(nft, dir, &error);
	const LpMapping m[] = {
		lp_test_mapping(IPPROTO_TCP, "127.0.0.1", 80, 30080, 3)};
	g_autoptr(LpLease) lease = lp_test_lease("beef", 1000, getpid(), m, 1);
	lp_autofd int host = test_bind_tcp4(82);
	g_autofree char *ids = NULL;
	int fd;

	g_assert_cmpint(host, >=, 0);
	g_assert_false(lp_registry_admit(reg, lease, &error));
	g_assert_error(error, LP_DAEMON_ERROR, LP_ERR_PORT_IN_USE);
	g_assert_cmpstr(error->message, ==,
			"port 82/tcp on 127.0.0.1 is already in use by a "
			"host socket");
	g_assert_cmpuint(lp_registry_size(reg), ==, 0);
	g_assert_cmpint(access(file, F_OK), <, 0);
	ids = test_table_ids(nft);
	g_assert_cmpstr(ids, ==, "");
	/* the ports reserved before the failure are free again */
	g_assert_cmpuint(lease->reservations->len, ==, 0);
	fd = test_bind_tcp4(80);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
}

/**
 * test_admit_unwatched() - A process the registry cannot watch: the lease
 *			     is refused and nothing of it stays
 *
 * Its descriptor is a directory, which epoll refuses (EPERM) as it would a
 * pidfd it cannot take; admitted anyway, the lease would never end.
 */
static void test_admit_unwatched(void)
{
	g_autofree char *dir = test_state_dir();
	g_autofree char *file =
		g_build_filename(dir, "leases", "f00d.json", NULL);
	g_autoptr(LpNft) nft = test_nft_open();
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRegistry) reg = lp_registry_new(nft, dir, &error);
	const LpMapping m[] = {
		lp_test_mapping(IPPROTO_TCP, "127.0.0.1", 80, 30080, 1)};
	g_autoptr(LpLease) lease = lp_test_lease("f00d", 1000, getpid(), m, 1);
	g_autofree char *ids = NULL;
	g_autofree char *want = NULL;
	int fd;

	close(lease->pidfd);
	lease->pidfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g_assert_cmpint(lease->pidfd, >=, 0);
	g_assert_false(lp_registry_admit(reg, lease, &error));
	g_assert_error(error, LP_DAEMON_ERROR, LP_ERR_INTERNAL);
	want = g_strdup_printf("cannot watch process %d: %s", (int)getpid(),
			       g_strerror(EPERM));
	g_assert_cmpstr(error->message, ==, want);
	g_assert_cmpuint(lp_registry_size(reg), ==, 0);
	g_assert_cmpint(access(file, F_OK), <, 0);
	ids = test_table_ids(nft);
	g_assert_cmpstr(ids, ==, "");
	g_assert_cmpuint(lease->reservations->len, ==, 0);
	fd = test_bind_tcp4(80);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
}

/**
 * test_on_timeout() - Flag that the wait is over
 * @data:	bool to set
 *
 * Return: G_SOURCE_REMOVE
 */
static gboolean test_on_timeout(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/**
 * test_process_exit() - The lease ends when its process exits
 */
static void test_process_exit(void)
{
	g_autofree char *dir = test_state_dir();
	g_autoptr(LpNft) nft = test_nft_open();
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRegistry) reg = lp_registry_new(nft, dir, &error);
	const LpMapping m[] = {lp_test_mapping(IPPROTO_UDP, "", 53, 30053, 1)};
	pid_t child = lp_test_child();
	g_autofree char *ids = NULL;
	bool late = false;
	guint timer;

	g_assert_true(lp_registry_admit(
		reg, lp_test_lease("dead", 1000, child, m, 1), &error));
	g_assert_no_error(error);
	lp_test_reap(child);
	timer = g_timeout_add(2000, test_on_timeout, &late);
	while (lp_registry_size(reg) && !late)
		g_main_context_iteration(NULL, TRUE);
	g_assert_false(late);
	g_source_remove(timer);
	ids = test_table_ids(nft);
	g_assert_cmpstr(ids, ==, "");
}

int main(int argc, char **argv)
{
	/* before GLib can start threads: unshare(CLONE_NEWUSER) needs one */
	const char *why = lp_test_enter_netns();

	g_test_init(&argc, &argv, NULL);
	if (why) {
		g_test_add_data_func("/registry/skipped", why, lp_test_skip);
		return g_test_run();
	}
	g_test_add_func("/registry/count-overlap", test_count_overlap);
	g_test_add_func("/registry/admit-end", test_admit_end);
	g_test_add_func("/registry/admit-refused", test_admit_refused);
	g_test_add_func("/registry/admit-unwatched", test_admit_unwatched);
	g_test_add_func("/registry/process-exit", test_process_exit);
	return g_test_run();
}
