// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-table.c - table inet lowport: skeleton, PERSIST probe, check, rebuild
 *
 * DOC: Theory of Operation
 *
 * The skeleton is the table and the three data maps; leases are map
 * elements (nft-lease.c). The nat chains (chain leases with one DNAT rule
 * per map, and the base chains prerouting and output, each "fib daddr
 * type local jump leases") exist only while the maps hold a lease element
 * (nft-hooks.c): a table without one has no nat expression, hence no
 * conntrack on its account.
 *
 * A rebuild replaces the whole table atomically: the old table (if any) is
 * deleted and the skeleton and every lease are created in the same
 * transaction, so traffic never sees a half-built table. Ensuring the table
 * checks every piece of the skeleton and heals what is missing by a
 * rebuild from the leases the table still holds.
 *
 * In owner mode AUTO the table is OWNER|PERSIST where the kernel has
 * PERSIST (6.9 and later), which a probe with a scratch table finds out
 * without touching existing tables.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <glib.h>

#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft-elems.h"
#include "netutils/nft/nft-hooks.h"
#include "netutils/nft/nft-lease.h"
#include "netutils/nft/nft-query.h"
#include "netutils/nft/nft-rules.h"
#include "netutils/nft/nft-table.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

/* Scratch table names tried by the PERSIST probe */
#define LP_NFT_PROBE_TRIES 4

/* Table flags the owner mode is about */
#define LP_NFT_OWN_FLAGS (NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST)

/**
 * lp_nft_table_cb() - Parse a NEWTABLE reply
 * @nlh:	Message
 * @data:	struct nftnl_table to fill
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_table_cb(const struct nlmsghdr *nlh, void *data)
{
	nftnl_table_nlmsg_parse(nlh, data);
	return MNL_CB_OK;
}

/**
 * lp_nft_table_get() - Read table inet lowport from the kernel
 * @nft:	Engine
 * @ret_flags:	Table flags
 * @ret_owner:	Owner port ID, 0 if the table has no owner
 *
 * Return: 0 if present, -ENOENT if not, other negative errno on failure
 */
int lp_nft_table_get(LpNft *nft, uint32_t *ret_flags, uint32_t *ret_owner)
{
	g_autoptr(NftnlTable) t = lp_nft_rules_table(0);
	g_autoptr(NftnlTable) got = nftnl_table_alloc();
	LP_NFT_REQ_BUF(buf);
	LpNftQuery q = {.cb = lp_nft_table_cb, .data = got};
	struct nlmsghdr *nlh;
	int r;

	if (!got)
		lp_oom();
	nftnl_table_unset(t, NFTNL_TABLE_FLAGS);
	nlh = lp_nft_query_request(buf, NFT_MSG_GETTABLE, false, &nft->seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	r = lp_nft_query(nft->nl, nlh, &q);
	if (r < 0)
		return r;
	if (!nftnl_table_is_set(got, NFTNL_TABLE_NAME))
		return -ENOENT;
	*ret_flags = nftnl_table_get_u32(got, NFTNL_TABLE_FLAGS);
	*ret_owner = 0;
	if ((*ret_flags & NFT_TABLE_F_OWNER) &&
	    nftnl_table_is_set(got, NFTNL_TABLE_OWNER))
		*ret_owner = nftnl_table_get_u32(got, NFTNL_TABLE_OWNER);
	return 0;
}

/**
 * lp_nft_table_probe_once() - Probe for NFT_TABLE_F_PERSIST, scratch table
 * @nft:	Engine
 * @name:	Name of the scratch table, in family inet
 *
 * Sends a batch that always aborts, so nothing is ever committed: create
 * table @name with OWNER|PERSIST and NLM_F_EXCL (kernels before 6.9
 * refuse the flag with EOPNOTSUPP), then delete a chain of it. With
 * NLM_F_EXCL the kernel never updates an existing table of that name, it
 * fails the message with EEXIST (or EPERM if another socket owns it);
 * if the table is created, it is empty, so deleting the chain must fail.
 *
 * Return: 1 if PERSIST is supported, 0 if not, -EEXIST if @name is taken
 */
static int lp_nft_table_probe_once(LpNft *nft, const char *name)
{
	g_autoptr(NftnlTable) t = lp_nft_rules_table(LP_NFT_OWN_FLAGS);
	g_autoptr(NftnlChain) c = lp_nft_rules_chain("absent");
	g_autoptr(LpNftBatch) b = lp_nft_batch_new(&nft->seq);
	g_autoptr(GError) error = NULL;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, name);
	lp_nft_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, t,
			   LP_NFT_HINT_NONE, "probing table flag persist");
	lp_nft_batch_chain(b, NFT_MSG_DELCHAIN, 0, c, LP_NFT_HINT_NONE,
			   "aborting the probe");
	if (lp_nft_batch_commit(b, nft->nl, &error)) {
		g_warning("nftables probe batch was committed, ignoring");
		return 0;
	}
	g_debug("probe with table inet %s: %s", name, error->message);
	if (lp_nft_batch_failed(b) == 0 &&
	    (g_error_matches(error, LP_NFT_ERROR, EEXIST) ||
	     g_error_matches(error, LP_NFT_ERROR, EPERM)))
		return -EEXIST;
	return lp_nft_batch_failed(b) == 1;
}

/**
 * lp_nft_table_probe_persist() - Does the kernel have NFT_TABLE_F_PERSIST?
 * @nft:	Engine
 *
 * Tries "lowport-probe", then, if somebody has a table of that name,
 * names with a random suffix. Existing tables are never touched.
 *
 * Return: true if supported
 */
bool lp_nft_table_probe_persist(LpNft *nft)
{
	char name[32] = LP_NFT_TABLE "-probe";
	int i, r;

	for (i = 0; i < LP_NFT_PROBE_TRIES; i++) {
		r = lp_nft_table_probe_once(nft, name);
		if (r >= 0)
			return r;
		g_snprintf(name, sizeof(name), LP_NFT_TABLE "-probe-%08x",
			   g_random_int());
	}
	g_warning("cannot probe for nftables table flag persist: "
		  "every scratch table name is taken");
	return false;
}

/**
 * lp_nft_table_present() - Tell whether table inet lowport exists
 * @nft:	Engine
 * @error:	Return location for a GError, set only on failure to ask
 *
 * Return: true if present; false if absent or on error
 */
bool lp_nft_table_present(LpNft *nft, GError **error)
{
	uint32_t flags, owner;
	int r;

	r = lp_nft_table_get(nft, &flags, &owner);
	if (r == -ENOENT)
		return false;
	if (r < 0) {
		lp_nft_set_errno(error, r, "reading table inet " LP_NFT_TABLE);
		return false;
	}
	return true;
}

/**
 * lp_nft_table_want_flags() - Table flags the owner mode asks for
 * @nft:	Engine
 *
 * Return: OWNER|PERSIST in mode AUTO on kernels with PERSIST, else 0
 */
static uint32_t lp_nft_table_want_flags(const LpNft *nft)
{
	if (nft->mode == LP_NFT_OWNER_AUTO && nft->persist)
		return LP_NFT_OWN_FLAGS;
	return 0;
}

/**
 * lp_nft_table_batch_maps() - Append the three data maps
 * @b:		Batch
 */
static void lp_nft_table_batch_maps(LpNftBatch *b)
{
	unsigned int i;

	for (i = 0; i < LP_NFT_MAP_MAX; i++) {
		g_autoptr(NftnlSet) s = lp_nft_rules_map(i);
		g_autofree char *what = NULL;

		what = g_strdup_printf("creating map %s",
				       lp_nft_rules_map_name(i));
		lp_nft_batch_set(b, NFT_MSG_NEWSET, NLM_F_CREATE, s,
				 LP_NFT_HINT_NONE, what);
	}
}

/**
 * lp_nft_table_batch_skeleton() - Append the table and its maps
 * @b:		Batch
 * @flags:	Table flags
 *
 * No nat chain: lp_nft_hooks_batch_create() adds them if the batch
 * installs a lease element.
 */
static void lp_nft_table_batch_skeleton(LpNftBatch *b, uint32_t flags)
{
	g_autoptr(NftnlTable) t = lp_nft_rules_table(flags);

	lp_nft_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, t,
			   LP_NFT_HINT_NONE,
			   "creating table inet " LP_NFT_TABLE);
	lp_nft_table_batch_maps(b);
}

/**
 * lp_nft_table_leases_check() - Validate the leases of a rebuild
 * @leases:	LpNftLease array, may be NULL
 * @error:	Return location for a GError
 *
 * Return: true if all valid and at most LP_NFT_LEASES_MAX
 */
static bool lp_nft_table_leases_check(GPtrArray *leases, GError **error)
{
	unsigned int i;

	if (leases && leases->len > LP_NFT_LEASES_MAX) {
		g_set_error(error, LP_NFT_ERROR, E2BIG,
			    "Too many leases to rebuild: %u, at most %u",
			    leases->len, LP_NFT_LEASES_MAX);
		return false;
	}
	for (i = 0; leases && i < leases->len; i++) {
		if (!lp_nft_elems_lease_check(leases->pdata[i], error))
			return false;
	}
	return true;
}

/**
 * lp_nft_table_rebuild_once() - Replace the table with skeleton and leases
 * @nft:	Engine
 * @leases:	LpNftLease array, may be NULL
 * @error:	Return location for a GError
 *
 * The old table is destroyed portably (no NFT_MSG_DESTROYTABLE before
 * 6.3): NEWTABLE with its current flags, which is a no-op if it exists,
 * then DELTABLE, in the same batch as the new table. Each lease gets its
 * own element messages, so an error names the lease. The nat chains
 * come last, and only if there is an element to hook.
 *
 * Return: true on success
 */
static bool lp_nft_table_rebuild_once(LpNft *nft, GPtrArray *leases,
				      GError **error)
{
	g_auto(LpNftElems) el = {.msg = {-1, -1, -1}};
	g_autoptr(LpNftBatch) b = NULL;
	g_autoptr(NftnlTable) old = NULL;
	uint32_t flags = 0, owner, want = lp_nft_table_want_flags(nft);
	unsigned int i, m, elems = 0;
	int r;

	r = lp_nft_table_get(nft, &flags, &owner);
	if (r < 0 && r != -ENOENT) {
		lp_nft_set_errno(error, r, "reading table inet " LP_NFT_TABLE);
		return false;
	}
	old = lp_nft_rules_table(r < 0 ? 0 : flags);
	b = lp_nft_batch_new(&nft->seq);
	lp_nft_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, old,
			   LP_NFT_HINT_NONE,
			   "replacing table inet " LP_NFT_TABLE);
	lp_nft_batch_table(b, NFT_MSG_DELTABLE, 0, old, LP_NFT_HINT_NONE,
			   "deleting the old table inet " LP_NFT_TABLE);
	lp_nft_table_batch_skeleton(b, want);
	for (i = 0; leases && i < leases->len; i++) {
		const LpNftLease *lease = leases->pdata[i];

		lp_nft_elems_add_lease(&el, lease, true);
		lp_nft_elems_flush(&el, b, true, lease->id);
		for (m = 0; m < LP_NFT_MAP_MAX; m++)
			elems += el.keys[m] ? el.keys[m]->len : 0;
		lp_nft_elems_clear(&el);
	}
	if (elems)
		lp_nft_hooks_batch_create(b);
	if (!lp_nft_batch_commit(b, nft->nl, error))
		return false;
	nft->owned = want & NFT_TABLE_F_OWNER;
	nft->elems = elems;
	return true;
}

/**
 * lp_nft_table_rebuild() - Replace table inet lowport in one batch
 * @nft:	Engine
 * @leases:	LpNftLease array to install, may be NULL or empty
 * @error:	Return location for a GError
 *
 * Traffic never sees a half-built table: the old one (if any) is deleted
 * and the new one created in one transaction. Retried once if the table
 * changed under us (flushed or re-flagged between reading and writing).
 *
 * Return: true on success
 */
bool lp_nft_table_rebuild(LpNft *nft, GPtrArray *leases, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (!lp_nft_table_leases_check(leases, error))
		return false;
	if (lp_nft_table_rebuild_once(nft, leases, &local))
		return true;
	if (!g_error_matches(local, LP_NFT_ERROR, ENOENT) &&
	    !g_error_matches(local, LP_NFT_ERROR, EOPNOTSUPP)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return false;
	}
	return lp_nft_table_rebuild_once(nft, leases, error);
}

/*
 * LpNftTableMapCheck - comparing a listed map with the one we build
 * @want:	Map as lp_nft_rules_map() builds it
 * @ok:		The listed map has the same flags, key and data
 */
typedef struct {
	const struct nftnl_set *want;
	bool ok;
} LpNftTableMapCheck;

/**
 * lp_nft_table_map_cb() - GETSET reply callback: does the map have our layout?
 * @nlh:	NEWSET message
 * @data:	LpNftTableMapCheck
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_table_map_cb(const struct nlmsghdr *nlh, void *data)
{
	static const uint16_t attrs[] = {
		NFTNL_SET_FLAGS,     NFTNL_SET_KEY_TYPE, NFTNL_SET_KEY_LEN,
		NFTNL_SET_DATA_TYPE, NFTNL_SET_DATA_LEN,
	};
	g_autoptr(NftnlSet) got = nftnl_set_alloc();
	LpNftTableMapCheck *c = data;
	unsigned int i;

	if (!got)
		lp_oom();
	if (nftnl_set_nlmsg_parse(nlh, got) < 0)
		return MNL_CB_OK;
	c->ok = true;
	for (i = 0; i < LP_ELEMENTSOF(attrs); i++) {
		if (nftnl_set_get_u32(got, attrs[i]) !=
		    nftnl_set_get_u32(c->want, attrs[i]))
			c->ok = false;
	}
	return MNL_CB_OK;
}

/**
 * lp_nft_table_map_ok() - Check that a map exists with our key and data types
 * @nft:	Engine
 * @map:	Map
 *
 * A map of another layout (an older lowport's verdict map) is as good as
 * missing: the table must be rebuilt.
 *
 * Return: 1 if right, 0 if missing or different, negative errno
 */
static int lp_nft_table_map_ok(LpNft *nft, LpNftMap map)
{
	g_autoptr(NftnlSet) s = lp_nft_rules_map(map);
	LpNftTableMapCheck c = {.want = s};
	LpNftQuery q = {.cb = lp_nft_table_map_cb, .data = &c};
	LP_NFT_REQ_BUF(buf);
	struct nlmsghdr *nlh;
	int r;

	nlh = lp_nft_query_request(buf, NFT_MSG_GETSET, false, &nft->seq);
	nftnl_set_nlmsg_build_payload(nlh, s);
	r = lp_nft_query(nft->nl, nlh, &q);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : c.ok;
}

/**
 * lp_nft_table_skeleton_ok() - Check the skeleton: the maps
 * @nft:	Engine
 *
 * Chain leases and its rules come and go with the nat base chains
 * (nft-hooks.c, lp_nft_table_hooks_ok()).
 *
 * Return: 1 if complete, 0 if something is missing, negative errno
 */
static int lp_nft_table_skeleton_ok(LpNft *nft)
{
	unsigned int i;
	int r;

	for (i = 0; i < LP_NFT_MAP_MAX; i++) {
		r = lp_nft_table_map_ok(nft, i);
		if (r <= 0)
			return r;
	}
	return 1;
}

/**
 * lp_nft_table_hooks_ok() - Do the nat chains match the elements?
 * @nft:	Engine
 *
 * All of them complete while a lease element exists, none without one.
 * Counts the elements (a full listing), which sets the engine's count.
 *
 * Return: 1 if they match, 0 if not, negative errno
 */
static int lp_nft_table_hooks_ok(LpNft *nft)
{
	LpNftHooks h;
	bool others;
	int state, r;

	r = lp_nft_hooks_read(nft, &h);
	if (r < 0)
		return r;
	state = lp_nft_hooks_state(&h);
	if (state == LP_NFT_HOOKS_PARTIAL)
		return 0;
	r = lp_nft_lease_others(nft, NULL, &others);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return others == (state == LP_NFT_HOOKS_ALL);
}

/**
 * lp_nft_table_heal() - Rebuild the table from the leases it holds now
 * @nft:	Engine
 * @why:	Reason, for the debug log
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool lp_nft_table_heal(LpNft *nft, const char *why, GError **error)
{
	g_autoptr(GPtrArray) leases = NULL;
	g_autoptr(GPtrArray) good = NULL;
	unsigned int i;

	g_debug("rebuilding table inet " LP_NFT_TABLE ": %s", why);
	leases = lp_nft_lease_list(nft, error);
	if (!leases)
		return false;
	good = g_ptr_array_new();
	for (i = 0; i < leases->len; i++) {
		LpNftLease *l = leases->pdata[i];

		if (l->mappings->len)
			g_ptr_array_add(good, l);
	}
	return lp_nft_table_rebuild(nft, good, error);
}

/**
 * lp_nft_table_take() - Take ownership of an orphaned PERSIST table
 * @nft:	Engine
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool lp_nft_table_take(LpNft *nft, GError **error)
{
	g_autoptr(NftnlTable) t = lp_nft_rules_table(LP_NFT_OWN_FLAGS);
	g_autoptr(LpNftBatch) b = lp_nft_batch_new(&nft->seq);

	lp_nft_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, t,
			   LP_NFT_HINT_TABLE,
			   "taking ownership of table inet " LP_NFT_TABLE);
	if (!lp_nft_batch_commit(b, nft->nl, error))
		return false;
	nft->owned = true;
	return true;
}

/**
 * lp_nft_table_ensure() - Make sure table inet lowport is there and ours
 * @nft:	Engine
 * @error:	Return location for a GError
 *
 * Creates the skeleton if the table is missing. If present: re-takes an
 * orphaned PERSIST table (mode AUTO), refuses a table another socket
 * owns (EPERM), and rebuilds it from the leases it holds if its flags do
 * not match the mode or a piece of the skeleton is missing.
 *
 * Return: true on success
 */
bool lp_nft_table_ensure(LpNft *nft, GError **error)
{
	uint32_t flags, owner, have, want = lp_nft_table_want_flags(nft);
	int r;

	r = lp_nft_table_get(nft, &flags, &owner);
	if (r == -ENOENT)
		return lp_nft_table_rebuild(nft, NULL, error);
	if (r < 0) {
		lp_nft_set_errno(error, r, "reading table inet " LP_NFT_TABLE);
		return false;
	}
	if ((flags & NFT_TABLE_F_OWNER) && owner != nft->portid) {
		g_set_error(error, LP_NFT_ERROR, EPERM,
			    "table inet " LP_NFT_TABLE " is owned by another "
			    "process (is another lowportd running?)");
		return false;
	}
	have = flags & LP_NFT_OWN_FLAGS;
	if (have != want) {
		if (want == LP_NFT_OWN_FLAGS && have == NFT_TABLE_F_PERSIST) {
			if (!lp_nft_table_take(nft, error))
				return false;
		} else {
			return lp_nft_table_heal(nft, "flags differ from mode",
						 error);
		}
	}
	nft->owned = want & NFT_TABLE_F_OWNER;
	r = lp_nft_table_skeleton_ok(nft);
	if (r > 0)
		r = lp_nft_table_hooks_ok(nft);
	if (r < 0) {
		lp_nft_set_errno(error, r, "checking table inet " LP_NFT_TABLE);
		return false;
	}
	return r ? true : lp_nft_table_heal(nft, "skeleton incomplete", error);
}
