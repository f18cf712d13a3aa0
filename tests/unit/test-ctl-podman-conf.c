// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-ctl-podman-conf.c - lowportctl check's reading of containers.conf:
 * file order, the two keys, the forwarder, the helper Podman picks
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "ctl/ctl-podman-conf.h"

/**
 * put() - Write a file under a directory, creating its parents
 * @root:	Directory
 * @rel:	Path below it
 * @text:	Contents
 * @mode:	File mode
 */
static void put(const char *root, const char *rel, const char *text, int mode)
{
	g_autofree char *p = g_build_filename(root, rel, NULL);
	g_autofree char *dir = g_path_get_dirname(p);
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_file_set_contents(p, text, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(chmod(p, mode), ==, 0);
}

/**
 * rm_tree() - Remove a directory tree of the test
 * @path:	Directory
 */
static void rm_tree(const char *path)
{
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(path, name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			rm_tree(p);
		else
			g_unlink(p);
	}
	g_rmdir(path);
}

/**
 * rel() - A path relative to the test's root, for comparisons
 * @root:	Root
 * @path:	Path under it
 *
 * Return: @path without @root and its '/'
 */
static const char *rel(const char *root, const char *path)
{
	g_assert_true(g_str_has_prefix(path, root));
	return path + strlen(root) + 1;
}

/**
 * test_order() - Files in containers-config(5) order, drop-ins by name,
 * only *.conf, the per-UID directory only for that UID
 */
static void test_order(void)
{
	g_autofree char *root = g_dir_make_tmp("lp-pconf-XXXXXX", NULL);
	g_autofree char *share = g_build_filename(root, "share", NULL);
	g_autofree char *etc = g_build_filename(root, "etc", NULL);
	g_autofree char *user = g_build_filename(root, "user", NULL);
	static const char *const want[] = {
		"share/containers.conf",
		"share/containers.conf.d/10-a.conf",
		"share/containers.rootless.conf.d/x.conf",
		"etc/containers.conf",
		"etc/containers.conf.d/05-z.conf",
		"etc/containers.conf.d/50-lowport.conf",
		"etc/containers.rootless.conf.d/4201/me.conf",
		"user/containers.conf",
		"user/containers.conf.d/pesto.conf",
	};
	g_autoptr(GPtrArray) files = NULL;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(want); i++)
		put(root, want[i], "", 0644);
	put(root, "etc/containers.conf.d/README", "", 0644);
	put(root, "etc/containers.rootless.conf.d/4202/other.conf", "", 0644);
	files = lp_ctl_podman_conf_files(share, etc, user, 4201);
	g_assert_cmpuint(files->len, ==, G_N_ELEMENTS(want));
	for (i = 0; i < files->len; i++)
		g_assert_cmpstr(rel(root, files->pdata[i]), ==, want[i]);
	g_ptr_array_unref(files);
	/* root reads no rootless drop-ins */
	files = lp_ctl_podman_conf_files(share, etc, NULL, 0);
	g_assert_cmpuint(files->len, ==, 5);
	rm_tree(root);
}

/**
 * test_forwarder() - rootless_port_forwarder: default rootlessport, the
 * last file wins, pesto only on Podman 6, comments and other tables
 */
static void test_forwarder(void)
{
	g_autofree char *root = g_dir_make_tmp("lp-pconf-XXXXXX", NULL);
	g_autofree char *share = g_build_filename(root, "share", NULL);
	g_autofree char *etc = g_build_filename(root, "etc", NULL);
	g_autofree char *user = g_build_filename(root, "user", NULL);
	g_autoptr(GPtrArray) files = NULL;
	g_auto(LpCtlPodmanConf) conf = {0};
	g_autoptr(GError) error = NULL;

	put(root, "share/containers.conf",
	    "[network]\n# rootless_port_forwarder = \"pasta\"\n", 0644);
	files = lp_ctl_podman_conf_files(share, etc, user, 4201);
	g_assert_true(lp_ctl_podman_conf_load(&conf, files, &error));
	g_assert_null(conf.forwarder);
	g_assert_cmpstr(lp_ctl_podman_conf_bridge(&conf, 6), ==,
			"rootlessport");
	g_ptr_array_unref(files);
	lp_ctl_podman_conf_clear(&conf);

	put(root, "etc/containers.conf",
	    "[engine]\nrootless_port_forwarder = \"pasta\"\n" /* wrong table */
	    "[network]\nrootless_port_forwarder = \"rootlessport\" # default\n",
	    0644);
	put(root, "user/containers.conf.d/50-fwd.conf",
	    "[network]\n  rootless_port_forwarder='pasta'\n", 0644);
	files = lp_ctl_podman_conf_files(share, etc, user, 4201);
	g_assert_true(lp_ctl_podman_conf_load(&conf, files, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(conf.forwarder, ==, "pasta");
	g_assert_cmpstr(rel(root, conf.forwarder_file), ==,
			"user/containers.conf.d/50-fwd.conf");
	g_assert_cmpstr(lp_ctl_podman_conf_bridge(&conf, 6), ==, "pesto");
	g_assert_cmpstr(lp_ctl_podman_conf_bridge(&conf, 0), ==, "pesto");
	/* Podman 5 does not know the key */
	g_assert_cmpstr(lp_ctl_podman_conf_bridge(&conf, 5), ==,
			"rootlessport");
	lp_ctl_podman_conf_clear(&conf);

	/* a bad value of a key we read is an error naming the file */
	g_assert_false(lp_ctl_podman_conf_parse(
		&conf, "x.conf", "[network]\nrootless_port_forwarder = pasta\n",
		&error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
	g_assert_cmpstr(error->message, ==,
			"x.conf: [network] rootless_port_forwarder is not a "
			"string");
	rm_tree(root);
}

/**
 * test_dirs() - helper_binaries_dir: replaced by later files, appended to
 * with {append=true}, over several lines; the helper picked is the first
 * directory holding it, pasta also from $PATH
 */
static void test_dirs(void)
{
	g_autofree char *root = g_dir_make_tmp("lp-pconf-XXXXXX", NULL);
	g_auto(LpCtlPodmanConf) conf = {0};
	g_autoptr(GError) error = NULL;
	g_autofree char *conf1 = NULL, *conf2 = NULL, *conf3 = NULL;
	g_autofree char *pick = NULL, *bin = NULL;

	conf1 = g_strdup_printf(
		"[engine]\nhelper_binaries_dir = [\"%s/podman\"]"
		"\n",
		root);
	conf2 = g_strdup_printf("[engine]\n"
				"helper_binaries_dir = [\n"
				"  \"%s/lowport\", # the shims\n"
				"  \"%s/podman\",\n"
				"]\n[network]\nx = [1, [2]]\n",
				root, root);
	conf3 = g_strdup_printf("[engine]\nhelper_binaries_dir = "
				"[\"%s/extra\", {append=true}]\n",
				root);
	g_assert_true(lp_ctl_podman_conf_parse(&conf, "1.conf", conf1, &error));
	g_assert_cmpuint(conf.dirs->len, ==, 1);
	g_assert_true(lp_ctl_podman_conf_parse(&conf, "2.conf", conf2, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(conf.dirs->len, ==, 2);
	g_assert_true(lp_ctl_podman_conf_parse(&conf, "3.conf", conf3, &error));
	g_assert_cmpuint(conf.dirs->len, ==, 3);
	g_assert_cmpstr(rel(root, conf.dirs->pdata[0]), ==, "lowport");
	g_assert_cmpstr(rel(root, conf.dirs->pdata[2]), ==, "extra");
	g_assert_cmpstr(conf.dirs_file, ==, "3.conf");

	put(root, "podman/rootlessport", "#!/bin/sh\n", 0755);
	put(root, "podman/pesto", "#!/bin/sh\n", 0755);
	put(root, "lowport/pesto", "#!/bin/sh\n", 0755);
	put(root, "lowport/rootlessport", "not executable\n", 0644);
	pick = lp_ctl_podman_conf_pick(&conf, "pesto", NULL);
	g_assert_cmpstr(rel(root, pick), ==, "lowport/pesto");
	g_clear_pointer(&pick, g_free);
	pick = lp_ctl_podman_conf_pick(&conf, "rootlessport", NULL);
	g_assert_cmpstr(rel(root, pick), ==, "podman/rootlessport");
	g_clear_pointer(&pick, g_free);
	/* pasta: not in the directories; $PATH only when asked */
	g_assert_null(lp_ctl_podman_conf_pick(&conf, "pasta", NULL));
	put(root, "bin/pasta", "#!/bin/sh\n", 0755);
	bin = g_strdup_printf("::%s/nowhere:%s/bin", root, root);
	pick = lp_ctl_podman_conf_pick(&conf, "pasta", bin);
	g_assert_cmpstr(rel(root, pick), ==, "bin/pasta");

	g_assert_false(lp_ctl_podman_conf_parse(
		&conf, "4.conf", "[engine]\nhelper_binaries_dir = \"/x\"\n",
		&error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
	g_assert_cmpstr(error->message, ==,
			"4.conf: [engine] helper_binaries_dir is not a list "
			"of directories");
	rm_tree(root);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ctl/podman-conf/order", test_order);
	g_test_add_func("/ctl/podman-conf/forwarder", test_forwarder);
	g_test_add_func("/ctl/podman-conf/dirs", test_dirs);
	return g_test_run();
}
