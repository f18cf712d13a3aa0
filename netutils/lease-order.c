// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lease-order.c - the one order lease lists are shown in
 *
 * lowportd sorts a list reply with it (plugin/daemon/dispatch.c); lowportctl
 * prints the list in the order it arrives.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <glib.h>

#include "netutils/lease-order.h"
#include "netutils/protocol.h"
#include "netutils/lease-info.h"

/**
 * lp_lease_order_compare() - Order leases oldest first, then by ID
 * @a:	Pointer to an LpLeaseInfo pointer (GPtrArray element)
 * @b:	Pointer to an LpLeaseInfo pointer
 *
 * Return: negative, zero or positive, as strcmp()
 */
int lp_lease_order_compare(gconstpointer a, gconstpointer b)
{
	const LpLeaseInfo *x = *(LpLeaseInfo *const *)a;
	const LpLeaseInfo *y = *(LpLeaseInfo *const *)b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return g_strcmp0(x->id, y->id);
}
