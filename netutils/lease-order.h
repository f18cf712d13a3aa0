/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lease-order.h - the one order lease lists are shown in
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_LEASE_ORDER_H
#define LOWPORT_LEASE_ORDER_H

#include <glib.h>

int lp_lease_order_compare(gconstpointer a, gconstpointer b);

#endif /* LOWPORT_LEASE_ORDER_H */
