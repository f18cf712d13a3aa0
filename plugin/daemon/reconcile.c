// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reconcile.c - bring kernel rules, state files and live processes together
 *
 * DOC: Theory of Operation
 *
 * At start-up the state directory says which leases were held; a pidfd
 * opened with the saved PID and start time tells which of their processes
 * still live (a reused PID has another start time). The kernel table says
 * which rules exist. Live leases whose rules are intact are left untouched,
 * so their traffic never drops; missing or differing rules are (re)added;
 * rules of dead leases and orphan lease chains are removed; a missing table
 * is rebuilt in one batch.
 *
 * lp_reconcile_repair() runs the kernel half again after an outside change.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "daemon/log.h"
#include "daemon/reconcile.h"
#include "daemon/state.h"
#include "daemon/steering.h"
#include "netutils/pidfd.h"
#include "netutils/procfs.h"
#include "netutils/nft/nft-table.h"
#include "netutils/nft/nft-lease.h"

/*
 * ReconcileEntry - one forwarded (family scope, protocol, port) as the kernel
 * holds it; an every-address mapping is two of them (IPv4 and IPv6)
 */
typedef struct {
	LpAddr addr;
	uint16_t port;
	uint16_t backend;
	uint8_t proto;
} ReconcileEntry;

/**
 * reconcile_cmp_entry() - Order entries bytewise
 * @a:	Entry
 * @b:	Entry
 *
 * Return: <0, 0, >0
 */
static int reconcile_cmp_entry(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, sizeof(ReconcileEntry));
}

/**
 * reconcile_entries() - Expand mappings into sorted kernel entries
 * @mappings:	GArray of LpMapping
 *
 * Return: new GArray of ReconcileEntry
 */
static GArray *reconcile_entries(const GArray *mappings)
{
	GArray *out = g_array_new(FALSE, TRUE, sizeof(ReconcileEntry));
	LpMappingIter it;
	unsigned int f;

	lp_mapping_iter_init(&it, mappings);
	while (lp_mapping_iter_next(&it)) {
		for (f = 0; f < 2; f++) {
			ReconcileEntry e;

			memset(&e, 0, sizeof(e));
			e.addr = it.m->addr;
			if (it.m->addr.family == AF_UNSPEC) {
				e.addr.family = f ? AF_INET6 : AF_INET;
				e.addr.any = true;
			} else if (f) {
				break;
			}
			e.port = it.host_port;
			e.backend = it.backend_port;
			e.proto = it.m->proto;
			g_array_append_val(out, e);
		}
	}
	g_array_sort(out, reconcile_cmp_entry);
	return out;
}

/**
 * lp_reconcile_same_rules() - Do kernel rules match a lease exactly?
 * @k:		Lease as listed from the kernel
 * @lease:	Lease as held
 *
 * Return: true if every port is forwarded as the lease says, and no other
 */
bool lp_reconcile_same_rules(const LpNftLease *k, const LpLease *lease)
{
	g_autoptr(LpNftLease) n = lp_lease_to_nft(lease);
	g_autoptr(GArray) have = reconcile_entries(k->mappings);
	g_autoptr(GArray) want = reconcile_entries(n->mappings);

	return k->uid == lease->uid && have->len == want->len &&
	       !memcmp(have->data, want->data,
		       have->len * sizeof(ReconcileEntry));
}

/**
 * reconcile_nft_leases() - Our leases as the nft engine takes them
 * @leases:	GPtrArray of LpLease
 *
 * Return: GPtrArray of LpNftLease (owned)
 */
static GPtrArray *reconcile_nft_leases(GPtrArray *leases)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)lp_nft_lease_free);
	guint i;

	for (i = 0; i < leases->len; i++)
		if (lp_lease_uses(leases->pdata[i], LP_DATAPATH_NAT))
			g_ptr_array_add(out, lp_lease_to_nft(leases->pdata[i]));
	return out;
}

/**
 * reconcile_find() - Find a lease by ID in an array
 * @leases:	GPtrArray of LpLease
 * @id:		Lease ID
 *
 * Return: the lease, or NULL
 */
static LpLease *reconcile_find(GPtrArray *leases, const char *id)
{
	guint i;

	for (i = 0; i < leases->len; i++) {
		LpLease *lease = leases->pdata[i];

		if (!g_strcmp0(lease->id, id))
			return lease;
	}
	return NULL;
}

/**
 * reconcile_kernel() - Make the kernel table hold exactly @live
 * @reg:	Registry (its pending removals are dropped)
 * @nft:	nftables engine
 * @live:	GPtrArray of LpLease that should be forwarded
 * @failed:	Gets the leases of @live whose rules could not be restored
 *		(borrowed pointers); the caller ends them
 * @error:	Return location for a GError
 *
 * Leases whose rules already match are not touched. Rules of leases not in
 * @live are removed. Afterwards the table holds nothing a pending removal
 * could still be about.
 *
 * Return: true on success, false if the table could not be rebuilt
 */
static bool reconcile_kernel(LpRegistry *reg, LpNft *nft, GPtrArray *live,
			     GPtrArray *failed, GError **error)
{
	g_autoptr(GPtrArray) kernel = NULL;
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GHashTable) good = g_hash_table_new(g_str_hash, g_str_equal);
	guint i;

	lp_registry_forget_pending(reg);
	if (!lp_nft_table_present(nft, NULL) ||
	    !lp_nft_table_ensure(nft, NULL) ||
	    !(kernel = lp_nft_lease_list(nft, NULL))) {
		all = reconcile_nft_leases(live);
		g_message("rebuilding table inet %s with %u lease(s)",
			  LP_NFT_TABLE, live->len);
		return lp_nft_table_rebuild(nft, all, error);
	}
	for (i = 0; i < kernel->len; i++) {
		LpNftLease *k = kernel->pdata[i];
		LpLease *lease = reconcile_find(live, k->id);
		g_autoptr(GError) local = NULL;

		if (lease && lp_reconcile_same_rules(k, lease)) {
			g_hash_table_add(good, lease->id);
			continue;
		}
		if (!lp_nft_lease_remove(nft, k, &local))
			g_warning(
				"cannot remove stale lease %s from the table: %s",
				k->id, local->message);
	}
	for (i = 0; i < live->len; i++) {
		LpLease *lease = live->pdata[i];
		g_autoptr(LpNftLease) n = NULL;
		g_autoptr(GError) local = NULL;

		if (g_hash_table_contains(good, lease->id) ||
		    !lp_lease_uses(lease, LP_DATAPATH_NAT))
			continue;
		n = lp_lease_to_nft(lease);
		if (lp_nft_lease_add(nft, n, &local)) {
			g_message("lease %s: rules restored", lease->id);
			continue;
		}
		g_warning("lease %s: rules cannot be restored: %s", lease->id,
			  local->message);
		g_ptr_array_add(failed, lease);
	}
	return true;
}

/**
 * reconcile_exiting() - Tell whether an opened lease process is past its end
 * @lease:	Lease whose @pid was opened
 * @pidfd:	pidfd of it
 *
 * A pidfd opens on a zombie too, and a process inside exit() (PF_EXITING)
 * is not a zombie yet: neither is live, and adopting them would end the
 * lease a moment later as "process exited" instead of saying it exited
 * while lowportd was down.
 *
 * Return: true if it has exited or is exiting
 */
static bool reconcile_exiting(const LpLease *lease, int pidfd)
{
	LpProcStat st;

	if (lp_pidfd_is_alive(pidfd) == 0)
		return true;
	if (lp_procfs_stat(lease->pid, &st) < 0)
		return true;
	return st.state == 'Z' || st.state == 'X' ||
	       (st.flags & LP_PROCFS_PF_EXITING);
}

/**
 * lp_reconcile_split() - Sort saved leases into live and dead
 * @saved:	GPtrArray of LpLease from the state directory (emptied)
 * @live:	Gets leases whose process lives, with a pidfd
 * @dead:	Gets the others: gone, PID reused, zombie or exiting
 */
void lp_reconcile_split(GPtrArray *saved, GPtrArray *live, GPtrArray *dead)
{
	while (saved->len) {
		LpLease *lease = g_ptr_array_steal_index(saved, 0);
		int fd = lp_pidfd_open_checked(lease->pid, lease->starttime);

		if (fd >= 0 && reconcile_exiting(lease, fd)) {
			close(fd);
			fd = -1;
		}
		if (fd >= 0) {
			lease->pidfd = fd;
			g_ptr_array_add(live, lease);
		} else {
			g_ptr_array_add(dead, lease);
		}
	}
}

/**
 * reconcile_steering() - Check the steered leases found at start-up
 * @steering:	Steering data path
 * @live:	GPtrArray of LpLease to be adopted
 *
 * Their sockets stayed in the pinned map while lowportd was down. A key
 * that is gone (its backend closed the socket) is logged; entries no live
 * lease owns are removed.
 */
static void reconcile_steering(LpSteering *steering, GPtrArray *live)
{
	guint i;

	for (i = 0; i < live->len; i++) {
		const LpLease *lease = live->pdata[i];
		unsigned int missing = lp_steering_missing(steering, lease);

		if (missing)
			g_warning("lease %s: %u steered port(s) no longer in "
				  "the steering map (socket closed)",
				  lease->id, missing);
	}
	lp_steering_prune(steering, live);
}

/**
 * lp_reconcile_start() - Start-up reconciliation of state, processes and
 *			  kernel
 * @reg:	Registry, still empty; gets the live leases
 * @nft:	nftables engine
 * @state_dir:	State directory
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
bool lp_reconcile_start(LpRegistry *reg, LpNft *nft, const char *state_dir,
			GError **error)
{
	g_autoptr(GPtrArray) saved = lp_state_load_all(state_dir, error);
	g_autoptr(GPtrArray) live =
		g_ptr_array_new_with_free_func((GDestroyNotify)lp_lease_free);
	g_autoptr(GPtrArray) dead =
		g_ptr_array_new_with_free_func((GDestroyNotify)lp_lease_free);
	g_autoptr(GPtrArray) failed = g_ptr_array_new();
	LpSteering *steering = lp_registry_steering(reg);
	guint i;

	if (!saved)
		return false;
	lp_reconcile_split(saved, live, dead);
	if (!reconcile_kernel(reg, nft, live, failed, error))
		return false;
	for (i = 0; i < failed->len; i++) {
		LpLease *lease = failed->pdata[i];

		lp_state_remove(state_dir, lease->id, NULL);
		lp_log_event("removed", lease->uid, lease->id,
			     "removed lease %s: its rules cannot be restored",
			     lease->id);
		g_ptr_array_remove(live, lease); /* frees it */
	}
	for (i = 0; i < dead->len; i++) {
		LpLease *lease = dead->pdata[i];
		g_autofree char *what = lp_lease_describe(lease);

		if (steering)
			lp_steering_remove(steering, lease);
		lp_state_remove(state_dir, lease->id, NULL);
		lp_log_event(
			"removed", lease->uid, lease->id,
			"removed lease %s: %s (process %d exited while lowportd was down)",
			lease->id, what, lease->pid);
	}
	if (steering)
		reconcile_steering(steering, live);
	while (live->len)
		lp_registry_adopt(reg, g_ptr_array_steal_index(live, 0));
	return true;
}

/**
 * lp_reconcile_repair() - Restore the table after an outside change
 * @reg:	Registry of the leases held
 * @nft:	nftables engine
 */
void lp_reconcile_repair(LpRegistry *reg, LpNft *nft)
{
	g_autoptr(GPtrArray) held = lp_registry_snapshot(reg);
	g_autoptr(GPtrArray) failed = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	guint i;

	if (!reconcile_kernel(reg, nft, held, failed, &error))
		g_warning("repairing table inet %s failed: %s", LP_NFT_TABLE,
			  error->message);
	for (i = 0; i < failed->len; i++)
		lp_registry_end(reg, failed->pdata[i],
				"its rules cannot be restored");
}
