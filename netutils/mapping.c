// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mapping.c - one forwarded port range: the unit every module talks about
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib.h>

#include "netutils/mapping.h"

/**
 * lp_datapath_name() - Name of a data path
 * @datapath:	enum LpDatapath
 *
 * Return: "nat", "steer", or "?"
 */
const char *lp_datapath_name(int datapath)
{
	switch (datapath) {
	case LP_DATAPATH_NAT:
		return "nat";
	case LP_DATAPATH_STEER:
		return "steer";
	default:
		return "?";
	}
}

/**
 * lp_datapath_parse() - Parse a data path name
 * @s:		"nat" or "steer"
 *
 * Return: enum LpDatapath, or -EINVAL
 */
int lp_datapath_parse(const char *s)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "nat"))
		return LP_DATAPATH_NAT;
	if (!strcmp(s, "steer"))
		return LP_DATAPATH_STEER;
	return -EINVAL;
}

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

/**
 * lp_mapping_iter_init() - Start a walk over every port of every mapping
 * @it:		Iterator to set up
 * @mappings:	GArray of LpMapping (may be empty)
 */
void lp_mapping_iter_init(LpMappingIter *it, const GArray *mappings)
{
	*it = (LpMappingIter){.mappings = mappings};
}

/**
 * lp_mapping_iter_next() - Step to the next port
 * @it:		Iterator
 *
 * Return: true with @it->m, @it->host_port and @it->backend_port set, false
 *	   once every port of every mapping has been visited
 */
bool lp_mapping_iter_next(LpMappingIter *it)
{
	while (it->i < it->mappings->len) {
		const LpMapping *m =
			&g_array_index(it->mappings, LpMapping, it->i);

		if (it->k < m->range) {
			it->m = m;
			it->host_port = (uint16_t)(m->host_port + it->k);
			it->backend_port = (uint16_t)(m->backend_port + it->k);
			it->k++;
			return true;
		}
		it->i++;
		it->k = 0;
	}
	return false;
}
