// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * admission.c - may this peer forward these ports? Every check, in order
 *
 * DOC: Theory of Operation
 *
 * A forward request is admitted only if all of these hold, checked in this
 * order, and the first failure refuses the whole request:
 *
 * 1. the request carries a pidfd of a live process owned by the peer uid
 *    (SO_PEERCRED): the lease lives exactly as long as that process;
 * 2. firewalld is not enforcing StrictForwardPorts (it would drop the
 *    forwarded traffic anyway);
 * 3. the policy grants the peer every (port, protocol, address);
 * 4. the peer stays within max-forwards;
 * 5. no mapping overlaps another in the same request or an existing lease;
 * 6. no host socket is bound on a privileged port (inet_diag);
 * 7. every backend port has a socket of the peer (TCP: listening) and no
 *    socket of another uid that traffic for the lease could reach.
 *
 * Nothing is changed before all checks pass. lp_registry_admit() then makes
 * the lease real and undoes itself if a step fails.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <netinet/tcp.h>

#include <glib.h>

#include "daemon/admission.h"
#include "daemon/error.h"
#include "daemon/firewalld.h"
#include "daemon/log.h"
#include "netutils/pidfd.h"
#include "netutils/procfs.h"
#include "netutils/sockdiag.h"
#include "netutils/util.h"
#include "netutils/request.h"

/**
 * admission_pidfd() - Check the pidfd: alive and owned by the peer
 * @peer:	Peer
 * @pidfd:	Descriptor from SCM_RIGHTS, or -1
 * @lease:	Lease to fill in pid and start time
 * @error:	Return location for a GError
 *
 * Return: true if it passes
 */
static bool admission_pidfd(const LpPeer *peer, int pidfd, LpLease *lease,
			    GError **error)
{
	uid_t uid;
	int r;

	if (pidfd < 0) {
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_PIDFD,
			    "forward request carries no pidfd");
		return false;
	}
	r = lp_pidfd_get_pid(pidfd, &lease->pid);
	if (r == -ESRCH || (r == 0 && lp_pidfd_is_alive(pidfd) == 0)) {
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_PIDFD,
			    "pidfd process has already exited");
		return false;
	}
	if (r < 0 || lease->pid <= 0) {
		g_set_error(
			error, LP_DAEMON_ERROR, LP_ERR_PIDFD,
			"the descriptor sent is not a pidfd of a process in lowportd's PID namespace");
		return false;
	}
	r = lp_pidfd_get_uid(pidfd, &uid);
	if (r == 0 && uid != peer->uid) {
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_PIDFD,
			    "pidfd process %d belongs to uid %u, not to uid %u",
			    lease->pid, uid, peer->uid);
		return false;
	}
	if (r == 0)
		r = lp_pidfd_get_starttime(pidfd, &lease->starttime);
	if (r < 0) {
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_PIDFD,
			    "cannot inspect pidfd process %d: %s", lease->pid,
			    g_strerror(-r));
		return false;
	}
	return true;
}

/**
 * lp_admission_policy() - Check every port of every mapping against policy
 * @policy:	Policy
 * @cred:	Peer credentials
 * @mappings:	GArray of LpMapping
 * @error:	Return location for a GError (LP_DAEMON_ERROR)
 *
 * Return: true if the policy grants all of them
 */
bool lp_admission_policy(const LpPolicy *policy, const LpCred *cred,
			 const GArray *mappings, GError **error)
{
	LpMappingIter it;

	lp_mapping_iter_init(&it, mappings);
	while (lp_mapping_iter_next(&it)) {
		g_autoptr(GError) local = NULL;

		if (lp_policy_check(policy, cred, it.m->proto, &it.m->addr,
				    it.host_port, &local))
			continue;
		g_set_error_literal(error, LP_DAEMON_ERROR, LP_ERR_NOT_GRANTED,
				    local->message);
		return false;
	}
	return true;
}

/**
 * admission_limit() - Check max-forwards
 * @reg:	Registry
 * @policy:	Policy
 * @cred:	Peer credentials
 * @req:	Request
 * @error:	Return location for a GError
 *
 * Return: true if within the limit
 */
static bool admission_limit(LpRegistry *reg, const LpPolicy *policy,
			    const LpCred *cred, const LpRequest *req,
			    GError **error)
{
	unsigned int max = lp_policy_max_forwards(policy, cred);
	unsigned int have = lp_registry_count_ports(reg, cred->uid);
	unsigned int want = 0;
	g_autofree char *label = NULL;
	guint i;

	for (i = 0; i < req->mappings->len; i++)
		want += g_array_index(req->mappings, LpMapping, i).range;
	if (have + want <= max)
		return true;
	label = lp_user_label(cred->uid);
	g_set_error(
		error, LP_DAEMON_ERROR, LP_ERR_LIMIT,
		"user %s would exceed max-forwards: %u forwarded + %u requested > %u",
		label, have, want, max);
	return false;
}

/**
 * admission_dup() - Check that no port appears twice in one request
 * @req:	Request
 * @error:	Return location for a GError
 *
 * Return: true if every port is requested once
 */
static bool admission_dup(const LpRequest *req, GError **error)
{
	const GArray *ms = req->mappings;
	char addr[LP_ADDR_STRLEN];
	guint i, j;

	for (i = 0; i < ms->len; i++) {
		const LpMapping *m = &g_array_index(ms, LpMapping, i);

		for (j = 0; j < i; j++) {
			uint16_t lo;

			if (!lp_mapping_overlap(
				    m, &g_array_index(ms, LpMapping, j), &lo))
				continue;
			g_set_error(
				error, LP_DAEMON_ERROR, LP_ERR_BAD_REQUEST,
				"port %u/%s on %s appears twice in the request",
				lo, lp_proto_name(m->proto),
				lp_addr_format(&m->addr, addr, sizeof(addr)));
			return false;
		}
	}
	return true;
}

/**
 * admission_exiting() - Tell whether a lease's process is on its way out
 * @lease:	Lease in the way
 *
 * Exited (its pidfd polls readable, zombie or reaped: the pidfd watch has
 * not ended the lease yet), a zombie, or inside exit() (PF_EXITING).
 *
 * Return: true if the lease ends by itself in a moment
 */
static bool admission_exiting(const LpLease *lease)
{
	LpProcStat st;

	if (lease->pidfd >= 0 && lp_pidfd_is_alive(lease->pidfd) == 0)
		return true;
	if (lp_procfs_stat(lease->pid, &st) < 0)
		return lease->pidfd < 0; /* gone, and nothing else to ask */
	if (st.starttime != lease->starttime)
		return true; /* the PID is another process's now */
	return st.state == 'Z' || st.state == 'X' ||
	       (st.flags & LP_PROCFS_PF_EXITING);
}

/**
 * admission_overlap() - Check for overlaps with existing leases
 * @reg:	Registry
 * @peer:	Peer
 * @req:	Request
 * @error:	Return location for a GError
 *
 * A conflict with the peer's own lease is said apart from one with another
 * user's: on a quick "podman restart" the old helper may not have exited
 * yet. If that lease's process is on its way out, the refusal is in
 * LP_DAEMON_ERROR_RETRY, the reply says "retry" and the shim asks again
 * in a moment; a lease whose process runs on is refused for good at once.
 *
 * Return: true if no port is forwarded twice
 */
static bool admission_overlap(LpRegistry *reg, const LpPeer *peer,
			      const LpRequest *req, GError **error)
{
	const GArray *ms = req->mappings;
	char addr[LP_ADDR_STRLEN];
	uint16_t port;
	guint i;

	for (i = 0; i < ms->len; i++) {
		const LpMapping *m = &g_array_index(ms, LpMapping, i);
		const LpLease *other = lp_registry_find_overlap(reg, m, &port);

		if (!other)
			continue;
		lp_addr_format(&m->addr, addr, sizeof(addr));
		if (other->uid != peer->uid)
			g_set_error(
				error, LP_DAEMON_ERROR, LP_ERR_CONFLICT,
				"port %u/%s on %s is already forwarded for another user",
				port, lp_proto_name(m->proto), addr);
		else if (admission_exiting(other))
			g_set_error(
				error, LP_DAEMON_ERROR_RETRY, LP_ERR_CONFLICT,
				"port %u/%s on %s is already forwarded by your lease %s, whose process %d is exiting",
				port, lp_proto_name(m->proto), addr, other->id,
				other->pid);
		else
			g_set_error(
				error, LP_DAEMON_ERROR, LP_ERR_CONFLICT,
				"port %u/%s on %s is already forwarded by your lease %s",
				port, lp_proto_name(m->proto), addr, other->id);
		return false;
	}
	return true;
}

/**
 * admission_query() - Sockets on a port whose addresses overlap a scope
 * @proto:	Protocol
 * @port:	Port
 * @scope:	Scope
 * @ret_n:	Number of sockets
 * @error:	Return location for a GError
 *
 * Return: array (g_free), NULL with @error set on failure
 */
static LpSockInfo *admission_query(uint8_t proto, uint16_t port,
				   const LpAddr *scope, size_t *ret_n,
				   GError **error)
{
	g_autofree LpSockInfo *all = NULL;
	LpSockInfo *out;
	size_t n, i, k = 0;
	int r;

	/*
	 * TCP: listeners only. A service takes connections only through one,
	 * TIME_WAIT entries show uid 0, and asking for more states would make
	 * the kernel walk every connection on the host.
	 */
	r = lp_sockdiag_query(proto, port, 1u << TCP_LISTEN, &all, &n);

	if (r == -E2BIG) {
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_PORT_IN_USE,
			    "port %u/%s has more than %u sockets", port,
			    lp_proto_name(proto), LP_SOCKDIAG_MAX);
		return NULL;
	}
	if (r < 0) {
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_INTERNAL,
			    "cannot list sockets on port %u/%s: %s", port,
			    lp_proto_name(proto), g_strerror(-r));
		return NULL;
	}
	out = g_new0(LpSockInfo, n + 1);
	for (i = 0; i < n; i++) {
		if (lp_sockdiag_overlaps(&all[i], scope))
			out[k++] = all[i];
	}
	*ret_n = k;
	return out;
}

/**
 * admission_host_port() - Check no host socket holds a privileged port
 * @reg:	Registry
 * @m:		Mapping
 * @port:	Port of @m
 * @error:	Return location for a GError
 *
 * Return: true if the port is free on the mapping's addresses
 */
static bool admission_host_port(LpRegistry *reg, const LpMapping *m,
				uint16_t port, GError **error)
{
	g_autofree LpSockInfo *s = NULL;
	char addr[LP_ADDR_STRLEN];
	size_t n, i;

	s = admission_query(m->proto, port, &m->addr, &n, error);
	if (!s)
		return false;
	for (i = 0; i < n; i++) {
		if (lp_registry_is_reservation(reg, s[i].inode))
			continue;
		g_set_error(
			error, LP_DAEMON_ERROR, LP_ERR_PORT_IN_USE,
			"port %u/%s on %s is already in use by a host socket (uid %u)",
			port, lp_proto_name(m->proto),
			lp_addr_format(&m->addr, addr, sizeof(addr)), s[i].uid);
		return false;
	}
	return true;
}

/**
 * admission_backend() - Check a backend port belongs to the peer only
 * @peer:	Peer
 * @m:		Mapping
 * @port:	Backend port of @m
 * @error:	Return location for a GError
 *
 * Return: true if the peer serves it and nobody else can receive its traffic
 */
static bool admission_backend(const LpPeer *peer, const LpMapping *m,
			      uint16_t port, GError **error)
{
	g_autofree LpSockInfo *s = NULL;
	const char *proto = lp_proto_name(m->proto);
	bool own = false;
	size_t n, i;

	s = admission_query(m->proto, port, &m->addr, &n, error);
	if (!s)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i].uid == peer->uid) {
			own = true;
			continue;
		}
		g_set_error(
			error, LP_DAEMON_ERROR, LP_ERR_BACKEND,
			"backend port %u/%s is owned by uid %u, not by you (uid %u)",
			port, proto, s[i].uid, peer->uid);
		return false;
	}
	if (!own) {
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_BACKEND,
			    "backend port %u/%s has no %s socket of uid %u",
			    port, proto,
			    m->proto == IPPROTO_TCP ? "listening" : "bound",
			    peer->uid);
		return false;
	}
	return true;
}

/**
 * admission_sockets() - Host-port and backend checks for every port
 * @reg:	Registry
 * @peer:	Peer
 * @req:	Request
 * @error:	Return location for a GError
 *
 * Return: true if all pass
 */
static bool admission_sockets(LpRegistry *reg, const LpPeer *peer,
			      const LpRequest *req, GError **error)
{
	LpMappingIter it;

	lp_mapping_iter_init(&it, req->mappings);
	while (lp_mapping_iter_next(&it)) {
		if (!admission_host_port(reg, it.m, it.host_port, error) ||
		    !admission_backend(peer, it.m, it.backend_port, error))
			return false;
	}
	return true;
}

/**
 * admission_new_id() - Pick an unused lease ID
 * @reg:	Registry
 * @id:		Output, LP_LEASE_ID_MAX + 1 bytes
 */
static void admission_new_id(LpRegistry *reg, char *id)
{
	do {
		g_snprintf(id, LP_LEASE_ID_MAX + 1, "%06x%06x",
			   g_random_int() & 0xffffff,
			   g_random_int() & 0xffffff);
	} while (lp_registry_lookup(reg, id));
}

/**
 * lp_admission_check() - Run every admission check on a forward request
 * @reg:	Registry of the leases held
 * @policy:	Policy
 * @peer:	Peer
 * @req:	Forward request
 * @pidfd:	pidfd from the request; moved into the lease on success
 * @error:	Return location for a GError (LP_DAEMON_ERROR)
 *
 * Return: the lease to admit (not yet real), or NULL if refused
 */
LpLease *lp_admission_check(LpRegistry *reg, const LpPolicy *policy,
			    const LpPeer *peer, const LpRequest *req,
			    int *pidfd, GError **error)
{
	LpCred cred = {.uid = peer->uid,
		       .gid = peer->gid,
		       .groups = (const gid_t *)peer->groups->data,
		       .n_groups = peer->groups->len};
	g_autoptr(LpLease) lease = lp_lease_new();

	if (lp_registry_size(reg) >= LP_LEASE_MAX_HELD) {
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_LIMIT,
			    "lowportd holds the maximum of %u leases",
			    LP_LEASE_MAX_HELD);
		return NULL;
	}
	if (!admission_pidfd(peer, *pidfd, lease, error))
		return NULL;
	if (lp_firewalld_strict()) {
		g_set_error(
			error, LP_DAEMON_ERROR, LP_ERR_FIREWALL,
			"firewalld runs with StrictForwardPorts=yes and would drop forwarded traffic; set StrictForwardPorts=no in /etc/firewalld/firewalld.conf");
		return NULL;
	}
	if (!lp_admission_policy(policy, &cred, req->mappings, error) ||
	    !admission_dup(req, error) ||
	    !admission_overlap(reg, peer, req, error) ||
	    !admission_limit(reg, policy, &cred, req, error) ||
	    !admission_sockets(reg, peer, req, error))
		return NULL;

	admission_new_id(reg, lease->id);
	lease->uid = peer->uid;
	lease->gid = peer->gid;
	g_array_append_vals(lease->groups, peer->groups->data,
			    peer->groups->len);
	lease->netns = g_strdup(req->netns ? req->netns : "");
	lease->front = req->front;
	lease->created = g_get_real_time() / G_USEC_PER_SEC;
	g_array_append_vals(lease->mappings, req->mappings->data,
			    req->mappings->len);
	lease->pidfd = lp_steal_fd(pidfd);
	return g_steal_pointer(&lease);
}
