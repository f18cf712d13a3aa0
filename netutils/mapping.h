/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mapping.h - one forwarded port range: the unit every module talks about
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_MAPPING_H
#define LOWPORT_MAPPING_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "netutils/addr.h"

/* Longest lease ID: [a-z0-9] characters (element comments "lease=ID") */
#define LP_LEASE_ID_MAX 16

/*
 * enum LpDatapath - how lowportd carries a mapping's traffic
 * @LP_DATAPATH_NAT:	DNAT in table inet lowport (every UDP mapping, and
 *			TCP ones that are not steered)
 * @LP_DATAPATH_STEER:	BPF sk_lookup steers connections onto the backend's
 *			own listening socket (TCP only)
 */
typedef enum LpDatapath {
	LP_DATAPATH_NAT = 0,
	LP_DATAPATH_STEER = 1,
} LpDatapath;

/*
 * LpMapping - forward privileged host ports to unprivileged backend ports
 * @proto:		IPPROTO_TCP or IPPROTO_UDP
 * @addr:		Host addresses the forward covers
 * @host_port:		First privileged port
 * @backend_port:	First backend port: host_port + i goes to
 *			backend_port + i
 * @range:		Number of ports, at least 1
 * @datapath:		enum LpDatapath, set only by lowportd: requests never
 *			carry it (it reads as LP_DATAPATH_NAT there)
 */
typedef struct {
	uint8_t proto;
	LpAddr addr;
	uint16_t host_port;
	uint16_t backend_port;
	uint16_t range;
	uint8_t datapath;
} LpMapping;

const char *lp_datapath_name(int datapath);
int lp_datapath_parse(const char *s);
bool lp_mapping_overlap(const LpMapping *a, const LpMapping *b,
			uint16_t *ret_port);

/*
 * LpMappingIter - every port of every mapping in a GArray of LpMapping
 * @mappings:		The array walked
 * @i:			Index of the current mapping
 * @k:			Offset of the current port in it
 * @m:			Current mapping (valid after a true next())
 * @host_port:		Current host port
 * @backend_port:	The backend port it goes to
 *
 * LpMappingIter it;
 * lp_mapping_iter_init(&it, mappings);
 * while (lp_mapping_iter_next(&it))
 *	use(it.m, it.host_port, it.backend_port);
 */
typedef struct {
	const GArray *mappings;
	guint i;
	unsigned int k;
	const LpMapping *m;
	uint16_t host_port;
	uint16_t backend_port;
} LpMappingIter;

void lp_mapping_iter_init(LpMappingIter *it, const GArray *mappings);
bool lp_mapping_iter_next(LpMappingIter *it);

#endif /* LOWPORT_MAPPING_H */
