// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-hooks.c - the nat chains of table inet lowport, present only while
 *		 a lease element is
 *
 * DOC: Theory of Operation
 *
 * The nat chains are what makes the kernel track connections on
 * lowport's account: chain leases with its three DNAT rules (a dnat
 * expression takes a conntrack reference on the namespace when it is
 * created, whether or not a base chain reaches it) and the two base
 * chains prerouting (dstnat) and output (-100), each "fib daddr type
 * local jump leases". A host whose leases are all steered (BPF sk_lookup,
 * no map element) needs none of them, so they exist only while the maps
 * hold at least one lease element; the rest of the table (the maps) has
 * no nat expression and stays.
 *
 * The chains come and go in the batch that changes the elements: adding
 * a lease to empty maps creates them with its elements, removing the last
 * lease deletes them with its elements (nft-lease.c), and a rebuild
 * creates them only if it installs an element (nft-table.c). To decide
 * without listing every element on each change, the engine keeps the
 * number of lease elements it last counted (LpNft.elems): a full listing
 * sets it, a rebuild sets it, adds and removes move it. When it is
 * unknown or says the maps may become empty, the caller lists the maps
 * before it decides. A check (lp_nft_hooks_state()) tells the repair path
 * (lp_nft_table_ensure()) whether the chains match the elements.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <glib.h>

#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft-hooks.h"
#include "netutils/nft/nft-query.h"
#include "netutils/nft/nft-rules.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

/*
 * The nat chains in the order they are created: chain leases (no hook,
 * one DNAT rule per map), then the base chains that jump to it ("fib daddr
 * type local jump leases"). Deleted in the reverse order.
 */
static const struct {
	const char *name;
	int hook;
	int rules;
} lp_nft_hooks_chains[] = {
	{LP_NFT_CHAIN_LEASES, -1, LP_NFT_MAP_MAX},
	{LP_NFT_CHAIN_PREROUTING, NF_INET_PRE_ROUTING, 1},
	{LP_NFT_CHAIN_OUTPUT, NF_INET_LOCAL_OUT, 1},
};

G_STATIC_ASSERT(LP_ELEMENTSOF(lp_nft_hooks_chains) == LP_NFT_HOOKS_N);

/**
 * lp_nft_hooks_batch_leases() - Append chain leases and its DNAT rules
 * @b:		Batch
 * @chain:	Create the chain (else only its rules)
 */
static void lp_nft_hooks_batch_leases(LpNftBatch *b, bool chain)
{
	g_autoptr(NftnlChain) c = lp_nft_rules_chain(LP_NFT_CHAIN_LEASES);
	unsigned int m;

	if (chain)
		lp_nft_batch_chain(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, c,
				   LP_NFT_HINT_NONE, "creating chain leases");
	for (m = 0; m < LP_NFT_MAP_MAX; m++) {
		g_autoptr(NftnlRule) r = lp_nft_rules_dnat(m);
		g_autofree char *what = NULL;

		what = g_strdup_printf("adding the dnat rule for map %s",
				       lp_nft_rules_map_name(m));
		lp_nft_batch_rule(b, NFT_MSG_NEWRULE,
				  NLM_F_CREATE | NLM_F_APPEND, r,
				  LP_NFT_HINT_NAT, what);
	}
}

/**
 * lp_nft_hooks_batch_chain() - Append one nat chain and its rules
 * @b:		Batch
 * @i:		Index in lp_nft_hooks_chains
 * @chain:	Create the chain (else only its rules)
 */
static void lp_nft_hooks_batch_chain(LpNftBatch *b, unsigned int i, bool chain)
{
	const char *name = lp_nft_hooks_chains[i].name;
	g_autoptr(NftnlRule) r = NULL;
	g_autofree char *what = NULL;

	if (lp_nft_hooks_chains[i].hook < 0) {
		lp_nft_hooks_batch_leases(b, chain);
		return;
	}
	r = lp_nft_rules_hook_rule(name);
	if (chain) {
		g_autoptr(NftnlChain) c = lp_nft_rules_base_chain(
			name, lp_nft_hooks_chains[i].hook);

		what = g_strdup_printf("creating nat chain %s", name);
		lp_nft_batch_chain(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, c,
				   LP_NFT_HINT_NAT, what);
		g_free(what);
	}
	what = g_strdup_printf("adding rule 'fib daddr type local jump "
			       "leases' to chain %s",
			       name);
	lp_nft_batch_rule(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, r,
			  LP_NFT_HINT_FIB, what);
}

/**
 * lp_nft_hooks_batch_create() - Append the nat chains with their rules
 * @b:		Batch that creates the maps before (a rebuild)
 */
void lp_nft_hooks_batch_create(LpNftBatch *b)
{
	unsigned int i;

	for (i = 0; i < LP_NFT_HOOKS_N; i++)
		lp_nft_hooks_batch_chain(b, i, true);
}

/**
 * lp_nft_hooks_count_cb() - Dump callback counting messages
 * @nlh:	Message
 * @data:	unsigned int counter
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_hooks_count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(unsigned int *)data)++;
	return MNL_CB_OK;
}

/**
 * lp_nft_hooks_chain_get() - Does a nat chain exist, with how many rules?
 * @nft:	Engine
 * @i:		Index in lp_nft_hooks_chains
 * @ret_rules:	Number of rules, -1 if the chain (or the table) is missing
 *
 * Return: 0 on success, negative errno on failure
 */
static int lp_nft_hooks_chain_get(LpNft *nft, unsigned int i, int *ret_rules)
{
	g_autoptr(NftnlChain) c =
		lp_nft_rules_chain(lp_nft_hooks_chains[i].name);
	g_autoptr(NftnlRule) filter = nftnl_rule_alloc();
	unsigned int n = 0;
	LpNftQuery q = {.cb = lp_nft_hooks_count_cb, .data = &n};
	LP_NFT_REQ_BUF(buf);
	struct nlmsghdr *nlh;
	int r;

	if (!filter)
		lp_oom();
	*ret_rules = -1;
	nlh = lp_nft_query_request(buf, NFT_MSG_GETCHAIN, false, &nft->seq);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	r = lp_nft_query(nft->nl, nlh, &q);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	n = 0;
	nftnl_rule_set_str(filter, NFTNL_RULE_TABLE, LP_NFT_TABLE);
	nftnl_rule_set_str(filter, NFTNL_RULE_CHAIN,
			   lp_nft_hooks_chains[i].name);
	nftnl_rule_set_u32(filter, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nlh = lp_nft_query_request(buf, NFT_MSG_GETRULE, true, &nft->seq);
	nftnl_rule_nlmsg_build_payload(nlh, filter);
	r = lp_nft_query(nft->nl, nlh, &q);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*ret_rules = n;
	return 0;
}

/**
 * lp_nft_hooks_read() - Read the nat chains
 * @nft:	Engine
 * @h:		Filled in
 *
 * Return: 0 on success, negative errno if they cannot be read
 */
int lp_nft_hooks_read(LpNft *nft, LpNftHooks *h)
{
	unsigned int i;
	int r;

	for (i = 0; i < LP_NFT_HOOKS_N; i++) {
		r = lp_nft_hooks_chain_get(nft, i, &h->rules[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/**
 * lp_nft_hooks_batch_add() - Append what is missing of the nat chains
 * @b:		Batch adding lease elements
 * @h:		The chains as read before @b was started
 *
 * A missing chain is created with its rules, a chain without rules gets
 * them; a missing table reads as no chains (the batch then fails on the
 * table, as it would without them).
 */
void lp_nft_hooks_batch_add(LpNftBatch *b, const LpNftHooks *h)
{
	unsigned int i;

	for (i = 0; i < LP_NFT_HOOKS_N; i++) {
		if (h->rules[i] <= 0)
			lp_nft_hooks_batch_chain(b, i, h->rules[i] < 0);
	}
}

/**
 * lp_nft_hooks_batch_del() - Append the deletion of the nat chains
 * @b:		Batch removing the last lease elements
 * @h:		The chains as read before @b was started
 *
 * Each chain that exists is flushed and deleted, the base chains before
 * chain leases they jump to; one that does not exist is left out, so the
 * batch cannot fail on it.
 */
void lp_nft_hooks_batch_del(LpNftBatch *b, const LpNftHooks *h)
{
	unsigned int i;

	for (i = LP_NFT_HOOKS_N; i-- > 0;) {
		const char *name = lp_nft_hooks_chains[i].name;
		g_autoptr(NftnlChain) c = lp_nft_rules_chain(name);
		g_autoptr(NftnlRule) flush = nftnl_rule_alloc();
		g_autofree char *what = NULL;

		if (!flush)
			lp_oom();
		if (h->rules[i] < 0)
			continue;
		nftnl_rule_set_str(flush, NFTNL_RULE_TABLE, LP_NFT_TABLE);
		nftnl_rule_set_str(flush, NFTNL_RULE_CHAIN, name);
		nftnl_rule_set_u32(flush, NFTNL_RULE_FAMILY, NFPROTO_INET);
		what = g_strdup_printf("flushing nat chain %s", name);
		lp_nft_batch_rule(b, NFT_MSG_DELRULE, 0, flush,
				  LP_NFT_HINT_NONE, what);
		g_free(what);
		what = g_strdup_printf("deleting chain %s (no lease "
				       "element left)",
				       name);
		lp_nft_batch_chain(b, NFT_MSG_DELCHAIN, 0, c, LP_NFT_HINT_NONE,
				   what);
	}
}

/**
 * lp_nft_hooks_state() - Classify the nat chains
 * @h:		The chains as read
 *
 * Return: enum LpNftHooksState
 */
int lp_nft_hooks_state(const LpNftHooks *h)
{
	unsigned int i, complete = 0, absent = 0;

	for (i = 0; i < LP_NFT_HOOKS_N; i++) {
		complete += h->rules[i] == lp_nft_hooks_chains[i].rules;
		absent += h->rules[i] < 0;
	}
	if (complete == LP_NFT_HOOKS_N)
		return LP_NFT_HOOKS_ALL;
	return absent == LP_NFT_HOOKS_N ? LP_NFT_HOOKS_NONE
					: LP_NFT_HOOKS_PARTIAL;
}

/**
 * lp_nft_hooks_count() - Move the engine's count of lease elements
 * @nft:	Engine
 * @delta:	Elements added (positive) or removed (negative)
 *
 * An unknown count stays unknown; one that would fall below zero (the
 * maps changed behind our back) becomes unknown.
 */
void lp_nft_hooks_count(LpNft *nft, long delta)
{
	if (nft->elems == LP_NFT_ELEMS_UNKNOWN)
		return;
	nft->elems += delta;
	if (nft->elems < 0)
		nft->elems = LP_NFT_ELEMS_UNKNOWN;
}
