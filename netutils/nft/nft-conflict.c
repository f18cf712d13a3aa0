// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-conflict.c - say which lease holds a port another lease was refused
 *
 * When the kernel refuses a lease's element with EEXIST, the extended ACK
 * names the element; reading that key back tells whether another lease
 * holds it (and whose it is), the same lease is installed already, or the
 * lease itself forwards the port twice.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <linux/netfilter/nf_tables.h>

#include <glib.h>

#include "netutils/nft/nft-conflict.h"
#include "netutils/nft/nft-query.h"
#include "netutils/util.h"

/*
 * LpNftConflict - who holds one map element
 * @map:	Map of the element
 * @found:	The element exists and carries a lease comment
 * @id:		Lease ID from the comment
 * @uid:	Owner from the comment
 */
typedef struct {
	LpNftMap map;
	bool found;
	char id[LP_LEASE_ID_MAX + 1];
	uid_t uid;
} LpNftConflict;

/**
 * lp_nft_conflict_elem_cb() - nftnl_set_elem_foreach() callback
 * @e:		Element
 * @data:	LpNftConflict
 *
 * Return: 0
 */
static int lp_nft_conflict_elem_cb(struct nftnl_set_elem *e, void *data)
{
	LpNftConflict *h = data;
	LpMapping m;

	if (lp_nft_rules_parse_elem(h->map, e, h->id, &h->uid, &m) == 0)
		h->found = true;
	return 0;
}

/**
 * lp_nft_conflict_cb() - GETSETELEM reply callback
 * @nlh:	NEWSETELEM message
 * @data:	LpNftConflict
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_conflict_cb(const struct nlmsghdr *nlh, void *data)
{
	g_autoptr(NftnlSet) s = nftnl_set_alloc();

	if (!s)
		lp_oom();
	if (nftnl_set_elems_nlmsg_parse(nlh, s) >= 0)
		nftnl_set_elem_foreach(s, lp_nft_conflict_elem_cb, data);
	return MNL_CB_OK;
}

/**
 * lp_nft_conflict_holder() - Read which lease holds a map key
 * @nft:	Engine
 * @k:		Key
 * @ret:	Holder, ret->found false if nobody
 *
 * Return: 0 on success (also if absent), negative errno on failure
 */
static int lp_nft_conflict_holder(LpNft *nft, const LpNftKey *k,
				  LpNftConflict *ret)
{
	g_autoptr(NftnlSet) s = lp_nft_rules_elems(k->map);
	LpNftQuery q = {.cb = lp_nft_conflict_cb, .data = ret};
	LP_NFT_REQ_BUF(buf);
	struct nlmsghdr *nlh;
	int r;

	*ret = (LpNftConflict){.map = k->map};
	lp_nft_rules_elem_add(s, k, NULL, 0, 0);
	nlh = lp_nft_query_request(buf, NFT_MSG_GETSETELEM, false, &nft->seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	r = lp_nft_query(nft->nl, nlh, &q);
	return r == -ENOENT ? 0 : r;
}

/**
 * lp_nft_conflict_explain() - Say who holds the port a lease could not get
 * @nft:	Engine
 * @lease:	Lease that failed
 * @k:		Key the kernel refused with EEXIST
 * @error:	Error to rewrite, code stays EEXIST
 */
void lp_nft_conflict_explain(LpNft *nft, const LpNftLease *lease,
			     const LpNftKey *k, GError *error)
{
	char desc[LP_NFT_KEY_DESC_MAX];
	LpNftConflict h;
	char *msg;

	if (lp_nft_conflict_holder(nft, k, &h) < 0)
		return;
	lp_nft_rules_key_desc(k, desc, sizeof(desc));
	if (!h.found)
		msg = g_strdup_printf("Cannot add lease %s: it forwards %s "
				      "more than once",
				      lease->id, desc);
	else if (!strcmp(h.id, lease->id))
		msg = g_strdup_printf("Cannot add lease %s: it is already "
				      "installed (it holds %s)",
				      lease->id, desc);
	else
		msg = g_strdup_printf("Cannot add lease %s: %s is already "
				      "forwarded by lease %s (uid %u)",
				      lease->id, desc, h.id,
				      (unsigned int)h.uid);
	g_free(error->message);
	error->message = msg;
}
