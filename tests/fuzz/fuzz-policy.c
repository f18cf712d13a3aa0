// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-policy.c - libFuzzer target: load arbitrary bytes as lowport.conf
 *
 * Loading must never crash. If the bytes load, every query on a few fixed
 * peers and forwards must not crash either, and must answer consistently
 * (an error if and only if refused).
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "netutils/addr.h"
#include "netutils/mapping.h"
#include "netutils/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const gid_t fuzz_groups[] = {0, 1, 65534, 4242};

static const LpCred fuzz_creds[] = {
	{.uid = 0, .gid = 0},
	{.uid = 1, .gid = 1, .groups = fuzz_groups, .n_groups = 4},
	{.uid = 4242, .gid = 65534},
	{.uid = 65534, .gid = 4343, .groups = fuzz_groups + 3, .n_groups = 1},
};

static const char *const fuzz_addrs[] = {
	"", "0.0.0.0", "::", "192.0.2.10", "2001:db8::1", "::ffff:192.0.2.10",
};

static const uint16_t fuzz_ports[] = {0, 1, 80, 443, 1023, 65535};

/**
 * fuzz_check_cred() - Run every query for one peer
 * @p:	Loaded policy
 * @c:	Peer
 */
static void fuzz_check_cred(const LpPolicy *p, const LpCred *c)
{
	g_autofree char *d = lp_policy_describe(p, c);
	unsigned int a, i, proto;

	(void)lp_policy_max_forwards(p, c);
	for (a = 0; a < G_N_ELEMENTS(fuzz_addrs); a++) {
		LpAddr addr;

		if (lp_addr_parse(fuzz_addrs[a], &addr) < 0)
			abort();
		for (i = 0; i < G_N_ELEMENTS(fuzz_ports); i++) {
			for (proto = IPPROTO_TCP; proto <= IPPROTO_UDP;
			     proto += IPPROTO_UDP - IPPROTO_TCP) {
				g_autoptr(GError) error = NULL;
				bool r = lp_policy_check(p, c, proto, &addr,
							 fuzz_ports[i], &error);

				if (r == !!error)
					abort();
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpPolicy) p = NULL;
	const char *const *w;
	unsigned int i;

	p = lp_policy_load_data((const char *)data, size, &error);
	if (!p) {
		if (!error || !error->message)
			abort();
		return 0;
	}
	for (w = lp_policy_warnings(p); *w; w++)
		;
	(void)lp_policy_real_pasta(p);
	(void)lp_policy_table_owner(p);
	for (i = 0; i < G_N_ELEMENTS(fuzz_creds); i++)
		fuzz_check_cred(p, &fuzz_creds[i]);
	return 0;
}
