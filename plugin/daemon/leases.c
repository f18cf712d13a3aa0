// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * leases.c - the leases lowportd holds: kernel rules, reservations, watches
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

#include "daemon/leases.h"
#include "daemon/pidwatch.h"
#include "daemon/reserve.h"
#include "daemon/state.h"
#include "netutils/util.h"

/**
 * leases_release_reservations() - Close a lease's reservation sockets
 * @d:		Daemon
 * @lease:	Lease
 */
static void leases_release_reservations(LpDaemon *d, LpLease *lease)
{
	guint i;

	for (i = 0; i < lease->reservations->len; i++) {
		int *fd = &g_array_index(lease->reservations, int, i);
		uint64_t ino;

		if (lp_reserve_inode(*fd, &ino) == 0)
			g_hash_table_remove(d->reserved, &ino);
		lp_closep(fd);
	}
	g_array_set_size(lease->reservations, 0);
}

/**
 * leases_reserve_one() - Bind the reservation socket of one port
 * @d:		Daemon
 * @lease:	Lease, gets the socket
 * @m:		Mapping
 * @port:	Port of @m
 * @error:	Return location for a GError (LP_DAEMON_ERROR)
 *
 * Return: true on success
 */
static bool leases_reserve_one(LpDaemon *d, LpLease *lease, const LpMapping *m,
			       uint16_t port, GError **error)
{
	int fd = lp_reserve_port(m->proto, &m->addr, port);
	char addr[LP_ADDR_STRLEN];
	uint64_t ino;
	int r = fd;

	if (fd >= 0)
		r = lp_reserve_inode(fd, &ino);
	if (r >= 0) {
		g_array_append_val(lease->reservations, fd);
		g_hash_table_add(d->reserved, g_memdup2(&ino, sizeof(ino)));
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
 * leases_reserve() - Bind reservation sockets for every port of a lease
 * @d:		Daemon
 * @lease:	Lease
 * @strict:	Admission: on failure release them all. Adoption at start-up:
 *		keep every port that could be held
 * @error:	Return location for a GError (LP_DAEMON_ERROR), the first
 *		failure
 *
 * Return: true if every port is held
 */
static bool leases_reserve(LpDaemon *d, LpLease *lease, bool strict,
			   GError **error)
{
	bool ok = true;
	guint i;

	for (i = 0; i < lease->mappings->len; i++) {
		const LpMapping *m =
			&g_array_index(lease->mappings, LpMapping, i);
		unsigned int k;

		for (k = 0; k < m->range; k++) {
			if (leases_reserve_one(d, lease, m, m->host_port + k,
					       ok ? error : NULL))
				continue;
			ok = false;
			if (!strict)
				continue;
			leases_release_reservations(d, lease);
			return false;
		}
	}
	return ok;
}

/**
 * lp_leases_on_exit() - pidwatch callback: a lease's process exited
 * @key:	Lease
 * @data:	Daemon
 */
void lp_leases_on_exit(gpointer key, gpointer data)
{
	lp_leases_end(data, key, "process exited");
}

/**
 * leases_insert() - Put a lease into the table and watch its process
 * @d:		Daemon
 * @lease:	Lease, ownership moves to the table
 */
static void leases_insert(LpDaemon *d, LpLease *lease)
{
	lease->daemon = d;
	if (lease->pidfd >= 0 &&
	    lp_pidwatch_add(d->pidwatch, lease->pidfd, lease) == 0)
		lease->watched = true;
	else
		g_warning("lease %s: cannot watch process %d", lease->id,
			  lease->pid);
	g_hash_table_replace(d->leases, lease->id, lease);
}

/**
 * leases_nft_add() - Install a lease's rules
 * @d:		Daemon
 * @lease:	Lease
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool leases_nft_add(LpDaemon *d, LpLease *lease, GError **error)
{
	g_autoptr(LpNftLease) n = lp_lease_to_nft(lease);

	return lp_nft_lease_add(d->nft, n, error);
}

/**
 * lp_leases_admit() - Make an admitted lease real
 * @d:		Daemon
 * @lease:	Lease with pidfd, ownership moves to the daemon on success
 * @error:	Return location for a GError (LP_DAEMON_ERROR)
 *
 * Return: true on success; on failure nothing has changed
 */
bool lp_leases_admit(LpDaemon *d, LpLease *lease, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (!leases_reserve(d, lease, true, error))
		return false;
	if (!lp_state_save(d->state_dir, lease, &local)) {
		leases_release_reservations(d, lease);
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_INTERNAL,
			    "cannot save lease state: %s", local->message);
		return false;
	}
	if (!leases_nft_add(d, lease, &local)) {
		leases_release_reservations(d, lease);
		lp_state_remove(d->state_dir, lease->id, NULL);
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_INTERNAL, "%s",
			    local->message);
		return false;
	}
	leases_insert(d, lease);
	return true;
}

/**
 * lp_leases_adopt() - Take over a live lease found at start-up
 * @d:		Daemon
 * @lease:	Lease with pidfd whose rules are in place; ownership moves
 *
 * A port that cannot be reserved again (a host service bound it while the
 * helper was down) is logged; the forward stays, as traffic must not drop.
 */
void lp_leases_adopt(LpDaemon *d, LpLease *lease)
{
	g_autoptr(GError) error = NULL;

	if (!leases_reserve(d, lease, false, &error))
		g_warning("lease %s: %s; the forward stays in place", lease->id,
			  error->message);
	leases_insert(d, lease);
}

/**
 * leases_on_retry() - Retry removing rules whose removal failed
 * @data:	Daemon
 *
 * Return: G_SOURCE_CONTINUE while some are left
 */
static gboolean leases_on_retry(gpointer data)
{
	LpDaemon *d = data;
	guint i = 0;

	while (i < d->pending->len) {
		g_autoptr(GError) error = NULL;

		if (lp_nft_lease_remove(d->nft, d->pending->pdata[i], &error)) {
			g_ptr_array_remove_index_fast(d->pending, i);
			continue;
		}
		g_debug("removal still failing: %s", error->message);
		i++;
	}
	if (d->pending->len)
		return G_SOURCE_CONTINUE;
	d->pending_src = 0;
	return G_SOURCE_REMOVE;
}

/**
 * lp_leases_retry_removal() - Keep retrying to remove a lease's rules
 * @d:		Daemon
 * @n:		The lease's kernel view; ownership moves here
 *
 * A DNAT left behind would send the port to a backend port anybody may
 * bind once its owner is gone: removal is retried every second until it
 * succeeds (or a repair rebuilds the table without it).
 */
void lp_leases_retry_removal(LpDaemon *d, LpNftLease *n)
{
	g_ptr_array_add(d->pending, n);
	if (!d->pending_src)
		d->pending_src = g_timeout_add_seconds(1, leases_on_retry, d);
}

/**
 * lp_leases_end() - End a lease: rules, state, reservations, watch
 * @d:		Daemon
 * @lease:	Lease in the table, freed here
 * @reason:	Why, for the log
 */
void lp_leases_end(LpDaemon *d, LpLease *lease, const char *reason)
{
	g_autoptr(LpNftLease) n = lp_lease_to_nft(lease);
	g_autoptr(GError) error = NULL;
	g_autofree char *what = lp_lease_describe(lease);

	g_hash_table_steal(d->leases, lease->id);
	if (!lp_nft_lease_remove(d->nft, n, &error)) {
		g_warning("lease %s: removing its rules failed, retrying: %s",
			  lease->id, error->message);
		lp_leases_retry_removal(d, g_steal_pointer(&n));
	}
	g_clear_error(&error);
	if (!lp_state_remove(d->state_dir, lease->id, &error))
		g_warning("lease %s: %s", lease->id, error->message);
	leases_release_reservations(d, lease);
	lp_log_event("removed", lease->uid, lease->id,
		     "removed lease %s: %s (%s)", lease->id, what, reason);
	lp_lease_free(lease);
}

/**
 * lp_leases_count_ports() - Ports a user forwards across all leases
 * @d:		Daemon
 * @uid:	User
 *
 * Return: number of ports
 */
unsigned int lp_leases_count_ports(LpDaemon *d, uid_t uid)
{
	GHashTableIter it;
	unsigned int n = 0;
	gpointer v;

	g_hash_table_iter_init(&it, d->leases);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const LpLease *lease = v;

		if (lease->uid == uid)
			n += lp_lease_ports(lease);
	}
	return n;
}

/**
 * lp_leases_find_overlap() - Find a lease already forwarding part of @m
 * @d:		Daemon
 * @m:		Mapping
 * @ret_port:	First overlapping port
 *
 * Return: the lease, or NULL
 */
LpLease *lp_leases_find_overlap(LpDaemon *d, const LpMapping *m,
				uint16_t *ret_port)
{
	GHashTableIter it;
	gpointer v;
	guint i;

	g_hash_table_iter_init(&it, d->leases);
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
 * lp_leases_is_reservation() - Tell whether a socket is one of ours
 * @d:		Daemon
 * @inode:	Socket inode
 *
 * Return: true for a reservation socket of some lease
 */
bool lp_leases_is_reservation(LpDaemon *d, uint64_t inode)
{
	return g_hash_table_contains(d->reserved, &inode);
}

/**
 * lp_leases_snapshot() - The leases held, in an array safe to iterate while
 *			  leases end
 * @d:		Daemon
 *
 * Return: new GPtrArray of borrowed LpLease pointers
 */
GPtrArray *lp_leases_snapshot(LpDaemon *d)
{
	GPtrArray *all = g_ptr_array_sized_new(g_hash_table_size(d->leases));
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, d->leases);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(all, v);
	return all;
}
