// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-pasta-probe.c - which pasta binaries get their listener steered
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "shim/pasta-probe.h"

/**
 * probe_file() - Probe a temporary file holding @text
 * @text:	Contents
 *
 * Return: what lp_pasta_probe_steerable() says of it
 */
static bool probe_file(const char *text)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	bool ok;
	int fd = g_file_open_tmp("pasta-probe-XXXXXX", &path, &error);

	g_assert_no_error(error);
	g_assert_cmpint(write(fd, text, strlen(text)), ==,
			(ssize_t)strlen(text));
	close(fd);
	ok = lp_pasta_probe_steerable(path);
	g_unlink(path);
	return ok;
}

/**
 * test_messages() - A pasta with the forwarding rule table's messages
 *		     (2026_01_20 and later) is not steered; older ones are
 */
static void test_messages(void)
{
	/* passt 2025_05_03 (Debian trixie) has this one, and is steerable */
	g_assert_true(probe_file("\x7f"
				 "ELF..No rules to forward %s [%s]:%hu -> "
				 "[%s]:%hu.."));
	/* passt 0.0~git20261002 (Debian forky, sid) */
	g_assert_false(probe_file("..Missing forward rule..Incorrect rule "
				  "hint: %s:%hu does not match %s:%hu-%hu.."));
	g_assert_false(probe_file("..Missing forward rule.."));
	g_assert_false(probe_file("..Incorrect rule hint.."));
	g_assert_true(lp_pasta_probe_data("Incorrect rule", 14));
}

/**
 * test_unreadable() - Anything that cannot be read is not steered
 */
static void test_unreadable(void)
{
	g_assert_false(lp_pasta_probe_steerable("/nonexistent/pasta"));
	g_assert_false(lp_pasta_probe_steerable("/"));
	g_assert_false(lp_pasta_probe_steerable("/dev/null"));
	g_assert_false(probe_file(""));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pasta-probe/messages", test_messages);
	g_test_add_func("/pasta-probe/unreadable", test_unreadable);
	return g_test_run();
}
