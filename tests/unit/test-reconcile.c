// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-reconcile.c - reconciliation decisions: which rules match a lease,
 *		      which saved leases live, what start-up and repair do
 *
 * main() enters a fresh network namespace first (test-netns.c); start-up
 * and repair run against a real table inet lowport there, with real child
 * processes as the leases' owners. /usr/sbin/nft only plays the outsider
 * (deleting the table). If the namespace cannot be made, every test is
 * skipped.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "daemon/reconcile.h"
#include "daemon/state.h"
#include "netutils/pidfd.h"
#include "netutils/util.h"
#include "test-lease.h"
#include "test-netns.h"
#include "netutils/nft/nft-table.h"
#include "netutils/nft/nft-lease.h"

/**
 * test_nft_lease() - A kernel view of a lease from mappings
 * @id:		Lease ID
 * @uid:	Owner
 * @m:		Mappings
 * @n:		Number of @m
 *
 * Return: new LpNftLease
 */
static LpNftLease *test_nft_lease(const char *id, uid_t uid, const LpMapping *m,
				  unsigned int n)
{
	LpNftLease *k = lp_nft_lease_new(id, uid);

	g_array_append_vals(k->mappings, m, n);
	return k;
}

/**
 * test_same_rules() - Kernel rules match a lease port by port, whatever
 *		       the split into mappings
 */
static void test_same_rules(void)
{
	const LpMapping held[] = {
		lp_test_mapping(IPPROTO_TCP, "", 80, 30080, 2),
		lp_test_mapping(IPPROTO_UDP, "127.0.0.1", 53, 30053, 1),
	};
	const LpMapping families[] = {
		lp_test_mapping(IPPROTO_UDP, "127.0.0.1", 53, 30053, 1),
		lp_test_mapping(IPPROTO_TCP, "::", 80, 30080, 2),
		lp_test_mapping(IPPROTO_TCP, "0.0.0.0", 80, 30080, 2),
	};
	const LpMapping split[] = {
		lp_test_mapping(IPPROTO_TCP, "", 81, 30081, 1),
		lp_test_mapping(IPPROTO_TCP, "", 80, 30080, 1),
		lp_test_mapping(IPPROTO_UDP, "127.0.0.1", 53, 30053, 1),
	};
	const LpMapping other_backend[] = {
		lp_test_mapping(IPPROTO_TCP, "", 80, 30080, 1),
		lp_test_mapping(IPPROTO_TCP, "", 81, 30090, 1),
		lp_test_mapping(IPPROTO_UDP, "127.0.0.1", 53, 30053, 1),
	};
	const LpMapping v4_only[] = {
		lp_test_mapping(IPPROTO_TCP, "0.0.0.0", 80, 30080, 2),
		lp_test_mapping(IPPROTO_UDP, "127.0.0.1", 53, 30053, 1),
	};
	const LpMapping extra[] = {
		lp_test_mapping(IPPROTO_TCP, "", 80, 30080, 2),
		lp_test_mapping(IPPROTO_UDP, "127.0.0.1", 53, 30053, 2),
	};
	g_autoptr(LpLease) lease = lp_test_lease("l", 1000, getpid(), held, 2);
	g_autoptr(LpNftLease) k = NULL;

#define TEST_SAME(arr, uid, want)                                              \
	do {                                                                   \
		g_clear_pointer(&k, lp_nft_lease_free);                        \
		k = test_nft_lease("l", uid, arr, G_N_ELEMENTS(arr));          \
		g_assert_cmpint(lp_reconcile_same_rules(k, lease), ==, want);  \
	} while (0)
	TEST_SAME(held, 1000, true);
	TEST_SAME(families, 1000, true);
	TEST_SAME(split, 1000, true);
	TEST_SAME(held, 1001, false);
	TEST_SAME(other_backend, 1000, false);
	TEST_SAME(v4_only, 1000, false);
	TEST_SAME(extra, 1000, false);
#undef TEST_SAME
}

/**
 * test_split() - A saved lease lives only if its PID and start time do
 */
static void test_split(void)
{
	const LpMapping m[] = {lp_test_mapping(IPPROTO_TCP, "", 80, 30080, 1)};
	g_autoptr(GPtrArray) saved =
		g_ptr_array_new_with_free_func((GDestroyNotify)lp_lease_free);
	g_autoptr(GPtrArray) live =
		g_ptr_array_new_with_free_func((GDestroyNotify)lp_lease_free);
	g_autoptr(GPtrArray) dead =
		g_ptr_array_new_with_free_func((GDestroyNotify)lp_lease_free);
	pid_t alive = lp_test_child(), gone = lp_test_child();
	LpLease *a = lp_test_lease("alive", 1000, alive, m, 1);
	LpLease *reused = lp_test_lease("reused", 1000, alive, m, 1);
	LpLease *exited = lp_test_lease("exited", 1000, gone, m, 1);
	guint i;

	lp_test_reap(gone);
	reused->starttime++; /* same PID, another process */
	g_ptr_array_add(saved, a);
	g_ptr_array_add(saved, reused);
	g_ptr_array_add(saved, exited);
	for (i = 0; i < saved->len; i++) /* state files carry no pidfd */
		lp_closep(&((LpLease *)saved->pdata[i])->pidfd);

	lp_reconcile_split(saved, live, dead);
	g_assert_cmpuint(saved->len, ==, 0);
	g_assert_cmpuint(live->len, ==, 1);
	g_assert_true(live->pdata[0] == a);
	g_assert_cmpint(a->pidfd, >=, 0);
	g_assert_cmpuint(dead->len, ==, 2);
	g_assert_true(dead->pdata[0] == reused && dead->pdata[1] == exited);
	lp_test_reap(alive);
}

/**
 * test_ids() - Lease IDs in the kernel table, as "id,id"
 * @nft:	Engine
 *
 * Return: newly allocated sorted list, NULL if there is no table
 */
static char *test_ids(LpNft *nft)
{
	g_autoptr(GPtrArray) all = lp_nft_lease_list(nft, NULL);
	g_autoptr(GPtrArray) ids = g_ptr_array_new();
	guint i;

	if (!all)
		return NULL;
	for (i = 0; i < all->len; i++)
		g_ptr_array_add(ids, ((LpNftLease *)all->pdata[i])->id);
	g_ptr_array_sort(ids, (GCompareFunc)g_strcmp0);
	g_ptr_array_add(ids, NULL);
	return g_strjoinv(",", (char **)ids->pdata);
}

/**
 * test_save() - Write a lease's state file (no pidfd kept)
 * @dir:	State directory
 * @id:		Lease ID
 * @pid:	Its process
 * @m:		Its one mapping
 */
static void test_save(const char *dir, const char *id, pid_t pid, LpMapping m)
{
	g_autoptr(LpLease) lease = lp_test_lease(id, 1000, pid, &m, 1);
	g_autoptr(GError) error = NULL;

	g_assert_true(lp_state_save(dir, lease, &error));
	g_assert_no_error(error);
}

/**
 * test_file() - Does a lease's state file exist?
 * @dir:	State directory
 * @id:		Lease ID
 *
 * Return: true if so
 */
static bool test_file(const char *dir, const char *id)
{
	g_autofree char *name = g_strconcat(id, ".json", NULL);
	g_autofree char *path = g_build_filename(dir, "leases", name, NULL);

	return access(path, F_OK) == 0;
}

/**
 * test_start() - Start-up and repair: live leases kept, dead ones and
 *		  orphan rules gone, a deleted table rebuilt
 */
static void test_start(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("lp-test-rec-XXXXXX", &error);
	g_autofree char *leases = g_build_filename(dir, "leases", NULL);
	const LpMapping orphan_m[] = {
		lp_test_mapping(IPPROTO_TCP, "", 1025, 31025, 1)};
	g_autoptr(LpNftLease) orphan =
		test_nft_lease("orphan", 1000, orphan_m, 1);
	g_autoptr(LpNft) nft = NULL;
	LpRegistry *reg;
	pid_t alive = lp_test_child(), gone = lp_test_child();
	char *ids;

	lp_test_assert_netns();
	g_assert_true(lp_state_prepare(dir, &error));
	nft = lp_nft_new(LP_NFT_OWNER_NEVER, &error);
	g_assert_no_error(error);
	test_save(dir, "live", alive,
		  lp_test_mapping(IPPROTO_TCP, "", 80, 30080, 1));
	test_save(dir, "dead", gone,
		  lp_test_mapping(IPPROTO_UDP, "", 53, 30053, 1));
	lp_test_reap(gone);

	/* first start: no table yet */
	reg = lp_registry_new(nft, dir, &error);
	g_assert_true(lp_reconcile_start(reg, nft, dir, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(lp_registry_size(reg), ==, 1);
	g_assert_nonnull(lp_registry_lookup(reg, "live"));
	g_assert_true(test_file(dir, "live"));
	g_assert_false(test_file(dir, "dead"));
	g_assert_cmpstr(ids = test_ids(nft), ==, "live");
	g_free(ids);

	/* restart with an orphan lease in the table */
	lp_registry_free(reg);
	g_assert_true(lp_nft_lease_add(nft, orphan, &error));
	reg = lp_registry_new(nft, dir, &error);
	g_assert_true(lp_reconcile_start(reg, nft, dir, &error));
	g_assert_cmpuint(lp_registry_size(reg), ==, 1);
	g_assert_cmpstr(ids = test_ids(nft), ==, "live");
	g_free(ids);

	/* an outsider deletes the table: repair rebuilds it */
	g_assert_true(g_spawn_command_line_sync(
		"/usr/sbin/nft delete table inet lowport", NULL, NULL, NULL,
		&error));
	g_assert_false(lp_nft_table_present(nft, NULL));
	lp_reconcile_repair(reg, nft);
	g_assert_cmpstr(ids = test_ids(nft), ==, "live");
	g_free(ids);
	g_assert_cmpuint(lp_registry_size(reg), ==, 1);

	lp_registry_free(reg);
	lp_test_reap(alive);
	lp_state_remove(dir, "live", NULL);
	g_rmdir(leases);
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	/* before GLib can start threads: unshare(CLONE_NEWUSER) needs one */
	const char *why = lp_test_enter_netns();

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/reconcile/same-rules", test_same_rules);
	g_test_add_func("/reconcile/split", test_split);
	if (why) {
		g_test_add_data_func("/reconcile/start/skipped", why,
				     lp_test_skip);
		return g_test_run();
	}
	g_test_add_func("/reconcile/start", test_start);
	return g_test_run();
}
