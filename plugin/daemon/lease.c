// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lease.c - the LpLease object: construction, description, conversions
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <glib.h>

#include "daemon/lease.h"
#include "netutils/addr.h"
#include "netutils/util.h"
#include "netutils/nft/nft-lease.h"

/**
 * lp_lease_new() - Allocate an empty lease
 *
 * Return: new lease, free with lp_lease_free()
 */
LpLease *lp_lease_new(void)
{
	LpLease *lease = g_new0(LpLease, 1);

	lease->groups = g_array_new(FALSE, FALSE, sizeof(gid_t));
	lease->mappings = g_array_new(FALSE, FALSE, sizeof(LpMapping));
	lease->reservations = g_array_new(FALSE, FALSE, sizeof(int));
	lease->listeners = g_array_new(FALSE, FALSE, sizeof(LpListener));
	lease->pidfd = -1;
	return lease;
}

/**
 * lp_lease_free() - Free a lease, its pidfd and reservation sockets
 * @lease:	Lease, or NULL
 *
 * A lease in the registry is taken out of its pidfd watch first
 * (registry.c); closing the pidfd would drop it from the epoll set anyway.
 */
void lp_lease_free(LpLease *lease)
{
	guint i;

	if (!lease)
		return;
	lp_closep(&lease->pidfd);
	for (i = 0; i < lease->reservations->len; i++)
		lp_closep(&g_array_index(lease->reservations, int, i));
	g_array_unref(lease->reservations);
	lp_listener_close_all(lease->listeners);
	g_array_unref(lease->listeners);
	g_array_unref(lease->mappings);
	g_array_unref(lease->groups);
	g_free(lease->netns);
	g_free(lease);
}

/**
 * lp_lease_ports() - Number of forwarded ports in a lease
 * @lease:	Lease
 *
 * Return: sum of the mapping ranges
 */
unsigned int lp_lease_ports(const LpLease *lease)
{
	unsigned int n = 0;
	guint i;

	for (i = 0; i < lease->mappings->len; i++)
		n += g_array_index(lease->mappings, LpMapping, i).range;
	return n;
}

/**
 * lp_mapping_describe() - Append "80/tcp on 0.0.0.0 -> 30080" to a string
 * @s:	String to append to
 * @m:	Mapping
 */
static void lp_mapping_describe(GString *s, const LpMapping *m)
{
	char addr[LP_ADDR_STRLEN];

	lp_addr_format(&m->addr, addr, sizeof(addr));
	if (m->range > 1)
		g_string_append_printf(
			s, "%u-%u/%s on %s -> %u-%u", m->host_port,
			m->host_port + m->range - 1, lp_proto_name(m->proto),
			addr, m->backend_port, m->backend_port + m->range - 1);
	else
		g_string_append_printf(s, "%u/%s on %s -> %u", m->host_port,
				       lp_proto_name(m->proto), addr,
				       m->backend_port);
}

/**
 * lp_lease_describe() - Human list of a lease's forwards, for logs
 * @lease:	Lease
 *
 * Return: newly allocated "80/tcp on 0.0.0.0 -> 30080 (steer), ..."
 */
char *lp_lease_describe(const LpLease *lease)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < lease->mappings->len; i++) {
		const LpMapping *m =
			&g_array_index(lease->mappings, LpMapping, i);

		if (i)
			g_string_append(s, ", ");
		lp_mapping_describe(s, m);
		g_string_append_printf(s, " (%s)",
				       lp_datapath_name(m->datapath));
	}
	return g_string_free(s, FALSE);
}

/**
 * lp_lease_uses() - Whether some mapping of a lease takes a data path
 * @lease:	Lease
 * @datapath:	LP_DATAPATH_NAT or LP_DATAPATH_STEER
 *
 * Return: true if at least one does
 */
bool lp_lease_uses(const LpLease *lease, LpDatapath datapath)
{
	guint i;

	for (i = 0; i < lease->mappings->len; i++)
		if (g_array_index(lease->mappings, LpMapping, i).datapath ==
		    datapath)
			return true;
	return false;
}

/**
 * lp_lease_to_nft() - The nftables part of a lease, for the nft engine
 * @lease:	Lease
 *
 * Steered mappings are not in table inet lowport (steering.c).
 *
 * Return: new LpNftLease, free with lp_nft_lease_free(); its mappings are
 *	   empty for a lease with no NAT mapping
 */
LpNftLease *lp_lease_to_nft(const LpLease *lease)
{
	LpNftLease *n = lp_nft_lease_new(lease->id, lease->uid);
	guint i;

	for (i = 0; i < lease->mappings->len; i++) {
		LpMapping m = g_array_index(lease->mappings, LpMapping, i);

		if (m.datapath != LP_DATAPATH_NAT)
			continue;
		g_array_append_val(n->mappings, m);
	}
	return n;
}

/**
 * lp_lease_to_info() - The client's view of a lease, for list replies
 * @lease:	Lease
 *
 * Return: new LpLeaseInfo, free with lp_lease_info_free()
 */
LpLeaseInfo *lp_lease_to_info(const LpLease *lease)
{
	LpLeaseInfo *info = lp_lease_info_new();

	info->id = g_strdup(lease->id);
	info->uid = lease->uid;
	info->pid = lease->pid;
	info->netns = g_strdup(lease->netns ? lease->netns : "");
	info->front = lease->front;
	info->created = lease->created;
	g_array_append_vals(info->mappings, lease->mappings->data,
			    lease->mappings->len);
	return info;
}
