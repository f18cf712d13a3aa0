// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-state.c - lease state files: format round trip, migration, refusals
 *
 * The legacy sample is the state file lowportd of e55ab00 wrote
 * (tests/integration/fixtures/upgrade-lease.json), the same one the upgrade
 * integration test starts from.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "daemon/state-format.h"
#include "daemon/state.h"
#include "test-lease.h"

/**
 * test_mappings_equal() - Assert two mapping arrays hold the same forwards
 * @a:	GArray of LpMapping
 * @b:	GArray of LpMapping
 */
static void test_mappings_equal(const GArray *a, const GArray *b)
{
	guint i;

	g_assert_cmpuint(a->len, ==, b->len);
	for (i = 0; i < a->len; i++) {
		const LpMapping *x = &g_array_index(a, LpMapping, i);
		const LpMapping *y = &g_array_index(b, LpMapping, i);

		g_assert_cmpint(x->proto, ==, y->proto);
		g_assert_true(lp_addr_equal(&x->addr, &y->addr));
		g_assert_cmpint(x->addr.any, ==, y->addr.any);
		g_assert_cmpuint(x->host_port, ==, y->host_port);
		g_assert_cmpuint(x->backend_port, ==, y->backend_port);
		g_assert_cmpuint(x->range, ==, y->range);
		g_assert_cmpuint(x->datapath, ==, y->datapath);
	}
}

/**
 * test_leases_equal() - Assert two leases record the same thing
 * @a:	Lease
 * @b:	Lease
 */
static void test_leases_equal(const LpLease *a, const LpLease *b)
{
	g_assert_cmpstr(a->id, ==, b->id);
	g_assert_cmpuint(a->uid, ==, b->uid);
	g_assert_cmpuint(a->gid, ==, b->gid);
	g_assert_cmpuint(a->groups->len, ==, b->groups->len);
	g_assert_cmpmem(a->groups->data, a->groups->len * sizeof(gid_t),
			b->groups->data, b->groups->len * sizeof(gid_t));
	g_assert_cmpint(a->pid, ==, b->pid);
	g_assert_cmpuint(a->starttime, ==, b->starttime);
	g_assert_cmpstr(a->netns, ==, b->netns);
	g_assert_cmpint(a->front, ==, b->front);
	g_assert_cmpint(a->created, ==, b->created);
	test_mappings_equal(a->mappings, b->mappings);
}

/**
 * test_sample() - A lease with every kind of address scope and a range
 *
 * Return: new lease (no pidfd)
 */
static LpLease *test_sample(void)
{
	LpLease *lease = lp_lease_new();
	const gid_t groups[] = {10, 4300};
	const LpMapping m[] = {
		lp_test_mapping(IPPROTO_TCP, "", 80, 30080, 1),
		lp_test_mapping(IPPROTO_TCP, "0.0.0.0", 443, 30443, 1),
		lp_test_mapping(IPPROTO_UDP, "::", 53, 30053, 1),
		lp_test_mapping(IPPROTO_TCP, "192.0.2.7", 1020, 31020, 11),
		lp_test_mapping(IPPROTO_UDP, "2001:db8::1", 123, 30123, 1),
	};

	g_strlcpy(lease->id, "0a1b2c3d4e5f", sizeof(lease->id));
	lease->uid = 4201;
	lease->gid = 4201;
	g_array_append_vals(lease->groups, groups, G_N_ELEMENTS(groups));
	lease->pid = 4242;
	lease->starttime = 123456789012;
	lease->netns = g_strdup("/run/user/4201/netns/netns-1");
	lease->front = LP_FRONT_ROOTLESSPORT;
	lease->created = 1796305993;
	g_array_append_vals(lease->mappings, m, G_N_ELEMENTS(m));
	return lease;
}

/**
 * test_round_trip() - What version 2 writes, it reads back unchanged
 */
static void test_round_trip(void)
{
	g_autoptr(LpLease) lease = test_sample();
	g_autoptr(LpLease) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = lp_state_format_encode(lease);
	g_autofree char *again = NULL;
	unsigned int version = 0;

	g_assert_true(g_str_has_prefix(
		text, "{\"format\":\"lowportd-lease\",\"version\":2,"));
	g_assert_nonnull(strstr(text, "\"address\":\"*\""));
	g_assert_nonnull(strstr(text, "\"front\":\"rootlessport\""));
	g_assert_null(strstr(text, "mappings"));
	g_assert_null(strstr(text, "host_port"));
	back = lp_state_format_decode(text, strlen(text), &version, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(version, ==, LP_STATE_FORMAT_VERSION);
	test_leases_equal(lease, back);
	again = lp_state_format_encode(back);
	g_assert_cmpstr(text, ==, again);
}

/**
 * test_legacy_text() - The state file of the previous release
 *
 * Return: its text
 */
static char *test_legacy_text(void)
{
	g_autofree char *path =
		g_test_build_filename(G_TEST_DIST, "integration", "fixtures",
				      "upgrade-lease.json", NULL);
	g_autoptr(GError) error = NULL;
	char *text = NULL;

	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	return text;
}

/**
 * test_check_legacy_lease() - Assert a lease is the one of the fixture
 * @lease:	Lease read from it (either version)
 */
static void test_check_legacy_lease(const LpLease *lease)
{
	const LpMapping want[] = {
		lp_test_mapping(IPPROTO_TCP, "", 80, 30080, 1),
		lp_test_mapping(IPPROTO_UDP, "127.0.0.1", 53, 30053, 1),
	};
	g_autoptr(GArray) w = g_array_new(FALSE, FALSE, sizeof(LpMapping));

	g_array_append_vals(w, want, G_N_ELEMENTS(want));
	g_assert_cmpstr(lease->id, ==, "878e5e051eaa");
	g_assert_cmpuint(lease->uid, ==, 4201);
	g_assert_cmpuint(lease->gid, ==, 4201);
	g_assert_cmpuint(lease->groups->len, ==, 0);
	g_assert_cmpint(lease->front, ==, LP_FRONT_PASTA);
	g_assert_cmpint(lease->pid, >, 0);
	g_assert_cmpint(lease->created, >, 0);
	test_mappings_equal(lease->mappings, w);
}

/**
 * test_legacy() - The previous release's file reads as version 1
 */
static void test_legacy(void)
{
	g_autofree char *text = test_legacy_text();
	g_autoptr(GError) error = NULL;
	g_autoptr(LpLease) lease = NULL;
	unsigned int version = 0;

	g_assert_null(strstr(text, "\"version\""));
	lease = lp_state_format_decode(text, strlen(text), &version, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(version, ==, LP_STATE_FORMAT_LEGACY);
	test_check_legacy_lease(lease);
}

/**
 * test_front() - "front" came without a version bump: a version 2 file
 * without it (written before fronts) reads as pasta, each front is kept,
 * and an unknown one is refused
 */
static void test_front(void)
{
	static const char *const names[] = {"pasta", "rootlessport", "pesto"};
	g_autoptr(LpLease) lease = test_sample();
	g_autofree char *text = lp_state_format_encode(lease);
	g_autofree char *old = NULL, *bad = NULL;
	g_autoptr(GRegex) re = g_regex_new("\"front\":\"[a-z]+\",", 0, 0, NULL);
	g_autoptr(LpLease) back = NULL;
	g_autoptr(GError) error = NULL;
	unsigned int version = 0, i;

	old = g_regex_replace_literal(re, text, -1, 0, "", 0, NULL);
	g_assert_null(strstr(old, "front"));
	back = lp_state_format_decode(old, strlen(old), &version, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(version, ==, 2);
	g_assert_cmpint(back->front, ==, LP_FRONT_PASTA);
	for (i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *member =
			g_strdup_printf("\"front\":\"%s\",", names[i]);
		g_autofree char *t = g_regex_replace_literal(re, text, -1, 0,
							     member, 0, NULL);
		g_autoptr(LpLease) l =
			lp_state_format_decode(t, strlen(t), NULL, &error);

		g_assert_no_error(error);
		g_assert_cmpint(l->front, ==, i);
	}
	bad = g_regex_replace_literal(re, text, -1, 0, "\"front\":\"slirp\",",
				      0, NULL);
	g_assert_null(lp_state_format_decode(bad, strlen(bad), NULL, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
	g_assert_cmpstr(error->message, ==, "'front' is not a known front");
}

/**
 * test_datapath() - "datapath" is written for steered forwards only, and an
 *		     older file without it reads as nat
 */
static void test_datapath(void)
{
	g_autoptr(LpLease) lease = test_sample();
	g_autoptr(LpLease) back = NULL, old = NULL, nat = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *plain = lp_state_format_encode(lease);
	g_autofree char *text = NULL, *explicit = NULL;
	guint i;

	g_assert_null(strstr(plain, "datapath"));
	old = lp_state_format_decode(plain, strlen(plain), NULL, &error);
	g_assert_no_error(error);
	for (i = 0; i < old->mappings->len; i++)
		g_assert_cmpuint(
			g_array_index(old->mappings, LpMapping, i).datapath, ==,
			LP_DATAPATH_NAT);

	g_array_index(lease->mappings, LpMapping, 3).datapath =
		LP_DATAPATH_STEER;
	text = lp_state_format_encode(lease);
	g_assert_nonnull(strstr(text, "\"count\":11,\"datapath\":\"steer\"}"));
	g_assert_null(strstr(strstr(text, "\"datapath\"") + 1, "\"datapath\""));
	back = lp_state_format_decode(text, strlen(text), NULL, &error);
	g_assert_no_error(error);
	test_leases_equal(lease, back);

	/* an explicit "nat" is accepted and reads as nat */
	explicit = g_strdup(text);
	memcpy(strstr(explicit, "\"steer\""), "\"nat\"  ", 7);
	nat = lp_state_format_decode(explicit, strlen(explicit), NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_array_index(nat->mappings, LpMapping, 3).datapath,
			 ==, LP_DATAPATH_NAT);
}

/**
 * test_new_dir() - A fresh state directory
 *
 * Return: its path (remove with test_rm_dir())
 */
static char *test_new_dir(void)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp("lp-test-state-XXXXXX", &error);

	g_assert_no_error(error);
	g_assert_true(lp_state_prepare(dir, &error));
	g_assert_no_error(error);
	return dir;
}

/**
 * test_rm_dir() - Remove a state directory of test_new_dir()
 * @dir:	Path
 */
static void test_rm_dir(const char *dir)
{
	g_autofree char *leases = g_build_filename(dir, "leases", NULL);
	g_autoptr(GDir) d = g_dir_open(leases, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(leases, name, NULL);

		g_unlink(p);
	}
	g_rmdir(leases);
	g_rmdir(dir);
}

/**
 * test_migrate() - Loading a version 1 file rewrites it in version 2
 */
static void test_migrate(void)
{
	g_autofree char *dir = test_new_dir();
	g_autofree char *text = test_legacy_text();
	g_autofree char *path =
		g_build_filename(dir, "leases", "878e5e051eaa.json", NULL);
	g_autofree char *now = NULL;
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(LpLease) reread = NULL;
	g_autoptr(GError) error = NULL;
	unsigned int version = 0;
	struct stat st;

	g_file_set_contents(path, text, -1, &error);
	g_assert_no_error(error);
	all = lp_state_load_all(dir, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, ==, 1);
	test_check_legacy_lease(all->pdata[0]);

	g_file_get_contents(path, &now, NULL, &error);
	g_assert_no_error(error);
	reread = lp_state_format_decode(now, strlen(now), &version, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(version, ==, LP_STATE_FORMAT_VERSION);
	test_leases_equal(all->pdata[0], reread);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	test_rm_dir(dir);
}

/**
 * test_save_remove() - Save writes a root-only file, remove deletes it
 */
static void test_save_remove(void)
{
	g_autofree char *dir = test_new_dir();
	g_autoptr(LpLease) lease = test_sample();
	g_autofree char *path =
		g_build_filename(dir, "leases", "0a1b2c3d4e5f.json", NULL);
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GError) error = NULL;
	struct stat st;

	g_assert_true(lp_state_save(dir, lease, &error));
	g_assert_no_error(error);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	all = lp_state_load_all(dir, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, ==, 1);
	test_leases_equal(lease, all->pdata[0]);
	g_assert_true(lp_state_remove(dir, lease->id, &error));
	g_assert_cmpint(access(path, F_OK), <, 0);
	g_assert_true(lp_state_remove(dir, lease->id, &error));
	g_assert_no_error(error);
	test_rm_dir(dir);
}

/**
 * test_bad_moved_aside() - An invalid file is moved to NAME.bad, others load
 */
static void test_bad_moved_aside(void)
{
	g_autofree char *dir = test_new_dir();
	g_autoptr(LpLease) lease = test_sample();
	g_autofree char *bad =
		g_build_filename(dir, "leases", "aaaaaaaaaaaa.json", NULL);
	g_autofree char *moved = g_strconcat(bad, ".bad", NULL);
	g_autofree char *text = lp_state_format_encode(lease);
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(lp_state_save(dir, lease, &error));
	/* a valid lease under another lease's file name */
	g_file_set_contents(bad, text, -1, &error);
	g_assert_no_error(error);
	g_test_expect_message(
		"lowportd", G_LOG_LEVEL_WARNING,
		"invalid lease file *does not match the file name");
	all = lp_state_load_all(dir, &error);
	g_test_assert_expected_messages();
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, ==, 1);
	g_assert_cmpint(access(bad, F_OK), <, 0);
	g_assert_cmpint(access(moved, F_OK), ==, 0);
	test_rm_dir(dir);
}

/* Files lp_state_format_decode() refuses, and what it says */
static const struct {
	const char *text;
	const char *message;
} test_refusals[] = {
	{"[]", "not a JSON object"},
	{"{\"format\":\"lowportd-lease\",\"version\":3}", "version 3 unknown"},
	{"{\"format\":\"other\",\"version\":2}", "'format' is not"},
	{"{\"version\":\"2\"}", "'version' missing or out of range"},
	{"{\"format\":\"lowportd-lease\",\"version\":2,\"id\":\"A!\","
	 "\"netns\":\"\"}",
	 "invalid lease id"},
	{"{\"id\":\"abc\",\"netns\":\"\",\"uid\":-1}",
	 "'uid' missing or out of range"},
	{"{\"id\":\"abc\",\"netns\":\"\",\"uid\":1,\"gid\":1,\"pid\":0}",
	 "'pid' missing or out of range"},
	{"{\"id\":\"abc\",\"netns\":\"\",\"uid\":1,\"gid\":1,\"pid\":1,"
	 "\"starttime\":1,\"created\":1,\"groups\":[\"wheel\"]}",
	 "groups[0] is not a gid"},
	{"{\"id\":\"abc\",\"netns\":\"\",\"uid\":1,\"gid\":1,\"pid\":1,"
	 "\"starttime\":1,\"created\":1,\"groups\":[],\"mappings\":[]}",
	 "0 mappings, expected 1-64"},
	{"{\"format\":\"lowportd-lease\",\"version\":2,\"id\":\"abc\","
	 "\"netns\":\"\",\"uid\":1,\"gid\":1,\"pid\":1,\"starttime\":1,"
	 "\"created\":1,\"groups\":[],\"forwards\":[{\"protocol\":\"tcp\","
	 "\"address\":\"\",\"port\":80,\"backend\":30080,\"count\":1}]}",
	 "'address' is not an address"},
	{"{\"format\":\"lowportd-lease\",\"version\":2,\"id\":\"abc\","
	 "\"netns\":\"\",\"uid\":1,\"gid\":1,\"pid\":1,\"starttime\":1,"
	 "\"created\":1,\"groups\":[],\"forwards\":[{\"protocol\":\"sctp\","
	 "\"address\":\"*\",\"port\":80,\"backend\":30080,\"count\":1}]}",
	 "'protocol' is not tcp or udp"},
	{"{\"format\":\"lowportd-lease\",\"version\":2,\"id\":\"abc\","
	 "\"netns\":\"\",\"uid\":1,\"gid\":1,\"pid\":1,\"starttime\":1,"
	 "\"created\":1,\"groups\":[],\"forwards\":[{\"protocol\":\"tcp\","
	 "\"address\":\"*\",\"port\":65535,\"backend\":30080,\"count\":2}]}",
	 "'count' runs past port 65535"},
	{"{\"format\":\"lowportd-lease\",\"version\":2,\"id\":\"abc\","
	 "\"netns\":\"\",\"uid\":1,\"gid\":1,\"pid\":1,\"starttime\":1,"
	 "\"created\":1,\"groups\":[],\"forwards\":[{\"protocol\":\"tcp\","
	 "\"address\":\"*\",\"port\":80,\"backend\":30080}]}",
	 "'count' missing or out of range"},
	{"{\"id\":\"abc\",\"netns\":\"\",\"uid\":1,\"gid\":1,\"pid\":1,"
	 "\"starttime\":1,\"created\":1,\"groups\":[],\"forwards\":[]}",
	 "'mappings' missing"},
	{"{\"format\":\"lowportd-lease\",\"version\":2,\"id\":\"abc\","
	 "\"netns\":\"\",\"uid\":1,\"gid\":1,\"pid\":1,\"starttime\":1,"
	 "\"created\":1,\"groups\":[],\"forwards\":[{\"protocol\":\"tcp\","
	 "\"address\":\"*\",\"port\":80,\"backend\":30080,\"count\":1,"
	 "\"datapath\":\"bpf\"}]}",
	 "'datapath' is not nat or steer"},
	{"{\"format\":\"lowportd-lease\",\"version\":2,\"id\":\"abc\","
	 "\"netns\":\"\",\"uid\":1,\"gid\":1,\"pid\":1,\"starttime\":1,"
	 "\"created\":1,\"groups\":[],\"forwards\":[{\"protocol\":\"tcp\","
	 "\"address\":\"*\",\"port\":80,\"backend\":30080,\"count\":1,"
	 "\"datapath\":1}]}",
	 "'datapath' missing or not a string"},
	{"{\"format\":\"lowportd-lease\",\"version\":2,\"id\":\"abc\","
	 "\"netns\":\"\",\"uid\":1,\"gid\":1,\"pid\":1,\"starttime\":1,"
	 "\"created\":1,\"groups\":[],\"forwards\":[{\"protocol\":\"udp\","
	 "\"address\":\"*\",\"port\":53,\"backend\":30053,\"count\":1,"
	 "\"datapath\":\"steer\"}]}",
	 "'datapath' steer on a UDP forward"},
};

/**
 * test_refused() - Invalid files are refused with a message naming why
 * @data:	Index into test_refusals
 */
static void test_refused(gconstpointer data)
{
	guint i = GPOINTER_TO_UINT(data);
	g_autoptr(GError) error = NULL;
	g_autoptr(LpLease) lease = lp_state_format_decode(
		test_refusals[i].text, strlen(test_refusals[i].text), NULL,
		&error);

	g_assert_null(lease);
	g_assert_nonnull(error);
	if (!strstr(error->message, test_refusals[i].message))
		g_error("%s: got \"%s\", want \"%s\"", test_refusals[i].text,
			error->message, test_refusals[i].message);
}

int main(int argc, char **argv)
{
	guint i;

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/state/round-trip", test_round_trip);
	g_test_add_func("/state/legacy", test_legacy);
	g_test_add_func("/state/front", test_front);
	g_test_add_func("/state/datapath", test_datapath);
	g_test_add_func("/state/migrate", test_migrate);
	g_test_add_func("/state/save-remove", test_save_remove);
	g_test_add_func("/state/bad-moved-aside", test_bad_moved_aside);
	for (i = 0; i < G_N_ELEMENTS(test_refusals); i++) {
		g_autofree char *name = g_strdup_printf("/state/refused/%u", i);

		g_test_add_data_func(name, GUINT_TO_POINTER(i), test_refused);
	}
	return g_test_run();
}
