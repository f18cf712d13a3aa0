/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy-text.h - the policy file as text, before GKeyFile sees it
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_POLICY_TEXT_H
#define LOWPORT_POLICY_TEXT_H

#include <stddef.h>

#include <glib.h>

#include "netutils/policy-parse.h"

char *lp_policy_text_preprocess(LpPolicyParse *ctx, const char *data,
				size_t len, GError **error);

#endif /* LOWPORT_POLICY_TEXT_H */
