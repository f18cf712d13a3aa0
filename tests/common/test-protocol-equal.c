// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-protocol-equal.c - field-by-field equality of decoded protocol
 *			   messages, for round-trip tests and fuzz targets
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <glib.h>

#include "netutils/addr.h"
#include "netutils/mapping.h"
#include "test-protocol-equal.h"

/**
 * lp_test_protocol_equal_mappings() - Compare two mapping arrays
 * @a:		GArray of LpMapping, NULL reads as empty
 * @b:		GArray of LpMapping, NULL reads as empty
 *
 * Return: TRUE if both hold the same mappings in the same order
 */
gboolean lp_test_protocol_equal_mappings(const GArray *a, const GArray *b)
{
	unsigned int i, n = a ? a->len : 0;

	if (n != (b ? b->len : 0))
		return FALSE;
	for (i = 0; i < n; i++) {
		const LpMapping *x = &g_array_index(a, LpMapping, i);
		const LpMapping *y = &g_array_index(b, LpMapping, i);

		if (x->proto != y->proto || x->host_port != y->host_port ||
		    x->backend_port != y->backend_port ||
		    x->range != y->range || x->datapath != y->datapath ||
		    !lp_addr_equal(&x->addr, &y->addr))
			return FALSE;
	}
	return TRUE;
}

/**
 * lp_test_protocol_equal_request() - Compare two requests field by field
 * @a:		Request
 * @b:		Request
 *
 * Return: TRUE if equal
 */
gboolean lp_test_protocol_equal_request(const LpRequest *a, const LpRequest *b)
{
	return a->version == b->version && a->op == b->op &&
	       !g_strcmp0(a->netns, b->netns) && !g_strcmp0(a->id, b->id) &&
	       a->front == b->front && a->retry == b->retry &&
	       a->listeners == b->listeners &&
	       lp_test_protocol_equal_mappings(a->mappings, b->mappings);
}

/**
 * lp_test_protocol_equal_lease_info() - Compare two lease descriptions
 * @a:		Lease description
 * @b:		Lease description
 *
 * Return: TRUE if equal
 */
gboolean lp_test_protocol_equal_lease_info(const LpLeaseInfo *a,
					   const LpLeaseInfo *b)
{
	return !g_strcmp0(a->id, b->id) && a->uid == b->uid &&
	       a->pid == b->pid && !g_strcmp0(a->netns, b->netns) &&
	       a->front == b->front && a->created == b->created &&
	       lp_test_protocol_equal_mappings(a->mappings, b->mappings);
}

/**
 * test_protocol_equal_leases() - Compare two lease lists
 * @a:		GPtrArray of LpLeaseInfo, NULL reads as empty
 * @b:		GPtrArray of LpLeaseInfo, NULL reads as empty
 *
 * Return: TRUE if equal
 */
static gboolean test_protocol_equal_leases(const GPtrArray *a,
					   const GPtrArray *b)
{
	unsigned int i, n = a ? a->len : 0;

	if (n != (b ? b->len : 0))
		return FALSE;
	for (i = 0; i < n; i++) {
		if (!lp_test_protocol_equal_lease_info(g_ptr_array_index(a, i),
						       g_ptr_array_index(b, i)))
			return FALSE;
	}
	return TRUE;
}

/**
 * lp_test_protocol_equal_reply() - Compare two replies field by field
 * @a:		Reply
 * @b:		Reply
 *
 * Return: TRUE if equal
 */
gboolean lp_test_protocol_equal_reply(const LpReply *a, const LpReply *b)
{
	return !a->ok == !b->ok && a->code == b->code &&
	       !g_strcmp0(a->message, b->message) && !a->retry == !b->retry &&
	       !g_strcmp0(a->lease_id, b->lease_id) &&
	       test_protocol_equal_leases(a->leases, b->leases) &&
	       !g_strcmp0(a->status.version, b->status.version) &&
	       a->status.leases == b->status.leases &&
	       a->status.leases_total == b->status.leases_total &&
	       !a->status.table_present == !b->status.table_present &&
	       a->status.datapath == b->status.datapath &&
	       !g_strcmp0(a->status.datapath_reason, b->status.datapath_reason);
}
