/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hook-dns.h - DNS-only lookups of host names, and which answers to refuse
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_HOOK_DNS_H
#define LOWPORT_HOOK_DNS_H

#include <stdbool.h>
#include <stdio.h>

#include "hook/hook-resolve.h"

void lp_hook_dns_lookup(FILE *out, unsigned int i, const char *name);
const char *lp_hook_dns_refused(const LpHookAddr *a);

#endif /* LOWPORT_HOOK_DNS_H */
