// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy-describe.c - what the policy grants a user, in words, for
 *		       lowportctl check
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <sys/socket.h>

#include <glib.h>

#include "netutils/addr.h"
#include "netutils/policy-eval.h"
#include "netutils/policy-model.h"
#include "netutils/policy.h"

/**
 * policy_describe_grant() - Append one grant as one line
 * @s:	String to append to
 * @g:	Grant
 */
static void policy_describe_grant(GString *s, const LpPolicyGrant *g)
{
	char buf[LP_ADDR_STRLEN];
	unsigned int i;

	g_string_append(s, g->tcp && g->udp ? "tcp,udp"
			   : g->tcp	    ? "tcp"
					    : "udp");
	g_string_append(s, " ports ");
	for (i = 0; i < g->ports->len; i++) {
		const LpPolicyPorts *r =
			&g_array_index(g->ports, LpPolicyPorts, i);

		g_string_append_printf(s, "%s%u", i ? "," : "", r->first);
		if (r->last != r->first)
			g_string_append_printf(s, "-%u", r->last);
	}
	g_string_append(s, " on ");
	if (!g->addrs)
		g_string_append(s, "every address");
	for (i = 0; g->addrs && i < g->addrs->len; i++) {
		const LpAddr *a = &g_array_index(g->addrs, LpAddr, i);

		g_string_append_printf(s, "%s%s", i ? "," : "",
				       lp_addr_format(a, buf, sizeof(buf)));
	}
	g_string_append_printf(s, " (max %u forwards) [%s]", g->max_forwards,
			       g->group);
}

/**
 * lp_policy_describe() - What a peer is granted, for lowportctl check
 * @policy:	Policy
 * @cred:	Peer credentials
 *
 * One line per matching [allow] group, lines separated by '\n' (no final
 * newline): "tcp,udp ports 80,443 on every address (max 16 forwards)
 * [allow web]".
 *
 * Return: text (caller frees), or NULL if nothing is granted
 */
char *lp_policy_describe(const LpPolicy *policy, const LpCred *cred)
{
	g_autoptr(GString) s = g_string_new(NULL);
	unsigned int i;

	for (i = 0; i < policy->grants->len; i++) {
		const LpPolicyGrant *g = g_ptr_array_index(policy->grants, i);

		if (!lp_policy_eval_cred_matches(g, cred))
			continue;
		if (s->len)
			g_string_append_c(s, '\n');
		policy_describe_grant(s, g);
	}
	if (!s->len)
		return NULL;
	return g_string_free(g_steal_pointer(&s), FALSE);
}
