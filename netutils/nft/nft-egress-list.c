// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-egress-list.c - read table inet lowport_egress back from the kernel
 *
 * Dumps the named sets (their names say family, protocol and ports, see
 * nft-egress.c), their interval elements (turned back into address
 * ranges), and the counters of the two reject rules of chain output.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft-egress-list.h"
#include "netutils/nft/nft-socket.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

typedef struct nftnl_expr_iter NftnlExprIter;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NftnlExprIter, nftnl_expr_iter_destroy)

/* Receive buffer of one dump read (libmnl 1.0.4 has no MNL_SOCKET_DUMP_SIZE) */
#define EGRESS_DUMP_SIZE 32768

/* Bound on the sets and elements read back */
#define EGRESS_LIST_SETS_MAX  512
#define EGRESS_LIST_ELEMS_MAX 65536

/*
 * EgressBound - one interval boundary element as dumped
 * @key:	Address
 * @end:	NFT_SET_ELEM_INTERVAL_END was set
 */
typedef struct {
	uint8_t key[16];
	bool end;
} EgressBound;

/*
 * EgressDump - what the dump callbacks fill
 * @st:		State being built
 * @bounds:	GArray of EgressBound of the set being read
 * @key_len:	Key length of that set
 * @error:	First error, negative errno
 */
typedef struct {
	LpNftEgressState *st;
	GArray *bounds;
	uint32_t key_len;
	int error;
} EgressDump;

/**
 * lp_nft_egress_list_free() - Free a listed state
 * @st:		State, may be NULL
 */
void lp_nft_egress_list_free(LpNftEgressState *st)
{
	if (!st)
		return;
	g_ptr_array_unref(st->sets);
	g_free(st);
}

/**
 * egress_dump() - Send one request and run @cb on every reply until
 *		   the dump ends or the request is acknowledged
 * @nl:		Socket
 * @nlh:	Request: NLM_F_DUMP, or NLM_F_ACK
 * @cb:		Callback per message
 * @d:		Its data
 *
 * Return: 0 on success, negative errno
 */
static int egress_dump(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		       EgressDump *d)
{
	g_autofree char *buf = g_malloc(EGRESS_DUMP_SIZE);
	uint32_t seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	ssize_t len;
	int r;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		len = mnl_socket_recvfrom(nl, buf, EGRESS_DUMP_SIZE);
		if (len < 0)
			return -errno;
		r = mnl_cb_run(buf, len, seq, portid, cb, d);
		if (r < 0)
			return -errno;
		if (d->error)
			return d->error;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

/**
 * egress_table_cb() - The table exists: nothing to read from it
 * @nlh:	NFT_MSG_NEWTABLE message
 * @data:	EgressDump
 *
 * Return: MNL_CB_OK
 */
static int egress_table_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

/**
 * egress_set_cb() - Keep every set of the table with a name we wrote
 * @nlh:	NFT_MSG_NEWSET message
 * @data:	EgressDump
 *
 * Return: MNL_CB_OK, MNL_CB_ERROR on a bad message
 */
static int egress_set_cb(const struct nlmsghdr *nlh, void *data)
{
	g_autoptr(NftnlSet) s = nftnl_set_alloc();
	EgressDump *d = data;
	LpNftEgressSet want, *set;

	if (!s)
		lp_oom();
	if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
		d->error = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (g_strcmp0(nftnl_set_get_str(s, NFTNL_SET_TABLE),
		      LP_NFT_EGRESS_TABLE) ||
	    !lp_nft_egress_set_name_parse(nftnl_set_get_str(s, NFTNL_SET_NAME),
					  &want))
		return MNL_CB_OK;
	if (d->st->sets->len >= EGRESS_LIST_SETS_MAX) {
		d->error = -E2BIG;
		return MNL_CB_ERROR;
	}
	set = g_memdup2(&want, sizeof(want));
	set->ranges = g_array_new(FALSE, TRUE, sizeof(LpNftEgressRange));
	g_ptr_array_add(d->st->sets, set);
	return MNL_CB_OK;
}

/**
 * egress_elem_cb() - Collect one interval boundary element
 * @e:		Element
 * @data:	EgressDump
 *
 * Return: 0, -1 when too many
 */
static int egress_elem_cb(struct nftnl_set_elem *e, void *data)
{
	EgressDump *d = data;
	EgressBound b = {0};
	const void *key;
	uint32_t len = 0;

	if (d->bounds->len >= EGRESS_LIST_ELEMS_MAX)
		return -1;
	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (!key || len != d->key_len)
		return 0;
	memcpy(b.key, key, len);
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
		b.end = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
			NFT_SET_ELEM_INTERVAL_END;
	g_array_append_val(d->bounds, b);
	return 0;
}

/**
 * egress_elems_cb() - Parse one NFT_MSG_NEWSETELEM dump message
 * @nlh:	Message
 * @data:	EgressDump
 *
 * Return: MNL_CB_OK, MNL_CB_ERROR on a bad message
 */
static int egress_elems_cb(const struct nlmsghdr *nlh, void *data)
{
	g_autoptr(NftnlSet) s = nftnl_set_alloc();
	EgressDump *d = data;

	if (!s)
		lp_oom();
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0 ||
	    nftnl_set_elem_foreach(s, egress_elem_cb, d) < 0) {
		d->error = -EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/**
 * egress_bound_cmp() - Order boundaries by address, an end before a start
 * @a:		EgressBound
 * @b:		EgressBound
 *
 * Return: negative, zero or positive
 */
static gint egress_bound_cmp(gconstpointer a, gconstpointer b)
{
	const EgressBound *x = a, *y = b;
	int c = memcmp(x->key, y->key, 16);

	return c ? c : (int)y->end - (int)x->end;
}

/**
 * egress_bounds_to_ranges() - Pair start and end elements into ranges
 * @bounds:	EgressBound of one set, sorted here
 * @len:	Address length
 * @ranges:	GArray of LpNftEgressRange to append to
 *
 * A start without an end runs to the last address; an end without a
 * start (nft's leading one at address zero) is skipped.
 */
static void egress_bounds_to_ranges(GArray *bounds, uint32_t len,
				    GArray *ranges)
{
	LpNftEgressRange r;
	bool open = false;
	guint i;
	int k;

	g_array_sort(bounds, egress_bound_cmp);
	for (i = 0; i < bounds->len; i++) {
		const EgressBound *b = &g_array_index(bounds, EgressBound, i);

		if (!b->end) {
			if (open) /* two starts: the first ran to here */
				continue;
			memset(&r, 0, sizeof(r));
			memcpy(r.first, b->key, len);
			open = true;
			continue;
		}
		if (!open)
			continue;
		memcpy(r.last, b->key, len);
		for (k = len - 1; k >= 0 && !r.last[k]--; k--)
			;
		g_array_append_val(ranges, r);
		open = false;
	}
	if (open) {
		memset(r.last, 0xff, len);
		g_array_append_val(ranges, r);
	}
}

/**
 * egress_read_elems() - Dump the elements of one set into its ranges
 * @nl:		Socket
 * @seq:	Sequence counter
 * @set:	Set
 *
 * Return: 0 on success, negative errno
 */
static int egress_read_elems(struct mnl_socket *nl, uint32_t *seq,
			     LpNftEgressSet *set)
{
	g_autoptr(GArray) bounds =
		g_array_new(FALSE, TRUE, sizeof(EgressBound));
	g_autoptr(NftnlSet) s = nftnl_set_alloc();
	g_autofree char *buf = g_malloc(MNL_SOCKET_BUFFER_SIZE);
	EgressDump d = {.bounds = bounds,
			.key_len = set->family == AF_INET ? 4 : 16};
	struct nlmsghdr *nlh;
	int r;

	if (!s)
		lp_oom();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, LP_NFT_EGRESS_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set->name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
				    NLM_F_DUMP, (*seq)++);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	r = egress_dump(nl, nlh, egress_elems_cb, &d);
	if (r < 0)
		return r;
	egress_bounds_to_ranges(bounds, d.key_len, set->ranges);
	return 0;
}

/**
 * egress_counter_of() - Add the counter of a reject rule to the state
 * @r:		Rule
 * @st:		State
 */
static void egress_counter_of(struct nftnl_rule *r, LpNftEgressState *st)
{
	g_autoptr(NftnlExprIter) it = nftnl_expr_iter_create(r);
	uint64_t packets = 0, bytes = 0;
	bool reject = false;
	struct nftnl_expr *e;

	if (!it)
		lp_oom();
	while ((e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		if (!g_strcmp0(name, "reject"))
			reject = true;
		if (!g_strcmp0(name, "counter")) {
			packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
			bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
		}
	}
	if (reject) {
		st->rejected += packets;
		st->rejected_bytes += bytes;
		st->reject_rules++;
	}
}

/**
 * egress_rule_cb() - Read the counters of the reject rules
 * @nlh:	NFT_MSG_NEWRULE message
 * @data:	EgressDump
 *
 * Return: MNL_CB_OK, MNL_CB_ERROR on a bad message
 */
static int egress_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	g_autoptr(NftnlRule) r = nftnl_rule_alloc();
	EgressDump *d = data;

	if (!r)
		lp_oom();
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		d->error = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!g_strcmp0(nftnl_rule_get_str(r, NFTNL_RULE_TABLE),
		       LP_NFT_EGRESS_TABLE) &&
	    !g_strcmp0(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN),
		       LP_NFT_EGRESS_CHAIN))
		egress_counter_of(r, d->st);
	return MNL_CB_OK;
}

/**
 * egress_read() - Dump sets, their elements and the rules
 * @nl:		Socket
 * @st:		State to fill
 *
 * Return: 0 on success, negative errno (-ENOENT: no table)
 */
static int egress_read(struct mnl_socket *nl, LpNftEgressState *st)
{
	g_autofree char *buf = g_malloc(MNL_SOCKET_BUFFER_SIZE);
	g_autoptr(NftnlSet) s = nftnl_set_alloc();
	g_autoptr(NftnlRule) rule = nftnl_rule_alloc();
	g_autoptr(NftnlTable) t = nftnl_table_alloc();
	uint32_t seq = (uint32_t)time(NULL);
	EgressDump d = {.st = st};
	struct nlmsghdr *nlh;
	guint i;
	int r;

	if (!s || !rule || !t)
		lp_oom();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, LP_NFT_EGRESS_TABLE);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
				    NLM_F_ACK, seq++);
	nftnl_table_nlmsg_build_payload(nlh, t);
	r = egress_dump(nl, nlh, egress_table_cb, &d);
	if (r < 0)
		return r;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, LP_NFT_EGRESS_TABLE);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET,
				    NLM_F_DUMP, seq++);
	nftnl_set_nlmsg_build_payload(nlh, s);
	r = egress_dump(nl, nlh, egress_set_cb, &d);
	for (i = 0; r >= 0 && i < st->sets->len; i++)
		r = egress_read_elems(nl, &seq, g_ptr_array_index(st->sets, i));
	if (r < 0)
		return r;
	nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, LP_NFT_EGRESS_TABLE);
	nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, LP_NFT_EGRESS_CHAIN);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET,
				    NLM_F_DUMP, seq++);
	nftnl_rule_nlmsg_build_payload(nlh, rule);
	return egress_dump(nl, nlh, egress_rule_cb, &d);
}

/**
 * lp_nft_egress_list_read() - Read table inet lowport_egress of the current
 *			       network namespace
 * @error:	Return location for a GError (LP_NFT_ERROR, errno code;
 *		ENOENT if the namespace has no such table)
 *
 * Return: state, NULL on error
 */
LpNftEgressState *lp_nft_egress_list_read(GError **error)
{
	g_autoptr(LpNftEgressState) st = g_new0(LpNftEgressState, 1);
	g_autoptr(MnlSocket) nl = NULL;
	int r;

	st->sets = g_ptr_array_new_with_free_func(
		(GDestroyNotify)lp_nft_egress_set_free);
	r = lp_nft_socket_open(&nl, 0);
	if (r >= 0)
		r = egress_read(nl, st);
	if (r == -ENOENT) {
		g_set_error(error, LP_NFT_ERROR, ENOENT,
			    "No table inet %s in this network namespace "
			    "(no io.lowport.egress annotation?)",
			    LP_NFT_EGRESS_TABLE);
		return NULL;
	}
	if (r < 0) {
		g_set_error(error, LP_NFT_ERROR, -r,
			    "Cannot read table inet %s: %s%s",
			    LP_NFT_EGRESS_TABLE, g_strerror(-r),
			    r == -EPERM ? " (needs CAP_NET_ADMIN over the "
					  "network namespace)"
					: "");
		return NULL;
	}
	return g_steal_pointer(&st);
}
