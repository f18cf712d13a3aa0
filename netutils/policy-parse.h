/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy-parse.h - fill a policy from its key file: groups, keys, values
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_POLICY_PARSE_H
#define LOWPORT_POLICY_PARSE_H

#include <stdbool.h>

#include <glib.h>

#include "netutils/policy-model.h"

/*
 * LpPolicyParse - where the parser is, for error messages
 * @name:	File name for messages, or NULL
 * @kf:		Key file
 * @group:	Current group
 * @key:	Current key, or NULL
 * @policy:	Policy being filled
 * @grant:	Grant being filled, NULL in [lowport]
 */
typedef struct {
	const char *name;
	GKeyFile *kf;
	const char *group;
	const char *key;
	LpPolicy *policy;
	LpPolicyGrant *grant;
} LpPolicyParse;

bool lp_policy_parse_fail(const LpPolicyParse *ctx, GError **error,
			  const char *fmt, ...) G_GNUC_PRINTF(3, 4);
bool lp_policy_parse_kf(LpPolicyParse *ctx, GError **error);

#endif /* LOWPORT_POLICY_PARSE_H */
