// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-hook-oci.c - fuzz the egress hook's reading of config.json
 *
 * Copyright lowport authors
 *
 * Input: a config.json text. Properties checked: an error has a one-line
 * message; a parsed config gives a network namespace that is joined only
 * if it exists, a capability refusal naming CAP_NET_ADMIN or
 * CAP_SYS_ADMIN, and a resolv.conf that is the file of a root file system
 * exactly when no bind mount was found.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "hook/hook-oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * fuzz_check() - Abort with a message if a property fails
 * @ok:		Property holds
 * @what:	What was checked
 */
static void fuzz_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz-hook-oci: %s\n", what);
		abort();
	}
}

/**
 * LLVMFuzzerTestOneInput() - Parse one config.json, check the facts
 * @data:	Input
 * @size:	Its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(LpHookOci) oci = g_new0(LpHookOci, 1);
	g_autoptr(GError) error = NULL;

	oci->id = g_strdup("fuzz");
	oci->bundle = g_strdup("/bundle");
	if (!lp_hook_oci_parse_config(oci, (const char *)data, size, &error)) {
		fuzz_check(error && *error->message &&
				   !strchr(error->message, '\n'),
			   "error is not one line");
		return 0;
	}
	fuzz_check(!error, "error set on success");
	fuzz_check(!oci->joins_netns || oci->own_netns,
		   "joins a namespace it does not have");
	fuzz_check(
		!oci->power_cap ||
			g_str_has_prefix(oci->power_cap, "CAP_NET_ADMIN in ") ||
			g_str_has_prefix(oci->power_cap, "CAP_SYS_ADMIN in "),
		"capability refusal");
	fuzz_check(!oci->rootfs ||
			   (oci->resolv_conf &&
			    g_str_has_prefix(oci->resolv_conf, oci->rootfs)),
		   "resolv.conf outside the root file system");
	return 0;
}
