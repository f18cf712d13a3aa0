// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * steering.c - the BPF sk_lookup data path of TCP leases
 *
 * DOC: Theory of Operation
 *
 * A TCP lease whose shim handed over the backend's listening sockets
 * (listener.c) is not rewritten by nftables: its privileged port is a key
 * in a BPF socket map (netutils/steer/), whose sk_lookup program hands
 * every new connection to that port straight to the backend's socket. No
 * NAT, no conntrack; the container sees the client's own address, and the
 * connection's local port stays the privileged one.
 *
 * The map holds the socket, not a port number: when the backend's last
 * descriptor closes, the kernel drops the entry by itself, so no socket a
 * later process binds to the same backend port can ever receive the
 * traffic. lowportd closes its own copy right after inserting it.
 *
 * The program, its netns link and the map are pinned in the BPF filesystem
 * (--bpf-dir): traffic keeps flowing while lowportd is down, and the next
 * lowportd finds them again.
 *
 * Which mappings are steered, per the policy's datapath:
 *   nat    none;
 *   auto   every TCP mapping all of whose keys have a handed-over listener,
 *          when the program can be loaded here; the rest use NAT;
 *   steer  the same, but a TCP mapping that cannot be steered is refused.
 * UDP always uses NAT: a reply from a socket bound to the backend port
 * would carry that port as its source.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "daemon/error.h"
#include "daemon/listener.h"
#include "daemon/steering.h"
#include "netutils/steer/steer.h"

/*
 * LpSteering - the steering engine as lowportd uses it
 * @bpf_dir:	Pin directory
 * @mode:	Policy datapath
 * @steer:	Open engine, NULL if steering is unavailable or not wanted
 * @reason:	Why the data path is what it is (for lowportctl check)
 * @cause:	Why steering is unavailable, without the policy (for a
 *		refusal), NULL if it is available
 */
struct LpSteering {
	char *bpf_dir;
	LpPolicyDatapath mode;
	LpSteer *steer;
	char *reason;
	char *cause;
};

/* Most keys one mapping makes: a port range, twice for both families */
#define STEERING_KEYS_MAX (2 * 65536)

/*
 * SteeringKey - one map key of a mapping and the backend port behind it
 */
typedef struct {
	LpSteerKey key;
	int family;
	const void *addr;
	uint16_t backend_port;
} SteeringKey;

/**
 * steering_mode_name() - The policy value, as written in lowport.conf
 * @mode:	Policy datapath
 *
 * Return: static string
 */
static const char *steering_mode_name(LpPolicyDatapath mode)
{
	switch (mode) {
	case LP_POLICY_DATAPATH_NAT:
		return "nat";
	case LP_POLICY_DATAPATH_STEER:
		return "steer";
	case LP_POLICY_DATAPATH_AUTO:
	default:
		return "auto";
	}
}

/**
 * lp_steering_new() - Steering off, until configured
 * @bpf_dir:	Directory in the BPF filesystem for the pins (copied)
 *
 * Return: new context, free with lp_steering_free()
 */
LpSteering *lp_steering_new(const char *bpf_dir)
{
	LpSteering *s = g_new0(LpSteering, 1);

	s->bpf_dir = g_strdup(bpf_dir);
	s->mode = LP_POLICY_DATAPATH_NAT;
	s->reason = g_strdup("not configured");
	return s;
}

/**
 * lp_steering_free() - Close the engine; pinned program and map stay
 * @s:		Context, or NULL
 */
void lp_steering_free(LpSteering *s)
{
	if (!s)
		return;
	lp_steer_free(s->steer);
	g_free(s->reason);
	g_free(s->cause);
	g_free(s->bpf_dir);
	g_free(s);
}

/**
 * steering_pinned() - Whether an earlier lowportd left pins behind
 * @s:		Context
 *
 * Return: true if the pin directory has an entry
 */
static bool steering_pinned(const LpSteering *s)
{
	g_autoptr(GDir) dir = g_dir_open(s->bpf_dir, 0, NULL);

	return dir && g_dir_read_name(dir);
}

/**
 * lp_steering_configure() - Apply the policy's datapath
 * @s:		Context
 * @mode:	Policy datapath
 *
 * Opens (loads, or finds pinned) the engine when it is wanted and not open
 * yet; a failure is not fatal: the reason is kept for lowportctl check and
 * TCP leases use NAT (datapath = auto) or are refused (datapath = steer).
 * With datapath = nat the engine is opened only if an earlier lowportd
 * pinned one: leases it steered must stay removable.
 */
void lp_steering_configure(LpSteering *s, LpPolicyDatapath mode)
{
	g_autoptr(GError) error = NULL;

	s->mode = mode;
	g_clear_pointer(&s->reason, g_free);
	g_clear_pointer(&s->cause, g_free);
	if (!s->steer && (mode != LP_POLICY_DATAPATH_NAT || steering_pinned(s)))
		s->steer = lp_steer_open(s->bpf_dir, &error);
	if (!s->steer)
		s->cause = g_strdup(error ? error->message
					  : "steering unavailable");
	if (mode == LP_POLICY_DATAPATH_NAT)
		s->reason = g_strdup("the policy says datapath = nat");
	else if (s->steer)
		s->reason = g_strdup_printf(
			"BPF sk_lookup program attached, pinned in %s; "
			"policy datapath = %s",
			s->bpf_dir, steering_mode_name(mode));
	else
		s->reason = g_strdup_printf("%s; policy datapath = %s",
					    s->cause, steering_mode_name(mode));
	if (mode != LP_POLICY_DATAPATH_NAT && !s->steer)
		g_warning("TCP leases cannot be steered: %s", s->reason);
}

/**
 * lp_steering_datapath() - What a TCP lease with its listener gets now
 * @s:		Context
 *
 * Return: LP_DATAPATH_STEER or LP_DATAPATH_NAT
 */
LpDatapath lp_steering_datapath(const LpSteering *s)
{
	return s->steer && s->mode != LP_POLICY_DATAPATH_NAT ? LP_DATAPATH_STEER
							     : LP_DATAPATH_NAT;
}

/**
 * lp_steering_reason() - Why the data path is what it is
 * @s:		Context
 *
 * Return: one sentence, owned by @s
 */
const char *lp_steering_reason(const LpSteering *s)
{
	return s->reason;
}

/**
 * steering_keys() - The map keys of one mapping
 * @m:		TCP mapping
 *
 * A mapping on every address has a wildcard key per family; on one
 * family's wildcard or one address, a single key.
 *
 * Return: GArray of SteeringKey
 */
static GArray *steering_keys(const LpMapping *m)
{
	GArray *keys = g_array_new(FALSE, TRUE, sizeof(SteeringKey));
	int families[2] = {m->addr.family, AF_UNSPEC};
	unsigned int f, k;

	if (m->addr.family == AF_UNSPEC) {
		families[0] = AF_INET;
		families[1] = AF_INET6;
	}
	for (f = 0; f < 2 && families[f] != AF_UNSPEC; f++) {
		const void *addr = NULL;

		if (m->addr.family != AF_UNSPEC && !m->addr.any)
			addr = families[f] == AF_INET
				       ? (const void *)&m->addr.u.v4
				       : (const void *)&m->addr.u.v6;
		for (k = 0; k < m->range; k++) {
			SteeringKey sk = {.family = families[f],
					  .addr = addr,
					  .backend_port = m->backend_port + k};

			lp_steer_key_init(&sk.key, families[f], m->proto, addr,
					  m->host_port + k);
			g_array_append_val(keys, sk);
		}
	}
	return keys;
}

/**
 * steering_covers() - Whether a listener takes a key's traffic
 * @l:		Listener
 * @k:		Key with its backend port
 * @exact:	Only a socket of the key's own family
 *
 * Return: true if it does
 */
static bool steering_covers(const LpListener *l, const SteeringKey *k,
			    bool exact)
{
	if (l->port != k->backend_port)
		return false;
	if (l->family != k->family)
		return !exact && k->family == AF_INET && !l->v6only && l->any;
	if (l->any)
		return true;
	if (!k->addr)
		return false;
	return k->family == AF_INET
		       ? !memcmp(&l->addr.v4, k->addr, sizeof(struct in_addr))
		       : !memcmp(&l->addr.v6, k->addr, sizeof(struct in6_addr));
}

/**
 * steering_pick() - The listener a key steers to
 * @listeners:	GArray of LpListener
 * @k:		Key
 *
 * A socket of the key's family first, else a dual-stack IPv6 wildcard.
 *
 * Return: the listener, or NULL if none takes the key's traffic
 */
static const LpListener *steering_pick(const GArray *listeners,
				       const SteeringKey *k)
{
	unsigned int pass;
	guint i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < listeners->len; i++) {
			const LpListener *l =
				&g_array_index(listeners, LpListener, i);

			if (l->fd >= 0 && steering_covers(l, k, pass == 0))
				return l;
		}
	}
	return NULL;
}

/**
 * steering_coverable() - Whether every key of a mapping has a listener
 * @lease:	Lease with its listeners
 * @m:		TCP mapping
 *
 * Return: true if it can be steered
 */
static bool steering_coverable(const LpLease *lease, const LpMapping *m)
{
	g_autoptr(GArray) keys = steering_keys(m);
	guint i;

	for (i = 0; i < keys->len; i++)
		if (!steering_pick(lease->listeners,
				   &g_array_index(keys, SteeringKey, i)))
			return false;
	return keys->len > 0;
}

/**
 * steering_unused() - Check every listener belongs to a TCP mapping
 * @lease:	Lease with its listeners
 * @error:	Return location for a GError
 *
 * A socket on no backend port of the lease has no business here.
 *
 * Return: true if all belong
 */
static bool steering_unused(const LpLease *lease, GError **error)
{
	guint i, j;

	for (i = 0; i < lease->listeners->len; i++) {
		const LpListener *l =
			&g_array_index(lease->listeners, LpListener, i);
		bool found = false;

		for (j = 0; j < lease->mappings->len && !found; j++) {
			const LpMapping *m =
				&g_array_index(lease->mappings, LpMapping, j);

			found = m->proto == IPPROTO_TCP &&
				l->port >= m->backend_port &&
				l->port - m->backend_port < m->range;
		}
		if (!found) {
			g_set_error(error, LP_DAEMON_ERROR, LP_ERR_BACKEND,
				    "a socket passed with the request listens "
				    "on port %u, which is no TCP backend port "
				    "of the request",
				    l->port);
			return false;
		}
	}
	return true;
}

/**
 * lp_steering_plan() - Decide each mapping's data path
 * @s:		Context
 * @lease:	Admitted lease with the listeners it came with
 * @error:	Return location for a GError (LP_DAEMON_ERROR)
 *
 * Return: true on success; false if the policy says steer and a TCP
 *	   mapping cannot be, or a listener belongs to no mapping
 */
bool lp_steering_plan(LpSteering *s, LpLease *lease, GError **error)
{
	bool can = lp_steering_datapath(s) == LP_DATAPATH_STEER;
	guint i;

	if (!steering_unused(lease, error))
		return false;
	for (i = 0; i < lease->mappings->len; i++) {
		LpMapping *m = &g_array_index(lease->mappings, LpMapping, i);

		m->datapath = LP_DATAPATH_NAT;
		if (m->proto != IPPROTO_TCP)
			continue;
		if (can && steering_coverable(lease, m)) {
			m->datapath = LP_DATAPATH_STEER;
			continue;
		}
		if (s->mode != LP_POLICY_DATAPATH_STEER)
			continue;
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_BACKEND,
			    "port %u/tcp cannot be steered (policy datapath = "
			    "steer): %s",
			    m->host_port,
			    can ? "the helper did not hand over a listening "
				  "socket on its backend port"
			    : s->cause ? s->cause
				       : s->reason);
		return false;
	}
	return true;
}

/**
 * steering_remove_keys() - Delete a mapping's keys from the map
 * @s:		Context (engine open)
 * @m:		Steered mapping
 */
static void steering_remove_keys(LpSteering *s, const LpMapping *m)
{
	g_autoptr(GArray) keys = steering_keys(m);
	guint i;

	for (i = 0; i < keys->len; i++) {
		int r = lp_steer_remove(
			s->steer, &g_array_index(keys, SteeringKey, i).key);

		if (r < 0 && r != -ENOENT)
			g_warning("cannot remove port %u from the steering "
				  "map: %s",
				  m->host_port, g_strerror(-r));
	}
}

/**
 * steering_add_mapping() - Insert a mapping's keys with their sockets
 * @s:		Context (engine open)
 * @lease:	Lease with its listeners
 * @m:		Steered mapping
 * @error:	Return location for a GError
 *
 * Return: true on success; on failure the keys before the failing one
 *	   stay in (lp_steering_add())
 */
static bool steering_add_mapping(LpSteering *s, const LpLease *lease,
				 const LpMapping *m, GError **error)
{
	g_autoptr(GArray) keys = steering_keys(m);
	guint i;

	for (i = 0; i < keys->len; i++) {
		const SteeringKey *k = &g_array_index(keys, SteeringKey, i);
		const LpListener *l = steering_pick(lease->listeners, k);
		uint64_t cookie;
		int r = l ? lp_steer_add(s->steer, &k->key, l->fd, &cookie)
			  : -ENOENT;

		if (r < 0) {
			g_set_error(error, LP_DAEMON_ERROR, LP_ERR_INTERNAL,
				    "cannot steer port %u/tcp: %s",
				    m->host_port, g_strerror(-r));
			return false;
		}
	}
	return true;
}

/**
 * lp_steering_add() - Steer a lease's planned mappings; drop its listeners
 * @s:		Context
 * @lease:	Lease, planned by lp_steering_plan()
 * @error:	Return location for a GError
 *
 * The listeners are closed in every case: the map holds the sockets now,
 * and no copy may keep one alive after the backend closes it.
 *
 * Return: true on success; on failure the keys inserted so far stay in:
 *	   the caller takes them out with lp_steering_remove(), along with
 *	   the lease's other rules (registry.c)
 */
bool lp_steering_add(LpSteering *s, LpLease *lease, GError **error)
{
	bool ok = true;
	guint i;

	for (i = 0; ok && i < lease->mappings->len; i++) {
		const LpMapping *m =
			&g_array_index(lease->mappings, LpMapping, i);

		if (m->datapath != LP_DATAPATH_STEER)
			continue;
		if (!s->steer) {
			g_set_error(error, LP_DAEMON_ERROR, LP_ERR_INTERNAL,
				    "steering is not available");
			ok = false;
		} else {
			ok = steering_add_mapping(s, lease, m, error);
		}
	}
	lp_listener_close_all(lease->listeners);
	return ok;
}

/**
 * lp_steering_remove() - Stop steering a lease's ports
 * @s:		Context
 * @lease:	Lease
 *
 * Keys already gone (the backend closed its socket) are fine.
 */
void lp_steering_remove(LpSteering *s, const LpLease *lease)
{
	guint i;

	if (!s->steer)
		return;
	for (i = 0; i < lease->mappings->len; i++) {
		const LpMapping *m =
			&g_array_index(lease->mappings, LpMapping, i);

		if (m->datapath == LP_DATAPATH_STEER)
			steering_remove_keys(s, m);
	}
}

/**
 * lp_steering_missing() - Count a lease's steered keys not in the map
 * @s:		Context
 * @lease:	Lease found at start-up
 *
 * A key is gone when the backend closed its socket (or the pins were
 * removed); its port then reaches nothing, as it would with the backend
 * gone.
 *
 * Return: number of keys missing
 */
unsigned int lp_steering_missing(LpSteering *s, const LpLease *lease)
{
	unsigned int missing = 0;
	guint i, k;

	for (i = 0; i < lease->mappings->len; i++) {
		const LpMapping *m =
			&g_array_index(lease->mappings, LpMapping, i);
		g_autoptr(GArray) keys = NULL;

		if (m->datapath != LP_DATAPATH_STEER)
			continue;
		keys = steering_keys(m);
		for (k = 0; k < keys->len; k++) {
			uint64_t cookie;

			if (!s->steer ||
			    lp_steer_lookup(
				    s->steer,
				    &g_array_index(keys, SteeringKey, k).key,
				    &cookie) < 0)
				missing++;
		}
	}
	return missing;
}

/**
 * steering_key_hash() - Hash a map key
 * @p:		LpSteerKey
 *
 * Return: hash
 */
static guint steering_key_hash(gconstpointer p)
{
	const guint8 *b = p;
	guint h = 5381;
	size_t i;

	for (i = 0; i < sizeof(LpSteerKey); i++)
		h = h * 33 + b[i];
	return h;
}

/**
 * steering_key_equal() - Compare map keys
 * @a:		LpSteerKey
 * @b:		LpSteerKey
 *
 * Return: TRUE if equal
 */
static gboolean steering_key_equal(gconstpointer a, gconstpointer b)
{
	return !memcmp(a, b, sizeof(LpSteerKey));
}

/**
 * lp_steering_prune() - Remove map entries no lease owns
 * @s:		Context
 * @leases:	GPtrArray of LpLease held
 *
 * A lowportd killed between inserting a socket and saving the lease would
 * leave a key nobody removes.
 */
void lp_steering_prune(LpSteering *s, GPtrArray *leases)
{
	g_autoptr(GHashTable) owned = NULL;
	g_autoptr(GPtrArray) held =
		g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
	g_autoptr(GArray) entries = NULL;
	guint i, j;

	if (!s->steer || !(entries = lp_steer_list(s->steer, NULL)))
		return;
	owned = g_hash_table_new(steering_key_hash, steering_key_equal);
	for (i = 0; i < leases->len; i++) {
		const LpLease *lease = leases->pdata[i];

		for (j = 0; j < lease->mappings->len; j++) {
			const LpMapping *m =
				&g_array_index(lease->mappings, LpMapping, j);
			GArray *keys;
			guint k;

			if (m->datapath != LP_DATAPATH_STEER)
				continue;
			keys = steering_keys(m);
			g_ptr_array_add(held, keys);
			for (k = 0; k < keys->len; k++)
				g_hash_table_add(
					owned,
					&g_array_index(keys, SteeringKey, k)
						 .key);
		}
	}
	for (i = 0; i < entries->len; i++) {
		const LpSteerEntry *e =
			&g_array_index(entries, LpSteerEntry, i);

		if (g_hash_table_contains(owned, &e->key))
			continue;
		g_message("removing steering entry for port %u that no lease "
			  "owns",
			  e->key.port);
		lp_steer_remove(s->steer, &e->key);
	}
}
