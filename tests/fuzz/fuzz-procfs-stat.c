// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-procfs-stat.c - fuzz the /proc/PID/stat parser
 *
 * Copyright lowport authors
 *
 * Input: the contents of a stat file (up to the first NUL). Properties
 * checked: it parses or says -EIO; a parsed state is a letter and a parsed
 * parent a non-negative PID; what comes before the last ')' (the command
 * name, which a process chooses) never changes the result.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "netutils/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * fuzz_check() - Abort with a message if a property fails
 * @ok:		Property holds
 * @what:	What was checked
 */
static void fuzz_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz-procfs-stat: %s\n", what);
		abort();
	}
}

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	Input
 * @size:	Bytes of @data
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *buf = g_strndup((const char *)data, size);
	g_autofree char *other = NULL;
	LpProcStat st = {0}, st2 = {0};
	const char *paren;
	int r, r2;

	r = lp_procfs_parse_stat(buf, &st);
	fuzz_check(r == 0 || r == -EIO, "result is 0 or -EIO");
	if (r == 0) {
		fuzz_check(g_ascii_isalpha(st.state), "state is a letter");
		fuzz_check(st.ppid >= 0, "parent is not negative");
	}
	paren = strrchr(buf, ')');
	if (!paren)
		return 0;
	other = g_strconcat("1 (x) y)", paren + 1, NULL);
	r2 = lp_procfs_parse_stat(other, &st2);
	fuzz_check(r2 == r, "command name changes the result");
	fuzz_check(r || (st.state == st2.state && st.ppid == st2.ppid &&
			 st.starttime == st2.starttime),
		   "command name changes the fields");
	return 0;
}
