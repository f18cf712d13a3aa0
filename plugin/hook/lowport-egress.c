// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lowport-egress.c - OCI hook: egress allowlist from io.lowport.egress
 *
 * Usage (by the OCI runtime, contrib/hooks/lowport-egress.json.in):
 * the container's state on stdin, no arguments. Exit 0 when the table
 * is in place; otherwise one line on stderr and exit 1, and the runtime
 * does not start the container. See docs/egress.md and lowport-egress(8).
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "hook/hook.h"

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;

	setlocale(LC_ALL, "");
	if (argc > 1 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: lowport-egress < OCI-STATE\n"
		       "OCI createContainer hook: applies the container's "
		       "io.lowport.egress annotation.\n");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("lowport-egress %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (lp_hook_run(STDIN_FILENO, &error))
		return 0;
	fprintf(stderr, "lowport-egress: %s\n", error->message);
	return 1;
}
