// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-lease.c - leases in table inet lowport: add, list, remove
 *
 * DOC: Theory of Operation
 *
 * The table is static but for the elements of three data maps (address
 * . protocol . port -> backend port), looked up by three port-only DNAT
 * rules (nft-table.c). Every change is one nf_tables batch (nft-batch.c):
 * adding a lease adds its elements (nft-elems.c), one NEWSETELEM per map
 * touched; removing it deletes them. Data map elements, unlike rules with
 * nat or jumps and verdict map elements, never make the kernel re-validate
 * the table at commit, so adding or removing costs the same at 10,000
 * leases as at 1.
 *
 * The nat chains (chain leases and its DNAT rules, the two base chains)
 * exist only while an element does (nft-hooks.c): the
 * batch adding elements to empty maps creates them, the one removing the
 * last elements deletes them.
 *
 * Each element carries the comment "lease=<ID> uid=<UID>". Listing dumps
 * the three maps under a generation check (repeated if the ruleset
 * changes meanwhile, like nft's check_genid) and groups elements by ID.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter/nf_tables.h>

#include <glib.h>

#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft-conflict.h"
#include "netutils/nft/nft-elems.h"
#include "netutils/nft/nft-hooks.h"
#include "netutils/nft/nft-lease.h"
#include "netutils/nft/nft-query.h"
#include "netutils/nft/nft-rules.h"
#include "netutils/nft/nft-table.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

/* Attempts at a consistent listing before giving up */
#define LP_NFT_GENID_TRIES 16

/**
 * lp_nft_lease_new() - Allocate a lease with no mappings
 * @id:		Lease ID, copied (truncated to LP_LEASE_ID_MAX)
 * @uid:	Owner
 *
 * Return: new lease, free with lp_nft_lease_free()
 */
LpNftLease *lp_nft_lease_new(const char *id, uid_t uid)
{
	LpNftLease *l = g_new0(LpNftLease, 1);

	g_strlcpy(l->id, id, sizeof(l->id));
	l->uid = uid;
	l->mappings = g_array_new(FALSE, TRUE, sizeof(LpMapping));
	return l;
}

/**
 * lp_nft_lease_free() - Free a lease
 * @lease:	Lease, may be NULL
 */
void lp_nft_lease_free(LpNftLease *lease)
{
	if (!lease)
		return;
	g_array_unref(lease->mappings);
	g_free(lease);
}

/**
 * lp_nft_lease_elems() - Number of elements an LpNftElems holds
 * @el:		Elements
 *
 * Return: the count
 */
static long lp_nft_lease_elems(const LpNftElems *el)
{
	long n = 0;
	unsigned int i;

	for (i = 0; i < LP_NFT_MAP_MAX; i++)
		n += el->keys[i] ? el->keys[i]->len : 0;
	return n;
}

/**
 * lp_nft_lease_add() - Install a lease in one batch
 * @nft:	Engine
 * @lease:	Lease: ID, owner and mappings
 * @error:	Return location for a GError, code a positive errno
 *
 * One NEWSETELEM message per map touched, created exclusively: if any key
 * is taken (EEXIST, the error then says by which lease) or the table is
 * gone, nothing changes. Unless the engine counts elements in the maps
 * already, the nat chains are checked and what is missing of them is
 * created in the same batch. Data map elements never make the kernel
 * validate the table, so the cost does not grow with the number of
 * leases.
 *
 * Return: true on success
 */
bool lp_nft_lease_add(LpNft *nft, const LpNftLease *lease, GError **error)
{
	g_auto(LpNftElems) el = {.msg = {-1, -1, -1}};
	g_autoptr(LpNftBatch) b = NULL;
	g_autoptr(GError) local = NULL;
	const LpNftKey *k;
	LpNftHooks h;
	int r;

	if (!lp_nft_elems_lease_check(lease, error))
		return false;
	if (nft->elems <= 0) {
		r = lp_nft_hooks_read(nft, &h);
		if (r < 0) {
			lp_nft_set_errno(error, r, "reading the nat chains");
			return false;
		}
	}
	b = lp_nft_batch_new(&nft->seq);
	lp_nft_elems_add_lease(&el, lease, true);
	lp_nft_elems_flush(&el, b, true, lease->id);
	/* after the elements: a missing table is reported as before */
	if (nft->elems <= 0)
		lp_nft_hooks_batch_add(b, &h);
	if (lp_nft_batch_commit(b, nft->nl, &local)) {
		lp_nft_hooks_count(nft, lp_nft_lease_elems(&el));
		return true;
	}
	k = lp_nft_elems_failed(&el, b);
	if (k && g_error_matches(local, LP_NFT_ERROR, EEXIST))
		lp_nft_conflict_explain(nft, lease, k, local);
	g_propagate_error(error, g_steal_pointer(&local));
	return false;
}

/*
 * LpNftLeaseList - state of one listing pass
 * @only:	List only this lease ID, NULL for all
 * @map:	Map being dumped
 * @leases:	LpNftLease found, raw: one mapping per element
 * @by_id:	Lease ID -> LpNftLease in @leases (borrowed)
 * @keys:	If not NULL, gets the LpNftKey of every element listed
 */
typedef struct {
	const char *only;
	LpNftMap map;
	GPtrArray *leases;
	GHashTable *by_id;
	GArray *keys;
} LpNftLeaseList;

/**
 * lp_nft_lease_list_elem_cb() - nftnl_set_elem_foreach() callback: one element
 * @e:		Element
 * @data:	LpNftLeaseList
 *
 * Elements without our comment (added from outside) are skipped.
 *
 * Return: 0
 */
static int lp_nft_lease_list_elem_cb(struct nftnl_set_elem *e, void *data)
{
	char id[LP_LEASE_ID_MAX + 1];
	LpNftLeaseList *l = data;
	LpNftLease *lease;
	LpNftKey k = {.map = l->map};
	const void *key;
	LpMapping m;
	uid_t uid;

	if (lp_nft_rules_parse_elem(l->map, e, id, &uid, &m) < 0) {
		g_debug("skipping a foreign element of map %s",
			lp_nft_rules_map_name(l->map));
		return 0;
	}
	if (l->only && strcmp(id, l->only))
		return 0;
	lease = g_hash_table_lookup(l->by_id, id);
	if (!lease) {
		lease = lp_nft_lease_new(id, uid);
		g_ptr_array_add(l->leases, lease);
		g_hash_table_insert(l->by_id, lease->id, lease);
	}
	g_array_append_val(lease->mappings, m);
	if (l->keys) {
		key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &k.len);
		memcpy(k.key, key, k.len); /* length checked by the parser */
		g_array_append_val(l->keys, k);
	}
	return 0;
}

/**
 * lp_nft_lease_list_cb() - Element dump callback
 * @nlh:	NEWSETELEM message
 * @data:	LpNftLeaseList
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_lease_list_cb(const struct nlmsghdr *nlh, void *data)
{
	g_autoptr(NftnlSet) s = nftnl_set_alloc();

	if (!s)
		lp_oom();
	if (nftnl_set_elems_nlmsg_parse(nlh, s) >= 0)
		nftnl_set_elem_foreach(s, lp_nft_lease_list_elem_cb, data);
	return MNL_CB_OK;
}

/**
 * lp_nft_lease_list_once() - One listing pass: the elements of the three maps
 * @nft:	Engine
 * @l:		State to fill
 * @genid:	Generation every dump message must carry
 *
 * A missing map lists as empty, so a table healed after losing one map
 * keeps the leases of the others.
 *
 * Return: 0 on success, -EINTR if the ruleset changed, negative errno
 */
static int lp_nft_lease_list_once(LpNft *nft, LpNftLeaseList *l, uint32_t genid)
{
	LpNftQuery q = {.cb = lp_nft_lease_list_cb,
			.data = l,
			.check_genid = true,
			.genid = genid & 0xffff};
	LP_NFT_REQ_BUF(buf);
	unsigned int i;
	int r;

	for (i = 0; i < LP_NFT_MAP_MAX; i++) {
		g_autoptr(NftnlSet) s = lp_nft_rules_elems(i);
		struct nlmsghdr *nlh;

		l->map = i;
		nlh = lp_nft_query_request(buf, NFT_MSG_GETSETELEM, true,
					   &nft->seq);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		r = lp_nft_query(nft->nl, nlh, &q);
		if (r == -ENOENT)
			continue; /* one map deleted from outside: keep the rest */
		if (r < 0)
			return r;
	}
	return 0;
}

/**
 * lp_nft_lease_mapping_cmp() - Order of mappings in a listing
 * @a:		LpMapping
 * @b:		LpMapping
 *
 * Every address first, then IPv4, then IPv6; by address, protocol, port.
 *
 * Return: <0, 0, >0
 */
static gint lp_nft_lease_mapping_cmp(gconstpointer a, gconstpointer b)
{
	const LpMapping *x = a, *y = b;
	int r;

	if (x->addr.family != y->addr.family)
		return x->addr.family - y->addr.family;
	if (x->addr.any != y->addr.any)
		return y->addr.any - x->addr.any;
	r = memcmp(&x->addr.u, &y->addr.u, sizeof(x->addr.u));
	if (r)
		return r;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return x->host_port - y->host_port;
}

/**
 * lp_nft_lease_fold_key() - Hash key of a wildcard port within its protocol
 * @m:		Mapping
 *
 * Return: host and backend port, for a GHashTable with direct hashing
 */
static gpointer lp_nft_lease_fold_key(const LpMapping *m)
{
	return GUINT_TO_POINTER((guint)m->host_port << 16 | m->backend_port);
}

/**
 * lp_nft_lease_fold() - Pair up wildcard elements into "every address"
 * @lease:	Lease as listed, one mapping per element
 *
 * An IPv4 and an IPv6 wildcard element of the same protocol, port and
 * backend port become one mapping on every address (AF_UNSPEC), which is
 * what lp_nft_lease_add() made of it. Mappings are then sorted.
 */
static void lp_nft_lease_fold(LpNftLease *lease)
{
	GHashTable *v6[2] = {g_hash_table_new(NULL, NULL),
			     g_hash_table_new(NULL, NULL)};
	GArray *ms = lease->mappings;
	unsigned int i, n = 0;
	LpMapping *m;
	gpointer j;

	for (i = 0; i < ms->len; i++) {
		m = &g_array_index(ms, LpMapping, i);
		if (m->addr.family == AF_INET6 && m->addr.any)
			g_hash_table_insert(v6[m->proto == IPPROTO_UDP],
					    lp_nft_lease_fold_key(m),
					    GUINT_TO_POINTER(i + 1));
	}
	for (i = 0; i < ms->len; i++) {
		m = &g_array_index(ms, LpMapping, i);
		if (m->addr.family != AF_INET || !m->addr.any)
			continue;
		j = g_hash_table_lookup(v6[m->proto == IPPROTO_UDP],
					lp_nft_lease_fold_key(m));
		if (!j)
			continue;
		g_hash_table_remove(v6[m->proto == IPPROTO_UDP],
				    lp_nft_lease_fold_key(m));
		m->addr = LP_ADDR_ALL;
		g_array_index(ms, LpMapping, GPOINTER_TO_UINT(j) - 1).range = 0;
	}
	g_hash_table_unref(v6[0]);
	g_hash_table_unref(v6[1]);
	for (i = 0; i < ms->len; i++) {
		if (g_array_index(ms, LpMapping, i).range)
			g_array_index(ms, LpMapping, n++) =
				g_array_index(ms, LpMapping, i);
	}
	g_array_set_size(ms, n);
	g_array_sort(ms, lp_nft_lease_mapping_cmp);
}

/**
 * lp_nft_lease_cmp() - Order of leases in a listing: by ID
 * @a:		LpNftLease **
 * @b:		LpNftLease **
 *
 * Return: <0, 0, >0
 */
static gint lp_nft_lease_cmp(gconstpointer a, gconstpointer b)
{
	const LpNftLease *x = *(LpNftLease *const *)a;
	const LpNftLease *y = *(LpNftLease *const *)b;

	return strcmp(x->id, y->id);
}

/**
 * lp_nft_lease_collect() - List leases consistently, retrying on changes
 * @nft:	Engine
 * @only:	Lease ID to list, NULL for all
 * @keys:	If not NULL, filled with the key of every element listed
 * @ret:	Leases (LpNftLease), folded and sorted, caller frees
 *
 * Return: 0 on success, -ENOENT if the table is missing, negative errno
 */
static int lp_nft_lease_collect(LpNft *nft, const char *only, GArray *keys,
				GPtrArray **ret)
{
	uint32_t genid, flags, owner;
	unsigned int tries, i;
	int r = -EAGAIN;

	for (tries = 0; tries < LP_NFT_GENID_TRIES; tries++) {
		g_autoptr(GPtrArray) leases = g_ptr_array_new_with_free_func(
			(GDestroyNotify)lp_nft_lease_free);
		g_autoptr(GHashTable) by_id =
			g_hash_table_new(g_str_hash, g_str_equal);
		LpNftLeaseList l = {.only = only,
				    .leases = leases,
				    .by_id = by_id,
				    .keys = keys};

		if (keys)
			g_array_set_size(keys, 0);
		r = lp_nft_query_genid(nft->nl, &nft->seq, &genid);
		if (!r)
			r = lp_nft_table_get(nft, &flags, &owner);
		if (!r)
			r = lp_nft_lease_list_once(nft, &l, genid);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		for (i = 0; i < leases->len; i++)
			lp_nft_lease_fold(leases->pdata[i]);
		g_ptr_array_sort(leases, lp_nft_lease_cmp);
		*ret = g_steal_pointer(&leases);
		return 0;
	}
	return r;
}

/**
 * lp_nft_lease_list() - List the leases the kernel holds
 * @nft:	Engine
 * @error:	Return location for a GError
 *
 * The elements of the three maps are read back and grouped by the lease
 * ID of their comments; each port becomes one LpMapping (range 1), an
 * IPv4 and IPv6 wildcard pair one mapping on every address. Leases come
 * sorted by ID, mappings by scope, protocol and port. A missing table
 * lists as empty.
 *
 * Return: GPtrArray of LpNftLease (caller unrefs), NULL on error
 */
GPtrArray *lp_nft_lease_list(LpNft *nft, GError **error)
{
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, sizeof(LpNftKey));
	GPtrArray *leases = NULL;
	int r;

	r = lp_nft_lease_collect(nft, NULL, keys, &leases);
	if (r == -ENOENT) {
		nft->elems = 0;
		return g_ptr_array_new_with_free_func(
			(GDestroyNotify)lp_nft_lease_free);
	}
	if (r < 0) {
		lp_nft_set_errno(error, r, "listing leases");
		return NULL;
	}
	nft->elems = keys->len;
	return leases;
}

/**
 * lp_nft_lease_others() - Do the maps hold elements of other leases?
 * @nft:	Engine
 * @id:		Lease ID, NULL: of any lease
 * @ret:	true if an element of a lease other than @id is listed
 *
 * A full listing, which also sets the engine's element count.
 *
 * Return: 0 on success, -ENOENT if the table is missing, negative errno
 */
int lp_nft_lease_others(LpNft *nft, const char *id, bool *ret)
{
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, sizeof(LpNftKey));
	g_autoptr(GPtrArray) leases = NULL;
	unsigned int i;
	int r;

	*ret = false;
	r = lp_nft_lease_collect(nft, NULL, keys, &leases);
	if (r < 0)
		return r;
	nft->elems = keys->len;
	for (i = 0; i < leases->len; i++) {
		const LpNftLease *l = leases->pdata[i];

		if (!id || strcmp(l->id, id))
			*ret = true;
	}
	return 0;
}

/**
 * lp_nft_lease_tidy_hooks() - Delete the nat chains if no element is
 *			       left
 * @nft:	Engine
 * @error:	Return location for a GError
 *
 * For the removals that could not decide in their own batch (part of the
 * lease was gone already): a batch of its own. The removal is done
 * whatever this says; a failure leaves the chains for the next check.
 *
 * Return: true on success, also if the table is missing
 */
static bool lp_nft_lease_tidy_hooks(LpNft *nft, GError **error)
{
	g_autoptr(LpNftBatch) b = NULL;
	bool others;
	LpNftHooks h;
	int r;

	r = lp_nft_lease_others(nft, NULL, &others);
	if (!r && !others)
		r = lp_nft_hooks_read(nft, &h);
	if (r == -ENOENT || (!r && others))
		return true;
	if (r < 0) {
		lp_nft_set_errno(error, r, "checking the nat chains");
		return false;
	}
	if (lp_nft_hooks_state(&h) == LP_NFT_HOOKS_NONE)
		return true;
	b = lp_nft_batch_new(&nft->seq);
	lp_nft_hooks_batch_del(b, &h);
	return lp_nft_batch_commit(b, nft->nl, error);
}

/**
 * lp_nft_lease_remove_keys() - Delete map elements by key in one batch
 * @nft:	Engine
 * @id:		Lease ID, for messages
 * @keys:	LpNftKey array
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool lp_nft_lease_remove_keys(LpNft *nft, const char *id, GArray *keys,
				     GError **error)
{
	g_auto(LpNftElems) el = {.msg = {-1, -1, -1}};
	g_autoptr(LpNftLease) lease = lp_nft_lease_new(id, 0);
	g_autoptr(LpNftBatch) b = lp_nft_batch_new(&nft->seq);
	unsigned int i;

	for (i = 0; i < keys->len; i++)
		lp_nft_elems_add(&el, &g_array_index(keys, LpNftKey, i), lease,
				 false, 0);
	lp_nft_elems_flush(&el, b, false, id);
	return lp_nft_batch_commit(b, nft->nl, error);
}

/**
 * lp_nft_lease_remove_found() - Remove what the kernel really holds of a lease
 * @nft:	Engine
 * @id:		Lease ID
 * @error:	Return location for a GError
 *
 * The maps are listed for elements carrying @id and those are deleted;
 * if some vanish in between (ENOENT), once more.
 *
 * Return: true on success, also if nothing of the lease is left
 */
static bool lp_nft_lease_remove_found(LpNft *nft, const char *id,
				      GError **error)
{
	unsigned int tries;

	for (tries = 0;; tries++) {
		g_autoptr(GArray) keys =
			g_array_new(FALSE, FALSE, sizeof(LpNftKey));
		g_autoptr(GPtrArray) leases = NULL;
		g_autoptr(GError) local = NULL;
		int r;

		r = lp_nft_lease_collect(nft, id, keys, &leases);
		if (r == -ENOENT)
			return true;
		if (r < 0) {
			lp_nft_set_errno(error, r, "listing a lease to remove");
			return false;
		}
		if (!keys->len ||
		    lp_nft_lease_remove_keys(nft, id, keys, &local)) {
			if (!lp_nft_lease_tidy_hooks(nft, &local))
				g_warning("lease %s removed, but not the nat "
					  "chains: %s",
					  id, local->message);
			return true;
		}
		if (tries > 0 ||
		    !g_error_matches(local, LP_NFT_ERROR, ENOENT)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return false;
		}
	}
}

/**
 * lp_nft_lease_remove_hooks() - Will a removal leave no element?
 * @nft:	Engine
 * @id:		Lease being removed
 * @n:		Number of its elements the batch removes
 * @h:		Gets the nat chains if so
 *
 * If the maps or chains cannot be read, the removal goes on without the
 * chains (they stay until the next check): removing the lease matters
 * more.
 *
 * Return: true if the nat chains are to go in the same batch
 */
static bool lp_nft_lease_remove_hooks(LpNft *nft, const char *id, long n,
				      LpNftHooks *h)
{
	bool others = false;
	int r;

	if (nft->elems > n)
		return false;
	r = lp_nft_lease_others(nft, id, &others);
	if (!r && !others)
		r = lp_nft_hooks_read(nft, h);
	if (r < 0 && r != -ENOENT)
		g_warning("lease %s: cannot check the nat chains: %s", id,
			  g_strerror(-r));
	if (r < 0 || others)
		return false;
	return lp_nft_hooks_state(h) != LP_NFT_HOOKS_NONE;
}

/**
 * lp_nft_lease_remove() - Remove a lease in one batch
 * @nft:	Engine
 * @lease:	Lease; its mappings name the map elements to delete. With
 *		no mappings, what the kernel holds for the ID is removed
 * @error:	Return location for a GError
 *
 * One DELSETELEM message per map touched; if no other lease has an
 * element left, the nat chains are deleted in the same batch (the
 * maps are listed to know that when the engine's element count says they
 * may become empty). A lease already gone is success. If part of it is
 * gone (ENOENT aborts the batch), the elements the kernel still holds for
 * the lease ID are listed and removed.
 *
 * Return: true on success
 */
bool lp_nft_lease_remove(LpNft *nft, const LpNftLease *lease, GError **error)
{
	g_auto(LpNftElems) el = {.msg = {-1, -1, -1}};
	g_autoptr(GError) local = NULL;
	g_autoptr(LpNftBatch) b = NULL;
	LpNftHooks h;
	bool hooks;

	if (!lease->mappings->len) {
		if (!lp_nft_rules_id_valid(lease->id)) {
			g_set_error(error, LP_NFT_ERROR, EINVAL,
				    "Invalid lease ID '%s'", lease->id);
			return false;
		}
		return lp_nft_lease_remove_found(nft, lease->id, error);
	}
	if (!lp_nft_elems_lease_check(lease, error))
		return false;
	lp_nft_elems_add_lease(&el, lease, false);
	hooks = lp_nft_lease_remove_hooks(nft, lease->id,
					  lp_nft_lease_elems(&el), &h);
	b = lp_nft_batch_new(&nft->seq);
	lp_nft_elems_flush(&el, b, false, lease->id);
	if (hooks)
		lp_nft_hooks_batch_del(b, &h);
	if (lp_nft_batch_commit(b, nft->nl, &local)) {
		if (hooks)
			nft->elems = 0;
		else
			lp_nft_hooks_count(nft, -lp_nft_lease_elems(&el));
		return true;
	}
	if (!g_error_matches(local, LP_NFT_ERROR, ENOENT)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return false;
	}
	g_debug("lease %s partly gone, removing what is left: %s", lease->id,
		local->message);
	return lp_nft_lease_remove_found(nft, lease->id, error);
}
