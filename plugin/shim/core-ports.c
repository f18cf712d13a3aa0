// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core-ports.c - shim core: pick free unprivileged backend ports
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/addr.h"
#include "netutils/procfs.h"
#include "netutils/protocol.h"
#include "shim/core.h"
#include "shim/core-ports.h"
#include "netutils/util.h"

/* Highest port number */
#define PORTS_PORT_MAX 65535U

/* Linux default net.ipv4.ip_local_port_range, if it cannot be read */
#define PORTS_EPHEMERAL_LAST_DEFAULT 60999U

/**
 * ports_bind_one() - Bind a throw-away socket to one address and port
 * @family:	AF_INET or AF_INET6
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @addr:	Address in @family's format, NULL for the wildcard
 * @port:	Port
 *
 * IPv6 sockets are IPV6_V6ONLY, as the helpers bind each family on their own.
 *
 * Return: 0 if the bind worked, negative errno otherwise
 */
static int ports_bind_one(int family, int type, const void *addr,
			  unsigned int port)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	lp_autofd int fd = socket(family, type | SOCK_CLOEXEC, 0);
	const int one = 1;
	int r;

	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			       sizeof(one)) < 0)
			return -errno;
		if (addr)
			memcpy(&s6.sin6_addr, addr, sizeof(s6.sin6_addr));
		s6.sin6_port = htons((uint16_t)port);
		r = bind(fd, (struct sockaddr *)&s6, sizeof(s6));
	} else {
		if (addr)
			memcpy(&s4.sin_addr, addr, sizeof(s4.sin_addr));
		s4.sin_port = htons((uint16_t)port);
		r = bind(fd, (struct sockaddr *)&s4, sizeof(s4));
	}
	return r < 0 ? -errno : 0;
}

/**
 * lp_core_ports_try_bind() - Tell whether the helper could bind a port now
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Host address of the forward: every address (both wildcards;
 *		IPv6 is skipped where the host has none), a wildcard, or one
 *		address
 * @port:	Port
 *
 * Return: 0 if free, -EADDRINUSE or -EACCES if taken (or privileged for
 *	   us), other negative errno if @addr cannot be used at all
 */
int lp_core_ports_try_bind(int proto, const LpAddr *addr, unsigned int port)
{
	int type = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	int r;

	if (port < 1 || port > PORTS_PORT_MAX)
		return -EINVAL;
	switch (addr->family) {
	case AF_UNSPEC:
		r = ports_bind_one(AF_INET, type, NULL, port);
		if (r < 0)
			return r;
		r = ports_bind_one(AF_INET6, type, NULL, port);
		if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL)
			return 0; /* no IPv6 here: the helper skips it too */
		return r;
	case AF_INET:
		return ports_bind_one(AF_INET, type,
				      addr->any ? NULL : &addr->u.v4, port);
	case AF_INET6:
		return ports_bind_one(AF_INET6, type,
				      addr->any ? NULL : &addr->u.v6, port);
	default:
		return -EAFNOSUPPORT;
	}
}

/**
 * ports_ephemeral_last() - Last port of net.ipv4.ip_local_port_range
 *
 * Return: the port, or the Linux default if the file cannot be read
 */
static unsigned int ports_ephemeral_last(void)
{
	unsigned int first, last;

	if (lp_procfs_local_port_range(&first, &last) < 0)
		return PORTS_EPHEMERAL_LAST_DEFAULT;
	return last;
}

/**
 * lp_core_ports_window() - The usual windows for backend ports
 * @unpriv_start:	First unprivileged port
 * @above_ephemeral:	Only ports above net.ipv4.ip_local_port_range (no
 *			well-known service and no outgoing connection uses
 *			them), else every unprivileged port
 * @ret:		Window, search starting at a random port; @used NULL
 */
void lp_core_ports_window(unsigned int unpriv_start, bool above_ephemeral,
			  LpCorePortWindow *ret)
{
	unsigned int lo = MAX(unpriv_start, 1U);

	if (above_ephemeral)
		lo = MAX(lo, ports_ephemeral_last() + 1U);
	if (lo > PORTS_PORT_MAX)
		lo = PORTS_PORT_MAX;
	*ret = (LpCorePortWindow){
		.lo = lo,
		.hi = PORTS_PORT_MAX,
		.start = (unsigned int)g_random_int_range(
			(gint32)lo, (gint32)PORTS_PORT_MAX + 1),
	};
}

/*
 * PortsPick - state of one lp_core_ports_pick() call
 * @w:		Window
 * @blocks:	Blocks to place
 * @backend:	First backend port of each block placed so far
 * @n_done:	Blocks placed so far
 */
typedef struct {
	const LpCorePortWindow *w;
	const LpCoreBlock *blocks;
	uint16_t *backend;
	guint n_done;
} PortsPick;

/**
 * ports_pick_used() - Tell whether a port is taken without binding it
 * @pick:	State
 * @proto:	Protocol
 * @port:	Port
 *
 * Return: true if named elsewhere or inside a block placed in this call
 */
static bool ports_pick_used(const PortsPick *pick, int proto, unsigned int port)
{
	guint i;

	if (pick->w->used && pick->w->used(proto, port, pick->w->used_data))
		return true;
	for (i = 0; i < pick->n_done; i++) {
		const LpCoreBlock *b = &pick->blocks[i];

		if (b->proto == proto && pick->backend[i] <= port &&
		    port < (unsigned int)pick->backend[i] + b->size)
			return true;
	}
	return false;
}

/**
 * ports_pick_check() - Test a candidate block
 * @pick:	State
 * @b:		Block to place
 * @first:	Candidate first backend port
 * @ret_bad:	First taken port of the candidate, if it is taken
 *
 * Return: 1 if the whole block is free, 0 if a port is taken, negative
 *	   errno if the block's address cannot be used
 */
static int ports_pick_check(const PortsPick *pick, const LpCoreBlock *b,
			    unsigned int first, unsigned int *ret_bad)
{
	unsigned int p;
	int r;

	for (p = first; p < first + b->size; p++) {
		if (ports_pick_used(pick, b->proto, p)) {
			*ret_bad = p;
			return 0;
		}
		r = lp_core_ports_try_bind(b->proto, &b->addr, p);
		if (r == -EADDRINUSE || r == -EACCES) {
			*ret_bad = p;
			return 0;
		}
		if (r < 0)
			return r;
	}
	return 1;
}

/**
 * ports_pick_block() - Find a free contiguous block for one block
 * @pick:	State
 * @b:		Block to place
 * @ret_first:	First backend port found
 *
 * Sweeps the window once from @start, wrapping around; a taken port skips
 * every candidate that would contain it.
 *
 * Return: 1 if found, 0 if the window has no free block, negative errno if
 *	   the block's address cannot be used
 */
static int ports_pick_block(const PortsPick *pick, const LpCoreBlock *b,
			    unsigned int *ret_first)
{
	const LpCorePortWindow *w = pick->w;
	unsigned int width = w->hi - w->lo + 1U, o, c, bad = 0;
	bool have_bad = false;
	int r;

	for (o = 0; o < width; o++) {
		c = w->lo + (w->start - w->lo + o) % width;
		if (c + b->size - 1U > w->hi) {
			have_bad = false; /* wrapping to @lo next */
			continue;
		}
		if (have_bad && c <= bad && bad < c + b->size)
			continue;
		r = ports_pick_check(pick, b, c, &bad);
		if (r < 0)
			return r;
		if (r > 0) {
			*ret_first = c;
			return 1;
		}
		have_bad = true;
	}
	return 0;
}

/**
 * lp_core_ports_pick() - Pick backend ports for every block
 * @w:			Window to pick from
 * @blocks:		Privileged blocks (protocol, address, size)
 * @n_blocks:		Number of @blocks
 * @ret_backend:	First backend port of each block, @n_blocks entries;
 *			blocks of one protocol never overlap
 * @error:		LP_CORE_ERROR_PORTS if no free block is left, or the
 *			host address cannot be bound
 *
 * Return: TRUE on success
 */
gboolean lp_core_ports_pick(const LpCorePortWindow *w,
			    const LpCoreBlock *blocks, guint n_blocks,
			    uint16_t *ret_backend, GError **error)
{
	PortsPick pick = {.w = w, .blocks = blocks, .backend = ret_backend};
	char buf[LP_ADDR_STRLEN];
	unsigned int first = 0;
	int r;

	g_return_val_if_fail(w->lo >= 1 && w->lo <= w->hi, FALSE);
	g_return_val_if_fail(w->hi <= PORTS_PORT_MAX, FALSE);
	g_return_val_if_fail(w->lo <= w->start && w->start <= w->hi, FALSE);
	for (; pick.n_done < n_blocks; pick.n_done++) {
		const LpCoreBlock *b = &blocks[pick.n_done];

		r = ports_pick_block(&pick, b, &first);
		if (r < 0) {
			g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_PORTS,
				    "cannot bind host address %s: %s",
				    lp_addr_format(&b->addr, buf, sizeof(buf)),
				    g_strerror(-r));
			return FALSE;
		}
		if (!r) {
			g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_PORTS,
				    "no %u free %s ports in a row between %u "
				    "and %u on %s for port %u",
				    b->size, lp_proto_name(b->proto), w->lo,
				    w->hi,
				    lp_addr_format(&b->addr, buf, sizeof(buf)),
				    b->host_port);
			return FALSE;
		}
		ret_backend[pick.n_done] = (uint16_t)first;
	}
	return TRUE;
}

/**
 * lp_core_ports_add_block() - Add a privileged block a call names
 * @blocks:	GArray of LpCoreBlock
 * @b:		Block, at least one port
 * @error:	LP_CORE_ERROR_ARGS past LP_MAPPINGS_MAX blocks or
 *		LP_PORTS_MAX ports in all (what one lowportd request holds)
 *
 * Return: TRUE on success
 */
gboolean lp_core_ports_add_block(GArray *blocks, const LpCoreBlock *b,
				 GError **error)
{
	guint i, total = b->size;

	for (i = 0; i < blocks->len; i++)
		total += g_array_index(blocks, LpCoreBlock, i).size;
	if (blocks->len >= LP_MAPPINGS_MAX || total > LP_PORTS_MAX) {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS,
			    "too many privileged ports (at most %d ranges and "
			    "%d ports per container)",
			    LP_MAPPINGS_MAX, LP_PORTS_MAX);
		return FALSE;
	}
	g_array_append_val(blocks, *b);
	return TRUE;
}

/**
 * ports_blocks_overlap() - Tell whether two blocks claim a common host port
 * @a:	Block
 * @b:	Block
 *
 * Return: true if same protocol, overlapping addresses and ports
 */
static bool ports_blocks_overlap(const LpCoreBlock *a, const LpCoreBlock *b)
{
	unsigned int a_last = a->host_port + a->size - 1U;
	unsigned int b_last = b->host_port + b->size - 1U;

	return a->proto == b->proto && lp_addr_overlaps(&a->addr, &b->addr) &&
	       a->host_port <= b_last && b->host_port <= a_last;
}

/**
 * lp_core_ports_check_overlap() - Refuse a privileged port named twice
 * @blocks:	GArray of LpCoreBlock, every block of a call
 * @error:	LP_CORE_ERROR_ARGS naming the port
 *
 * Return: TRUE if no two blocks overlap
 */
gboolean lp_core_ports_check_overlap(const GArray *blocks, GError **error)
{
	guint i, j;

	for (i = 0; i < blocks->len; i++) {
		const LpCoreBlock *a = &g_array_index(blocks, LpCoreBlock, i);

		for (j = i + 1; j < blocks->len; j++) {
			const LpCoreBlock *b =
				&g_array_index(blocks, LpCoreBlock, j);

			if (!ports_blocks_overlap(a, b))
				continue;
			g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS,
				    "privileged host port %u/%s is forwarded "
				    "twice",
				    MAX(a->host_port, b->host_port),
				    lp_proto_name(a->proto));
			return FALSE;
		}
	}
	return TRUE;
}
