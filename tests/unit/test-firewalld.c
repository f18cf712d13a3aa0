// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-firewalld.c - reading StrictForwardPorts from a firewalld.conf, and
 *		      telling "off" from "cannot be read"
 *
 * The unreadable case is real: a child drops to an unprivileged user (as
 * lowportd runs) and reads a file in a root-only directory, as
 * /etc/firewalld is on Fedora and SUSE. Without root it is skipped.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "daemon/firewalld.h"

/* An unprivileged user and group (nobody, nogroup on Debian) */
#define TEST_UNPRIV_ID 65534

/**
 * test_conf() - Write a firewalld.conf into a fresh 0750 directory
 * @text:	Its contents
 *
 * Return: path of the file (left to the system's tmp cleaning)
 */
static char *test_conf(const char *text)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir =
		g_dir_make_tmp("lp-test-firewalld-XXXXXX", &error);
	char *path;

	g_assert_no_error(error);
	g_assert_cmpint(g_chmod(dir, 0750), ==, 0);
	path = g_build_filename(dir, "firewalld.conf", NULL);
	g_assert_true(g_file_set_contents(path, text, -1, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g_chmod(path, 0644), ==, 0);
	return path;
}

/**
 * test_values() - yes is strict; no, unset and no file are not
 */
static void test_values(void)
{
	g_autofree char *yes = test_conf("# c\n  StrictForwardPorts=yes \n");
	g_autofree char *no = test_conf("StrictForwardPorts=no\n");
	g_autofree char *unset = test_conf("DefaultZone=public\n");
	g_autofree char *missing = g_strconcat(unset, ".missing", NULL);
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(lp_firewalld_conf_strict(yes, &error), ==, 1);
	g_assert_cmpint(lp_firewalld_conf_strict(no, &error), ==, 0);
	g_assert_cmpint(lp_firewalld_conf_strict(unset, &error), ==, 0);
	g_assert_cmpint(lp_firewalld_conf_strict(missing, &error), ==, 0);
	g_assert_no_error(error);
}

/**
 * test_unreadable() - Unreadable is "cannot be known", with the reason
 */
static void test_unreadable(void)
{
	g_autofree char *path = NULL;

	if (geteuid() != 0) {
		g_test_skip("needs root to drop to an unprivileged user");
		return;
	}
	if (g_test_subprocess()) {
		g_autoptr(GError) error = NULL;
		const char *p = g_getenv("LP_TEST_FIREWALLD_CONF");

		g_assert_cmpint(setresgid(TEST_UNPRIV_ID, TEST_UNPRIV_ID,
					  TEST_UNPRIV_ID),
				==, 0);
		g_assert_cmpint(setresuid(TEST_UNPRIV_ID, TEST_UNPRIV_ID,
					  TEST_UNPRIV_ID),
				==, 0);
		g_assert_cmpint(lp_firewalld_conf_strict(p, &error), ==, -1);
		g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_ACCES);
		g_assert_nonnull(strstr(error->message, "Permission denied"));
		return;
	}
	path = test_conf("StrictForwardPorts=yes\n");
	g_setenv("LP_TEST_FIREWALLD_CONF", path, TRUE);
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_test_trap_assert_passed();
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/firewalld/values", test_values);
	g_test_add_func("/firewalld/unreadable", test_unreadable);
	return g_test_run();
}
