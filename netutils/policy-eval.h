/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy-eval.h - decide a request against the policy; the public checks
 *		   are declared in policy.h
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_POLICY_EVAL_H
#define LOWPORT_POLICY_EVAL_H

#include <stdbool.h>

#include "netutils/policy-model.h"
#include "netutils/policy.h"

bool lp_policy_eval_cred_matches(const LpPolicyGrant *g, const LpCred *cred);

#endif /* LOWPORT_POLICY_EVAL_H */
