// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy-eval.c - decide a request against the policy
 *
 * A request (cred, proto, address, port) is granted if any [allow] group
 * matching the cred lists the protocol and port and covers the address
 * scope; the rules are in policy.c. A refusal says whether the user
 * matches no group (LP_POLICY_ERROR_USER) or the forward no grant of the
 * user's groups (LP_POLICY_ERROR_PORT).
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>

#include <glib.h>

#include "netutils/addr.h"
#include "netutils/mapping.h"
#include "netutils/policy-eval.h"
#include "netutils/policy-model.h"
#include "netutils/policy.h"

/**
 * policy_eval_ids_contain() - Tell whether an id array holds an id
 * @ids:	GArray of uid_t or gid_t
 * @id:		Id
 *
 * Return: true if found
 */
static bool policy_eval_ids_contain(const GArray *ids, guint32 id)
{
	unsigned int i;

	for (i = 0; i < ids->len; i++) {
		if (g_array_index(ids, guint32, i) == id)
			return true;
	}
	return false;
}

G_STATIC_ASSERT(sizeof(uid_t) == sizeof(guint32));
G_STATIC_ASSERT(sizeof(gid_t) == sizeof(guint32));

/**
 * lp_policy_eval_cred_matches() - Tell whether a grant applies to a peer
 * @g:		Grant
 * @cred:	Peer credentials
 *
 * Return: true if the uid is in users, or any of its gids in groups
 */
bool lp_policy_eval_cred_matches(const LpPolicyGrant *g, const LpCred *cred)
{
	size_t i;

	if (policy_eval_ids_contain(g->uids, cred->uid) ||
	    policy_eval_ids_contain(g->gids, cred->gid))
		return true;
	for (i = 0; i < cred->n_groups; i++) {
		if (policy_eval_ids_contain(g->gids, cred->groups[i]))
			return true;
	}
	return false;
}

/**
 * policy_eval_port_granted() - Tell whether a grant lists a port
 * @g:		Grant
 * @port:	Port
 *
 * Return: true if @port is in one of the grant's ranges
 */
static bool policy_eval_port_granted(const LpPolicyGrant *g, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < g->ports->len; i++) {
		const LpPolicyPorts *r =
			&g_array_index(g->ports, LpPolicyPorts, i);

		if (port >= r->first && port <= r->last)
			return true;
	}
	return false;
}

/**
 * policy_eval_has_wildcard() - Tell whether a grant lists a family's wildcard
 * @g:		Grant with an addresses key
 * @family:	AF_INET (0.0.0.0) or AF_INET6 (::)
 *
 * Return: true if listed
 */
static bool policy_eval_has_wildcard(const LpPolicyGrant *g, int family)
{
	unsigned int i;

	for (i = 0; i < g->addrs->len; i++) {
		const LpAddr *a = &g_array_index(g->addrs, LpAddr, i);

		if (a->family == family && a->any)
			return true;
	}
	return false;
}

/**
 * policy_eval_addr_granted() - Tell whether a grant covers an address scope
 * @g:		Grant
 * @addr:	Requested scope
 *
 * Return: true if covered (see the Theory of Operation)
 */
static bool policy_eval_addr_granted(const LpPolicyGrant *g, const LpAddr *addr)
{
	unsigned int i;

	if (!g->addrs)
		return true;
	if (addr->family == AF_UNSPEC)
		return policy_eval_has_wildcard(g, AF_INET) &&
		       policy_eval_has_wildcard(g, AF_INET6);
	if (addr->family != AF_INET && addr->family != AF_INET6)
		return false;
	if (addr->any)
		return policy_eval_has_wildcard(g, addr->family);
	for (i = 0; i < g->addrs->len; i++) {
		const LpAddr *a = &g_array_index(g->addrs, LpAddr, i);

		if (lp_addr_is_specific(a) &&
		    lp_addr_covers(a, addr->family, &addr->u))
			return true;
	}
	return false;
}

/**
 * policy_eval_grants() - Tell whether one grant admits a forward
 * @g:		Grant, already matching the peer
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Host address scope
 * @port:	Host port
 *
 * Return: true if admitted
 */
static bool policy_eval_grants(const LpPolicyGrant *g, int proto,
			       const LpAddr *addr, uint16_t port)
{
	if (!(proto == IPPROTO_TCP ? g->tcp : proto == IPPROTO_UDP && g->udp))
		return false;
	return policy_eval_port_granted(g, port) &&
	       policy_eval_addr_granted(g, addr);
}

/**
 * policy_eval_who() - Name a peer for messages
 * @uid:	Peer uid
 *
 * Return: "user alice (uid 1000)", or "uid 1000" without a passwd entry;
 *	   caller frees
 */
static char *policy_eval_who(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (pw && pw->pw_name)
		return g_strdup_printf("user %s (uid %u)", pw->pw_name,
				       (unsigned int)uid);
	return g_strdup_printf("user uid %u", (unsigned int)uid);
}

/**
 * lp_policy_check() - Decide whether a peer may forward one port
 * @policy:	Policy
 * @cred:	Peer credentials
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Host address scope of the forward
 * @port:	Host port
 * @error:	Return location for the error: LP_POLICY_ERROR_USER if no
 *		[allow] group matches the peer at all, LP_POLICY_ERROR_PORT
 *		if some match but none grants this forward
 *
 * Return: true if some [allow] group matching @cred grants it
 */
bool lp_policy_check(const LpPolicy *policy, const LpCred *cred, int proto,
		     const LpAddr *addr, uint16_t port, GError **error)
{
	g_autofree char *who = NULL;
	char buf[LP_ADDR_STRLEN];
	bool matched = false;
	unsigned int i;

	for (i = 0; i < policy->grants->len; i++) {
		const LpPolicyGrant *g = g_ptr_array_index(policy->grants, i);

		if (!lp_policy_eval_cred_matches(g, cred))
			continue;
		matched = true;
		if (policy_eval_grants(g, proto, addr, port))
			return true;
	}
	who = policy_eval_who(cred->uid);
	if (!matched) {
		g_set_error(error, LP_POLICY_ERROR, LP_POLICY_ERROR_USER,
			    "%s is not granted any port by the lowport policy",
			    who);
		return false;
	}
	g_set_error(error, LP_POLICY_ERROR, LP_POLICY_ERROR_PORT,
		    "port %u/%s on %s is not granted to %s", port,
		    lp_proto_name(proto),
		    lp_addr_format(addr, buf, sizeof(buf)), who);
	return false;
}

/**
 * lp_policy_check_mapping() - Decide whether a peer may forward a mapping
 * @policy:	Policy
 * @cred:	Peer credentials
 * @m:		Mapping: every host port of its range is checked
 * @error:	Return location for the error, as lp_policy_check(); an
 *		empty or overflowing range is LP_POLICY_ERROR_PORT
 *
 * Return: true if every port of @m is granted
 */
bool lp_policy_check_mapping(const LpPolicy *policy, const LpCred *cred,
			     const LpMapping *m, GError **error)
{
	unsigned int i;

	if (!m->range || m->host_port + m->range - 1 > 65535) {
		g_set_error(error, LP_POLICY_ERROR, LP_POLICY_ERROR_PORT,
			    "port range %u+%u is not valid", m->host_port,
			    m->range);
		return false;
	}
	for (i = 0; i < m->range; i++) {
		if (!lp_policy_check(policy, cred, m->proto, &m->addr,
				     m->host_port + i, error))
			return false;
	}
	return true;
}

/**
 * lp_policy_max_forwards() - How many ports a peer may forward in total
 * @policy:	Policy
 * @cred:	Peer credentials
 *
 * Return: the largest max-forwards of the [allow] groups matching @cred,
 *	   0 if none matches
 */
unsigned int lp_policy_max_forwards(const LpPolicy *policy, const LpCred *cred)
{
	unsigned int i, max = 0;

	for (i = 0; i < policy->grants->len; i++) {
		const LpPolicyGrant *g = g_ptr_array_index(policy->grants, i);

		if (lp_policy_eval_cred_matches(g, cred))
			max = MAX(max, g->max_forwards);
	}
	return max;
}
