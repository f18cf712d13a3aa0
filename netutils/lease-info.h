/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lease-info.h - one lease as lowportd reports it: allocation and JSON
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_LEASE_INFO_H
#define LOWPORT_LEASE_INFO_H

#include <stdint.h>
#include <sys/types.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "netutils/json-strict.h"
#include "netutils/protocol.h"

/*
 * LpLeaseInfo - one lease as lowportd reports it
 *
 * lp_lease_info_new() allocates @mappings empty; @netns may be NULL.
 */
typedef struct {
	char *id;
	uid_t uid;
	pid_t pid;
	char *netns;
	LpFront front;	  /* shim front that asked for it */
	int64_t created;  /* Unix time, seconds */
	GArray *mappings; /* LpMapping */
} LpLeaseInfo;

LpLeaseInfo *lp_lease_info_new(void);
void lp_lease_info_free(LpLeaseInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpLeaseInfo, lp_lease_info_free)
LpLeaseInfo *lp_lease_info_parse(JsonObject *o, const LpJsonWhere *w,
				 GError **error);
JsonNode *lp_leases_to_json(const GPtrArray *leases);

#endif /* LOWPORT_LEASE_INFO_H */
