// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mapping.c - one forwarded port range: the unit every module talks about
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <glib.h>

#include "netutils/mapping.h"

/**
 * lp_mapping_overlap() - First host port two mappings both forward
 * @a:		Mapping
 * @b:		Mapping
 * @ret_port:	The first port in both, if they overlap
 *
 * Return: true if protocol, host addresses and host ports overlap
 */
bool lp_mapping_overlap(const LpMapping *a, const LpMapping *b,
			uint16_t *ret_port)
{
	unsigned int lo = MAX(a->host_port, b->host_port);
	unsigned int hi_a = (unsigned int)a->host_port + a->range;
	unsigned int hi_b = (unsigned int)b->host_port + b->range;

	if (a->proto != b->proto || !lp_addr_overlaps(&a->addr, &b->addr) ||
	    lo >= MIN(hi_a, hi_b))
		return false;
	*ret_port = lo;
	return true;
}
