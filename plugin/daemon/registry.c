// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * registry.c - the leases lowportd holds: kernel rules, reservations, watches
 *
 * One LpRegistry owns every lease, the inode set of their reservation
 * sockets, the kernel removals still being retried and the pidfd watch that
 * ends a lease when its process exits. Other modules ask it questions
 * (overlap, per-user counts, is this socket ours?) and never reach inside.
 *
 * A lease moves through: reservation sockets bound, state file written,
 * nftables batch committed, pidfd watched. Admission undoes the steps already
 * taken if a later one fails, so a refused request changes nothing. A lease
 * ends when its process exits (pidfd readable), on release, or when a policy
 * reload no longer allows it; ending undoes all four steps.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>

#include "daemon/error.h"
#include "daemon/log.h"
#include "daemon/pidwatch.h"
#include "daemon/registry.h"
#include "daemon/reserve.h"
#include "daemon/state.h"
#include "daemon/steering.h"
#include "netutils/util.h"
#include "netutils/nft/nft-lease.h"

/*
 * LpRegistry - every lease of a lowportd and what hangs off them
 * @nft:	nftables engine (borrowed)
 * @steering:	Steering data path (borrowed), NULL: NAT only
 * @state_dir:	State directory of the lease files
 * @leases:	id -> LpLease (owned)
 * @reserved:	Inodes of the reservation sockets (uint64_t *) -> NULL
 * @pidwatch:	pidfds of the leases
 * @pending:	LpNftLease whose removal failed, retried every second
 * @pending_src: Timer of the retries, 0 if none
 */
struct LpRegistry {
	LpNft *nft;
	LpSteering *steering;
	char *state_dir;
	GHashTable *leases;
	GHashTable *reserved;
	LpPidWatch *pidwatch;
	GPtrArray *pending;
	guint pending_src;
};

/**
 * registry_release_reservations() - Close a lease's reservation sockets
 * @reg:		Registry
 * @lease:	Lease
 */
static void registry_release_reservations(LpRegistry *reg, LpLease *lease)
{
	guint i;

	for (i = 0; i < lease->reservations->len; i++) {
		int *fd = &g_array_index(lease->reservations, int, i);
		uint64_t ino;

		if (lp_reserve_inode(*fd, &ino) == 0)
			g_hash_table_remove(reg->reserved, &ino);
		lp_closep(fd);
	}
	g_array_set_size(lease->reservations, 0);
}

/**
 * registry_reserve_one() - Bind the reservation socket of one port
 * @reg:		Registry
 * @lease:	Lease, gets the socket
 * @m:		Mapping
 * @port:	Port of @m
 * @error:	Return location for a GError (LP_DAEMON_ERROR)
 *
 * Return: true on success
 */
static bool registry_reserve_one(LpRegistry *reg, LpLease *lease,
				 const LpMapping *m, uint16_t port,
				 GError **error)
{
	int fd = lp_reserve_port(m->proto, &m->addr, port);
	char addr[LP_ADDR_STRLEN];
	uint64_t ino;
	int r = fd;

	if (fd >= 0)
		r = lp_reserve_inode(fd, &ino);
	if (r >= 0) {
		g_array_append_val(lease->reservations, fd);
		g_hash_table_add(reg->reserved, g_memdup2(&ino, sizeof(ino)));
		return true;
	}
	if (fd >= 0)
		close(fd);
	lp_addr_format(&m->addr, addr, sizeof(addr));
	if (r == -EADDRINUSE)
		g_set_error(
			error, LP_DAEMON_ERROR, LP_ERR_PORT_IN_USE,
			"port %u/%s on %s is already in use by a host socket",
			port, lp_proto_name(m->proto), addr);
	else
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_INTERNAL,
			    "cannot reserve port %u/%s on %s: %s", port,
			    lp_proto_name(m->proto), addr, g_strerror(-r));
	return false;
}

/**
 * registry_reserve() - Bind reservation sockets for every port of a lease
 * @reg:	Registry
 * @lease:	Lease
 * @strict:	Admission: on failure release them all. Adoption at start-up:
 *		keep every port that could be held
 * @error:	Return location for a GError (LP_DAEMON_ERROR), the first
 *		failure
 *
 * Return: true if every port is held
 */
static bool registry_reserve(LpRegistry *reg, LpLease *lease, bool strict,
			     GError **error)
{
	LpMappingIter it;
	bool ok = true;

	lp_mapping_iter_init(&it, lease->mappings);
	while (lp_mapping_iter_next(&it)) {
		if (registry_reserve_one(reg, lease, it.m, it.host_port,
					 ok ? error : NULL))
			continue;
		ok = false;
		if (!strict)
			continue;
		registry_release_reservations(reg, lease);
		return false;
	}
	return ok;
}

/**
 * registry_on_exit() - pidwatch callback: a lease's process exited
 * @key:	Lease
 * @data:	Registry
 */
static void registry_on_exit(gpointer key, gpointer data)
{
	lp_registry_end(data, key, "process exited");
}

/**
 * registry_insert() - Put a lease into the table and watch its process
 * @reg:	Registry
 * @lease:	Lease, ownership moves to the table
 */
static void registry_insert(LpRegistry *reg, LpLease *lease)
{
	if (lease->pidfd >= 0 &&
	    lp_pidwatch_add(reg->pidwatch, lease->pidfd, lease) == 0)
		lease->watched = true;
	else
		g_warning("lease %s: cannot watch process %d", lease->id,
			  lease->pid);
	g_hash_table_replace(reg->leases, lease->id, lease);
}

/**
 * registry_unwatch() - Take a lease's pidfd out of the watch
 * @reg:	Registry
 * @lease:	Lease
 */
static void registry_unwatch(LpRegistry *reg, LpLease *lease)
{
	if (lease->watched)
		lp_pidwatch_remove(reg->pidwatch, lease->pidfd);
	lease->watched = false;
}

/**
 * lp_registry_new() - An empty registry
 * @nft:	nftables engine (borrowed; outlives the registry)
 * @state_dir:	State directory (copied)
 * @error:	Return location for a GError
 *
 * Return: new registry, or NULL if the pidfd watch cannot be set up
 */
LpRegistry *lp_registry_new(LpNft *nft, const char *state_dir, GError **error)
{
	LpRegistry *reg = g_new0(LpRegistry, 1);

	reg->pidwatch = lp_pidwatch_new(registry_on_exit, reg, error);
	if (!reg->pidwatch) {
		g_free(reg);
		return NULL;
	}
	reg->nft = nft;
	reg->state_dir = g_strdup(state_dir);
	reg->leases = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					    (GDestroyNotify)lp_lease_free);
	reg->reserved = g_hash_table_new_full(g_int64_hash, g_int64_equal,
					      g_free, NULL);
	reg->pending = g_ptr_array_new_with_free_func(
		(GDestroyNotify)lp_nft_lease_free);
	return reg;
}

/**
 * lp_registry_set_steering() - Give the registry the steering data path
 * @reg:	Registry
 * @steering:	Steering context (borrowed; outlives the registry), or NULL
 */
void lp_registry_set_steering(LpRegistry *reg, LpSteering *steering)
{
	reg->steering = steering;
}

/**
 * lp_registry_steering() - The steering data path of the registry
 * @reg:	Registry
 *
 * Return: the context, or NULL if NAT only
 */
LpSteering *lp_registry_steering(LpRegistry *reg)
{
	return reg->steering;
}

/**
 * lp_registry_free() - Free the registry; leases keep their rules and state
 * @reg:	Registry, or NULL
 */
void lp_registry_free(LpRegistry *reg)
{
	if (!reg)
		return;
	if (reg->pending_src)
		g_source_remove(reg->pending_src);
	lp_pidwatch_free(reg->pidwatch); /* closing the pidfds unwatches too */
	g_hash_table_unref(reg->leases);
	g_hash_table_unref(reg->reserved);
	g_ptr_array_unref(reg->pending);
	g_free(reg->state_dir);
	g_free(reg);
}

/**
 * registry_nft_add() - Install a lease's rules
 * @reg:		Registry
 * @lease:	Lease
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool registry_nft_add(LpRegistry *reg, LpLease *lease, GError **error)
{
	g_autoptr(LpNftLease) n = lp_lease_to_nft(lease);

	return !n->mappings->len || lp_nft_lease_add(reg->nft, n, error);
}

/**
 * registry_forget_rules() - Remove a lease's rules and steering entries
 * @reg:		Registry
 * @lease:	Lease
 *
 * A failed nftables removal is retried (lp_registry_retry_removal()).
 */
static void registry_forget_rules(LpRegistry *reg, LpLease *lease)
{
	g_autoptr(LpNftLease) n = lp_lease_to_nft(lease);
	g_autoptr(GError) error = NULL;

	if (reg->steering)
		lp_steering_remove(reg->steering, lease);
	if (!n->mappings->len)
		return;
	if (!lp_nft_lease_remove(reg->nft, n, &error)) {
		g_warning("lease %s: removing its rules failed, retrying: %s",
			  lease->id, error->message);
		lp_registry_retry_removal(reg, g_steal_pointer(&n));
	}
}

/**
 * registry_steer_add() - Steer a lease's planned mappings
 * @reg:		Registry
 * @lease:	Lease
 * @error:	Return location for a GError
 *
 * Return: true on success (or nothing to steer)
 */
static bool registry_steer_add(LpRegistry *reg, LpLease *lease, GError **error)
{
	if (!lp_lease_uses(lease, LP_DATAPATH_STEER)) {
		lp_listener_close_all(lease->listeners);
		return true;
	}
	if (!reg->steering) {
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_INTERNAL,
			    "steering is not available");
		return false;
	}
	return lp_steering_add(reg->steering, lease, error);
}

/**
 * registry_unadmit() - Take back a lease's rules, state and reservations
 * @reg:		Registry
 * @lease:	Lease whose process cannot be watched (not in the table)
 *
 * A lease nobody watches would never end: its rules must not stay.
 */
static void registry_unadmit(LpRegistry *reg, LpLease *lease)
{
	registry_forget_rules(reg, lease);
	lp_state_remove(reg->state_dir, lease->id, NULL);
	registry_release_reservations(reg, lease);
}

/**
 * lp_registry_admit() - Make an admitted lease real
 * @reg:		Registry
 * @lease:	Lease with pidfd, ownership moves to the registry on success
 * @error:	Return location for a GError (LP_DAEMON_ERROR)
 *
 * Return: true on success; on failure nothing has changed
 */
bool lp_registry_admit(LpRegistry *reg, LpLease *lease, GError **error)
{
	g_autoptr(GError) local = NULL;
	bool ok;
	int rc;

	if (!registry_reserve(reg, lease, true, error))
		return false;
	if (!lp_state_save(reg->state_dir, lease, &local)) {
		registry_release_reservations(reg, lease);
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_INTERNAL,
			    "cannot save lease state: %s", local->message);
		return false;
	}
	ok = registry_nft_add(reg, lease, &local);
	if (ok && !registry_steer_add(reg, lease, &local)) {
		/* its NAT elements, and the keys steered before the failure */
		registry_forget_rules(reg, lease);
		ok = false;
	}
	if (!ok) {
		registry_release_reservations(reg, lease);
		lp_state_remove(reg->state_dir, lease->id, NULL);
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_INTERNAL, "%s",
			    local->message);
		return false;
	}
	rc = lease->pidfd < 0
		     ? -EBADF
		     : lp_pidwatch_add(reg->pidwatch, lease->pidfd, lease);
	if (rc < 0) {
		registry_unadmit(reg, lease);
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_INTERNAL,
			    "cannot watch process %d: %s", lease->pid,
			    g_strerror(-rc));
		return false;
	}
	lease->watched = true;
	g_hash_table_replace(reg->leases, lease->id, lease);
	return true;
}

/**
 * lp_registry_adopt() - Take over a live lease found at start-up
 * @reg:		Registry
 * @lease:	Lease with pidfd whose rules are in place; ownership moves
 *
 * A port that cannot be reserved again (a host service bound it while the
 * helper was down) is logged; the forward stays, as traffic must not drop.
 */
void lp_registry_adopt(LpRegistry *reg, LpLease *lease)
{
	g_autoptr(GError) error = NULL;

	if (!registry_reserve(reg, lease, false, &error))
		g_warning("lease %s: %s; the forward stays in place", lease->id,
			  error->message);
	registry_insert(reg, lease);
}

/**
 * registry_on_retry() - Retry removing rules whose removal failed
 * @data:	Registry
 *
 * Return: G_SOURCE_CONTINUE while some are left
 */
static gboolean registry_on_retry(gpointer data)
{
	LpRegistry *reg = data;
	guint i = 0;

	while (i < reg->pending->len) {
		g_autoptr(GError) error = NULL;

		if (lp_nft_lease_remove(reg->nft, reg->pending->pdata[i],
					&error)) {
			g_ptr_array_remove_index_fast(reg->pending, i);
			continue;
		}
		g_debug("removal still failing: %s", error->message);
		i++;
	}
	if (reg->pending->len)
		return G_SOURCE_CONTINUE;
	reg->pending_src = 0;
	return G_SOURCE_REMOVE;
}

/**
 * lp_registry_retry_removal() - Keep retrying to remove a lease's rules
 * @reg:		Registry
 * @n:		The lease's kernel view; ownership moves here
 *
 * A DNAT left behind would send the port to a backend port anybody may
 * bind once its owner is gone: removal is retried every second until it
 * succeeds (or a repair rebuilds the table without it).
 */
void lp_registry_retry_removal(LpRegistry *reg, LpNftLease *n)
{
	g_ptr_array_add(reg->pending, n);
	if (!reg->pending_src)
		reg->pending_src =
			g_timeout_add_seconds(1, registry_on_retry, reg);
}

/**
 * lp_registry_end() - End a lease: rules, state, reservations, watch
 * @reg:		Registry
 * @lease:	Lease in the table, freed here
 * @reason:	Why, for the log
 */
void lp_registry_end(LpRegistry *reg, LpLease *lease, const char *reason)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *what = lp_lease_describe(lease);

	g_hash_table_steal(reg->leases, lease->id);
	registry_unwatch(reg, lease);
	registry_forget_rules(reg, lease);
	if (!lp_state_remove(reg->state_dir, lease->id, &error))
		g_warning("lease %s: %s", lease->id, error->message);
	registry_release_reservations(reg, lease);
	lp_log_event("removed", lease->uid, lease->id,
		     "removed lease %s: %s (%s)", lease->id, what, reason);
	lp_lease_free(lease);
}

/**
 * lp_registry_pending() - Number of kernel removals still being retried
 * @reg:	Registry
 *
 * Return: count
 */
guint lp_registry_pending(LpRegistry *reg)
{
	return reg->pending->len;
}

/**
 * lp_registry_forget_pending() - Drop the removals being retried
 * @reg:	Registry
 *
 * For a reconciliation that makes the table hold exactly the leases
 * registered, which leaves nothing for a pending removal to remove.
 */
void lp_registry_forget_pending(LpRegistry *reg)
{
	g_ptr_array_set_size(reg->pending, 0);
}

/**
 * lp_registry_size() - Number of leases held
 * @reg:	Registry
 *
 * Return: count
 */
guint lp_registry_size(LpRegistry *reg)
{
	return g_hash_table_size(reg->leases);
}

/**
 * lp_registry_lookup() - Find a lease by ID
 * @reg:	Registry
 * @id:		Lease ID
 *
 * Return: the lease (still the registry's), or NULL
 */
LpLease *lp_registry_lookup(LpRegistry *reg, const char *id)
{
	return g_hash_table_lookup(reg->leases, id);
}

/**
 * lp_registry_count_leases() - Leases a user holds
 * @reg:	Registry
 * @uid:	User
 *
 * Return: number of leases
 */
unsigned int lp_registry_count_leases(LpRegistry *reg, uid_t uid)
{
	GHashTableIter it;
	unsigned int n = 0;
	gpointer v;

	g_hash_table_iter_init(&it, reg->leases);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		if (((const LpLease *)v)->uid == uid)
			n++;
	}
	return n;
}

/**
 * lp_registry_count_ports() - Ports a user forwards across all leases
 * @reg:		Registry
 * @uid:	User
 *
 * Return: number of ports
 */
unsigned int lp_registry_count_ports(LpRegistry *reg, uid_t uid)
{
	GHashTableIter it;
	unsigned int n = 0;
	gpointer v;

	g_hash_table_iter_init(&it, reg->leases);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const LpLease *lease = v;

		if (lease->uid == uid)
			n += lp_lease_ports(lease);
	}
	return n;
}

/**
 * lp_registry_find_overlap() - Find a lease already forwarding part of @m
 * @reg:		Registry
 * @m:		Mapping
 * @ret_port:	First overlapping port
 *
 * Return: the lease, or NULL
 */
const LpLease *lp_registry_find_overlap(LpRegistry *reg, const LpMapping *m,
					uint16_t *ret_port)
{
	GHashTableIter it;
	gpointer v;
	guint i;

	g_hash_table_iter_init(&it, reg->leases);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		LpLease *lease = v;

		for (i = 0; i < lease->mappings->len; i++) {
			if (lp_mapping_overlap(m,
					       &g_array_index(lease->mappings,
							      LpMapping, i),
					       ret_port))
				return lease;
		}
	}
	return NULL;
}

/**
 * lp_registry_is_reservation() - Tell whether a socket is one of ours
 * @reg:		Registry
 * @inode:	Socket inode
 *
 * Return: true for a reservation socket of some lease
 */
bool lp_registry_is_reservation(LpRegistry *reg, uint64_t inode)
{
	return g_hash_table_contains(reg->reserved, &inode);
}

/**
 * lp_registry_snapshot() - The leases held, in an array safe to iterate while
 *			  leases end
 * @reg:		Registry
 *
 * Return: new GPtrArray of borrowed LpLease pointers
 */
GPtrArray *lp_registry_snapshot(LpRegistry *reg)
{
	GPtrArray *all = g_ptr_array_sized_new(g_hash_table_size(reg->leases));
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, reg->leases);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(all, v);
	return all;
}
