// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-elems.c - the map elements of a lease, checked and put in a batch
 *
 * DOC: Theory of Operation
 *
 * A lease is one or two map elements per port (nft-rules.c builds them):
 * "address . protocol . port -> backend port", with the comment
 * "lease=<ID> uid=<UID>". They are gathered per map, so that adding or
 * removing a lease is one NEWSETELEM or DELSETELEM message per map touched,
 * and each element keeps its key and a description, so that an error ACK
 * naming an element says which port was refused.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netfilter/nf_tables.h>

#include <glib.h>

#include "netutils/mapping.h"
#include "netutils/nft/nft-elems.h"
#include "netutils/nft/nft-rules.h"
#include "netutils/nft/nft.h"

/**
 * lp_nft_elems_clear() - Empty an LpNftElems, ready for the next lease
 * @el:		Elements
 */
void lp_nft_elems_clear(LpNftElems *el)
{
	unsigned int i;

	for (i = 0; i < LP_NFT_MAP_MAX; i++) {
		g_clear_pointer(&el->s[i], nftnl_set_free);
		g_clear_pointer(&el->keys[i], g_array_unref);
		g_clear_pointer(&el->what[i], g_ptr_array_unref);
		el->msg[i] = -1;
	}
}

/**
 * lp_nft_elems_add() - Add one element
 * @el:		Elements
 * @k:		Key
 * @lease:	Lease, for ID and owner; its data and comment are only set
 *		when adding
 * @add:	Element to add (key, backend port, comment), else key only
 * @backend:	Backend port
 */
void lp_nft_elems_add(LpNftElems *el, const LpNftKey *k,
		      const LpNftLease *lease, bool add, uint16_t backend)
{
	char desc[LP_NFT_KEY_DESC_MAX];
	LpNftMap map = k->map;

	if (!el->s[map]) {
		el->s[map] = lp_nft_rules_elems(map);
		el->keys[map] = g_array_new(FALSE, FALSE, sizeof(LpNftKey));
		el->what[map] = g_ptr_array_new_with_free_func(g_free);
	}
	lp_nft_rules_elem_add(el->s[map], k, add ? lease->id : NULL, lease->uid,
			      backend);
	g_array_append_val(el->keys[map], *k);
	lp_nft_rules_key_desc(k, desc, sizeof(desc));
	if (add)
		g_ptr_array_add(el->what[map],
				g_strdup_printf("adding %s -> port %u to map "
						"%s for lease %s",
						desc, backend,
						lp_nft_rules_map_name(map),
						lease->id));
	else
		g_ptr_array_add(el->what[map],
				g_strdup_printf("removing %s from map %s for "
						"lease %s",
						desc,
						lp_nft_rules_map_name(map),
						lease->id));
}

/**
 * lp_nft_elems_add_lease() - Add the elements of every port of a lease
 * @el:		Elements
 * @lease:	Lease, checked with lp_nft_elems_lease_check()
 * @add:	Elements to add, else key-only elements to delete
 */
void lp_nft_elems_add_lease(LpNftElems *el, const LpNftLease *lease, bool add)
{
	LpNftKey keys[LP_NFT_KEYS_PER_PORT];
	LpMappingIter it;
	unsigned int k, n;

	lp_mapping_iter_init(&it, lease->mappings);
	while (lp_mapping_iter_next(&it)) {
		n = lp_nft_rules_keys(it.m, it.host_port - it.m->host_port,
				      keys);
		for (k = 0; k < n; k++)
			lp_nft_elems_add(el, &keys[k], lease, add,
					 it.backend_port);
	}
}

/**
 * lp_nft_elems_flush() - Append one element message per map touched
 * @el:		Elements; keeps its contents, records message indexes
 * @b:		Batch
 * @add:	NEWSETELEM (create, exclusive) rather than DELSETELEM
 * @id:		Lease ID, for descriptions
 */
void lp_nft_elems_flush(LpNftElems *el, LpNftBatch *b, bool add, const char *id)
{
	unsigned int i;

	for (i = 0; i < LP_NFT_MAP_MAX; i++) {
		g_autofree char *what = NULL;

		if (!el->s[i])
			continue;
		what = g_strdup_printf("%s map %s elements of lease %s",
				       add ? "adding" : "removing",
				       lp_nft_rules_map_name(i), id);
		el->msg[i] = lp_nft_batch_count(b);
		if (add)
			lp_nft_batch_elems(b, NFT_MSG_NEWSETELEM,
					   NLM_F_CREATE | NLM_F_EXCL, el->s[i],
					   LP_NFT_HINT_ELEM, what, el->what[i]);
		else
			lp_nft_batch_elems(b, NFT_MSG_DELSETELEM, 0, el->s[i],
					   LP_NFT_HINT_NONE, what, el->what[i]);
	}
}

/**
 * lp_nft_elems_failed() - The key of the element that failed a batch
 * @el:		Elements, flushed into @b
 * @b:		Batch after a failed lp_nft_batch_commit()
 *
 * Return: the key, owned by @el, or NULL if the kernel did not name one
 */
const LpNftKey *lp_nft_elems_failed(const LpNftElems *el, const LpNftBatch *b)
{
	int msg = lp_nft_batch_failed(b), elem = lp_nft_batch_failed_elem(b);
	unsigned int i;

	for (i = 0; msg >= 0 && elem >= 0 && i < LP_NFT_MAP_MAX; i++) {
		if (el->msg[i] == msg && (guint)elem < el->keys[i]->len)
			return &g_array_index(el->keys[i], LpNftKey, elem);
	}
	return NULL;
}

/**
 * lp_nft_elems_mapping_check() - Validate one mapping
 * @m:		Mapping
 *
 * Return: true if the mapping can be installed
 */
static bool lp_nft_elems_mapping_check(const LpMapping *m)
{
	if (m->proto != IPPROTO_TCP && m->proto != IPPROTO_UDP)
		return false;
	if (m->addr.family != AF_UNSPEC && m->addr.family != AF_INET &&
	    m->addr.family != AF_INET6)
		return false;
	if (!m->range || !m->host_port || !m->backend_port)
		return false;
	return m->host_port + m->range - 1 <= G_MAXUINT16 &&
	       m->backend_port + m->range - 1 <= G_MAXUINT16;
}

/**
 * lp_nft_elems_lease_check() - Validate a lease before building its batch
 * @lease:	Lease
 * @error:	Return location for a GError (EINVAL)
 *
 * Return: true if valid: good ID, 1 to LP_NFT_LEASE_PORTS_MAX ports
 */
bool lp_nft_elems_lease_check(const LpNftLease *lease, GError **error)
{
	unsigned int i, ports = 0;

	if (!lp_nft_rules_id_valid(lease->id)) {
		g_set_error(error, LP_NFT_ERROR, EINVAL,
			    "Invalid lease ID '%s'", lease->id);
		return false;
	}
	for (i = 0; i < lease->mappings->len; i++) {
		const LpMapping *m =
			&g_array_index(lease->mappings, LpMapping, i);

		if (!lp_nft_elems_mapping_check(m)) {
			g_set_error(error, LP_NFT_ERROR, EINVAL,
				    "Invalid port mapping %u of lease %s", i,
				    lease->id);
			return false;
		}
		ports += m->range;
	}
	if (!ports || ports > LP_NFT_LEASE_PORTS_MAX) {
		g_set_error(error, LP_NFT_ERROR, EINVAL,
			    "Lease %s has %u ports, must be 1 to %u", lease->id,
			    ports, LP_NFT_LEASE_PORTS_MAX);
		return false;
	}
	return true;
}
