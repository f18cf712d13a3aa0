// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-lease.c - the lease engine: table inet lowport over libnftnl + libmnl
 *
 * DOC: Theory of Operation
 *
 * One netlink socket per LpNft, kept for its whole life: an OWNER table
 * can only be changed through the socket that owns it, and the kernel
 * drops ownership (PERSIST) or the table (OWNER alone) when it closes.
 *
 * The table is static but for the elements of three data maps (address
 * . protocol . port -> backend port), looked up by three port-only DNAT
 * rules. Every change is one nf_tables batch (nft-batch.c): adding a
 * lease adds its elements, one NEWSETELEM per map touched; removing it
 * deletes them. Data map elements, unlike rules with nat or jumps and
 * verdict map elements, never make the kernel re-validate the table at
 * commit, so adding or removing costs the same at 10,000 leases as at 1.
 * A rebuild replaces the whole table atomically: the old table (if any)
 * is deleted and the skeleton and every lease are created in the same
 * transaction, so traffic never sees a half-built table.
 *
 * Each element carries the comment "lease=<ID> uid=<UID>". Listing dumps
 * the three maps under a generation check (repeated if the ruleset
 * changes meanwhile, like nft's check_genid) and groups elements by ID.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/common.h>
#include <libnftnl/gen.h>

#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft-rules.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

/* Not in libmnl 1.0.4; the kernel's dump skbs stay below this */
#define LP_NFT_DUMP_SIZE 65536

/* A request buffer: our GET requests are a header, names and one key */
#define LP_NFT_REQ_SIZE	  4096
#define LP_NFT_REQ_BUF(b) char b[LP_NFT_REQ_SIZE] __attribute__((aligned(8)))

/* Attempts at a consistent listing before giving up */
#define LP_NFT_GENID_TRIES 16

/* Scratch table names tried by the PERSIST probe */
#define LP_NFT_PROBE_TRIES 4

/* Table flags the owner mode is about */
#define LP_NFT_OWN_FLAGS (NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST)

/*
 * LpNft - the engine
 * @nl:		Netlink socket, open for the engine's life
 * @seq:	Next sequence number
 * @portid:	Port ID of @nl
 * @mode:	Owner mode
 * @persist:	The kernel supports NFT_TABLE_F_PERSIST
 * @owned:	Table inet lowport is owned by @nl
 */
struct LpNft {
	struct mnl_socket *nl;
	uint32_t seq;
	uint32_t portid;
	LpNftOwnerMode mode;
	bool persist;
	bool owned;
};

G_DEFINE_QUARK(lp_nft_error, lp_nft_error)

/**
 * lp_nft_lease_new() - Allocate a lease with no mappings
 * @id:		Lease ID, copied (truncated to LP_LEASE_ID_MAX)
 * @uid:	Owner
 *
 * Return: new lease, free with lp_nft_lease_free()
 */
LpNftLease *lp_nft_lease_new(const char *id, uid_t uid)
{
	LpNftLease *l = g_new0(LpNftLease, 1);

	g_strlcpy(l->id, id, sizeof(l->id));
	l->uid = uid;
	l->mappings = g_array_new(FALSE, TRUE, sizeof(LpMapping));
	return l;
}

/**
 * lp_nft_lease_free() - Free a lease
 * @lease:	Lease, may be NULL
 */
void lp_nft_lease_free(LpNftLease *lease)
{
	if (!lease)
		return;
	g_array_unref(lease->mappings);
	g_free(lease);
}

/**
 * lp_nft_set_errno() - Set an LP_NFT_ERROR from a negative errno
 * @error:	Return location for a GError
 * @r:		Negative errno
 * @what:	What failed, "listing leases"
 */
static void lp_nft_set_errno(GError **error, int r, const char *what)
{
	g_set_error(error, LP_NFT_ERROR, -r, "nftables: %s failed: %s", what,
		    g_strerror(-r));
}

/*
 * LpNftQuery - one request/response exchange
 * @cb:		Called for each data message
 * @data:	Passed to @cb
 * @check_genid: Compare each message's generation with @genid
 * @genid:	Expected generation, low 16 bits
 * @genid_changed: A message came from another generation
 */
typedef struct {
	mnl_cb_t cb;
	void *data;
	bool check_genid;
	uint16_t genid;
	bool genid_changed;
} LpNftQuery;

/**
 * lp_nft_query_cb() - mnl_cb_run() callback: generation check, then @q->cb
 * @nlh:	Message
 * @data:	LpNftQuery
 *
 * Return: MNL_CB_OK, or MNL_CB_ERROR on a short message
 */
static int lp_nft_query_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	LpNftQuery *q = data;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nfg)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (q->check_genid && ntohs(nfg->res_id) != q->genid) {
		q->genid_changed = true;
		return MNL_CB_OK;
	}
	return q->cb ? q->cb(nlh, q->data) : MNL_CB_OK;
}

/**
 * lp_nft_query_run() - Run the replies to request @seq in one datagram
 * @nft:	Engine
 * @buf:	Received bytes
 * @len:	Length of @buf
 * @seq:	Sequence number of the request
 * @q:		Callbacks
 *
 * Messages of other sequence numbers (late ACKs of a batch we gave up
 * on) are skipped rather than failing the request.
 *
 * Return: MNL_CB_OK to read on, MNL_CB_STOP when done, -1 with errno set
 */
static int lp_nft_query_run(LpNft *nft, const void *buf, size_t len,
			    uint32_t seq, LpNftQuery *q)
{
	const struct nlmsghdr *m = buf;
	int r = MNL_CB_OK;

	for (; r == MNL_CB_OK && lp_nft_nlmsg_ok(m, len);
	     m = lp_nft_nlmsg_next(m, &len)) {
		if (m->nlmsg_seq != seq)
			continue;
		r = mnl_cb_run(m, m->nlmsg_len, seq, nft->portid,
			       lp_nft_query_cb, q);
	}
	return r;
}

/**
 * lp_nft_query() - Send a request and run its replies through @q
 * @nft:	Engine
 * @nlh:	Request, built with nft->seq
 * @q:		Callbacks; callbacks must not fail, so dumps are drained
 *
 * Return: 0 on success, -EINTR if the generation changed, negative errno
 */
static int lp_nft_query(LpNft *nft, const struct nlmsghdr *nlh, LpNftQuery *q)
{
	g_autofree uint32_t *buf = g_malloc(LP_NFT_DUMP_SIZE);
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nft->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nft->nl, buf, LP_NFT_DUMP_SIZE);
		if (n < 0)
			return -errno;
		r = lp_nft_query_run(nft, buf, n, nlh->nlmsg_seq, q);
	} while (r > MNL_CB_STOP);
	if (r < 0)
		return -errno;
	return q->genid_changed ? -EINTR : 0;
}

/**
 * lp_nft_request() - Start a request message in @buf
 * @nft:	Engine
 * @buf:	Buffer, LP_NFT_REQ_SIZE bytes
 * @type:	NFT_MSG_GET* type
 * @dump:	Dump (NLM_F_DUMP) rather than a single object (NLM_F_ACK)
 *
 * Return: header to add the payload to
 */
static struct nlmsghdr *lp_nft_request(LpNft *nft, char *buf, uint16_t type,
				       bool dump)
{
	return nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET,
				     dump ? NLM_F_DUMP : NLM_F_ACK, nft->seq++);
}

/**
 * lp_nft_gen_cb() - Read NFTA_GEN_ID from a NEWGEN reply
 * @nlh:	Message
 * @data:	uint32_t to set
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_gen_cb(const struct nlmsghdr *nlh, void *data)
{
	g_autoptr(NftnlGen) gen = nftnl_gen_alloc();

	if (!gen)
		lp_oom();
	if (nftnl_gen_nlmsg_parse(nlh, gen) >= 0)
		*(uint32_t *)data = nftnl_gen_get_u32(gen, NFTNL_GEN_ID);
	return MNL_CB_OK;
}

/**
 * lp_nft_genid() - Read the current ruleset generation
 * @nft:	Engine
 * @ret:	Generation ID
 *
 * Return: 0 on success, negative errno on failure
 */
static int lp_nft_genid(LpNft *nft, uint32_t *ret)
{
	LP_NFT_REQ_BUF(buf);
	LpNftQuery q = {.cb = lp_nft_gen_cb, .data = ret};

	return lp_nft_query(
		nft, lp_nft_request(nft, buf, NFT_MSG_GETGEN, false), &q);
}

/**
 * lp_nft_table_cb() - Parse a NEWTABLE reply
 * @nlh:	Message
 * @data:	struct nftnl_table to fill
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_table_cb(const struct nlmsghdr *nlh, void *data)
{
	nftnl_table_nlmsg_parse(nlh, data);
	return MNL_CB_OK;
}

/**
 * lp_nft_table_get() - Read table inet lowport from the kernel
 * @nft:	Engine
 * @ret_flags:	Table flags
 * @ret_owner:	Owner port ID, 0 if the table has no owner
 *
 * Return: 0 if present, -ENOENT if not, other negative errno on failure
 */
static int lp_nft_table_get(LpNft *nft, uint32_t *ret_flags,
			    uint32_t *ret_owner)
{
	g_autoptr(NftnlTable) t = lp_nft_rules_table(0);
	g_autoptr(NftnlTable) got = nftnl_table_alloc();
	LP_NFT_REQ_BUF(buf);
	LpNftQuery q = {.cb = lp_nft_table_cb, .data = got};
	struct nlmsghdr *nlh;
	int r;

	if (!got)
		lp_oom();
	nftnl_table_unset(t, NFTNL_TABLE_FLAGS);
	nlh = lp_nft_request(nft, buf, NFT_MSG_GETTABLE, false);
	nftnl_table_nlmsg_build_payload(nlh, t);
	r = lp_nft_query(nft, nlh, &q);
	if (r < 0)
		return r;
	if (!nftnl_table_is_set(got, NFTNL_TABLE_NAME))
		return -ENOENT;
	*ret_flags = nftnl_table_get_u32(got, NFTNL_TABLE_FLAGS);
	*ret_owner = 0;
	if ((*ret_flags & NFT_TABLE_F_OWNER) &&
	    nftnl_table_is_set(got, NFTNL_TABLE_OWNER))
		*ret_owner = nftnl_table_get_u32(got, NFTNL_TABLE_OWNER);
	return 0;
}

/**
 * lp_nft_probe_once() - Probe for NFT_TABLE_F_PERSIST with a scratch table
 * @nft:	Engine
 * @name:	Name of the scratch table, in family inet
 *
 * Sends a batch that always aborts, so nothing is ever committed: create
 * table @name with OWNER|PERSIST and NLM_F_EXCL (kernels before 6.9
 * refuse the flag with EOPNOTSUPP), then delete a chain of it. With
 * NLM_F_EXCL the kernel never updates an existing table of that name, it
 * fails the message with EEXIST (or EPERM if another socket owns it);
 * if the table is created, it is empty, so deleting the chain must fail.
 *
 * Return: 1 if PERSIST is supported, 0 if not, -EEXIST if @name is taken
 */
static int lp_nft_probe_once(LpNft *nft, const char *name)
{
	g_autoptr(NftnlTable) t = lp_nft_rules_table(LP_NFT_OWN_FLAGS);
	g_autoptr(NftnlChain) c = lp_nft_rules_chain("absent");
	g_autoptr(LpNftBatch) b = lp_nft_batch_new(&nft->seq);
	g_autoptr(GError) error = NULL;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, name);
	lp_nft_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, t,
			   LP_NFT_HINT_NONE, "probing table flag persist");
	lp_nft_batch_chain(b, NFT_MSG_DELCHAIN, 0, c, LP_NFT_HINT_NONE,
			   "aborting the probe");
	if (lp_nft_batch_commit(b, nft->nl, &error)) {
		g_warning("nftables probe batch was committed, ignoring");
		return 0;
	}
	g_debug("probe with table inet %s: %s", name, error->message);
	if (lp_nft_batch_failed(b) == 0 &&
	    (g_error_matches(error, LP_NFT_ERROR, EEXIST) ||
	     g_error_matches(error, LP_NFT_ERROR, EPERM)))
		return -EEXIST;
	return lp_nft_batch_failed(b) == 1;
}

/**
 * lp_nft_probe_persist() - Tell whether the kernel has NFT_TABLE_F_PERSIST
 * @nft:	Engine
 *
 * Tries "lowport-probe", then, if somebody has a table of that name,
 * names with a random suffix. Existing tables are never touched.
 *
 * Return: true if supported
 */
static bool lp_nft_probe_persist(LpNft *nft)
{
	char name[32] = LP_NFT_TABLE "-probe";
	int i, r;

	for (i = 0; i < LP_NFT_PROBE_TRIES; i++) {
		r = lp_nft_probe_once(nft, name);
		if (r >= 0)
			return r;
		g_snprintf(name, sizeof(name), LP_NFT_TABLE "-probe-%08x",
			   g_random_int());
	}
	g_warning("cannot probe for nftables table flag persist: "
		  "every scratch table name is taken");
	return false;
}

/**
 * lp_nft_new() - Open the engine: one netlink socket for its whole life
 * @owner:	Owner mode of the table
 * @error:	Return location for a GError
 *
 * Return: new engine, free with lp_nft_free(), NULL on error
 */
LpNft *lp_nft_new(LpNftOwnerMode owner, GError **error)
{
	g_autoptr(LpNft) nft = g_new0(LpNft, 1);
	int r;

	r = lp_nft_socket_open(&nft->nl, 0);
	if (r < 0) {
		lp_nft_set_errno(error, r, "opening netlink socket");
		return NULL;
	}
	nft->portid = mnl_socket_get_portid(nft->nl);
	nft->seq = (uint32_t)time(NULL);
	nft->mode = owner;
	if (owner == LP_NFT_OWNER_AUTO)
		nft->persist = lp_nft_probe_persist(nft);
	return g_steal_pointer(&nft);
}

/**
 * lp_nft_free() - Close the engine
 * @nft:	Engine, may be NULL
 *
 * An owned table without PERSIST disappears with the socket; with
 * PERSIST it stays, unowned, for the next lp_nft_ensure_table().
 */
void lp_nft_free(LpNft *nft)
{
	if (!nft)
		return;
	if (nft->nl)
		mnl_socket_close(nft->nl);
	g_free(nft);
}

/**
 * lp_nft_owned() - Tell whether our socket owns table inet lowport
 * @nft:	Engine
 *
 * Return: true after ensure/rebuild took ownership (mode AUTO, kernel
 *	   with PERSIST)
 */
bool lp_nft_owned(LpNft *nft)
{
	return nft->owned;
}

/**
 * lp_nft_portid() - Netlink port ID of the engine's socket
 * @nft:	Engine
 *
 * Notifications of the transactions we commit carry it as nlmsg_pid.
 *
 * Return: port ID, fixed for the engine's life
 */
uint32_t lp_nft_portid(LpNft *nft)
{
	return nft->portid;
}

/**
 * lp_nft_table_present() - Tell whether table inet lowport exists
 * @nft:	Engine
 * @error:	Return location for a GError, set only on failure to ask
 *
 * Return: true if present; false if absent or on error
 */
bool lp_nft_table_present(LpNft *nft, GError **error)
{
	uint32_t flags, owner;
	int r;

	r = lp_nft_table_get(nft, &flags, &owner);
	if (r == -ENOENT)
		return false;
	if (r < 0) {
		lp_nft_set_errno(error, r, "reading table inet " LP_NFT_TABLE);
		return false;
	}
	return true;
}

/**
 * lp_nft_want_flags() - Table flags the owner mode asks for
 * @nft:	Engine
 *
 * Return: OWNER|PERSIST in mode AUTO on kernels with PERSIST, else 0
 */
static uint32_t lp_nft_want_flags(const LpNft *nft)
{
	if (nft->mode == LP_NFT_OWNER_AUTO && nft->persist)
		return LP_NFT_OWN_FLAGS;
	return 0;
}

/* The two nat base chains, both "fib daddr type local jump leases" */
static const struct {
	const char *name;
	int hook;
} lp_nft_base_chains[] = {
	{LP_NFT_CHAIN_PREROUTING, NF_INET_PRE_ROUTING},
	{LP_NFT_CHAIN_OUTPUT, NF_INET_LOCAL_OUT},
};

/**
 * lp_nft_batch_maps() - Append chain leases, the maps and DNAT rules
 * @b:		Batch
 */
static void lp_nft_batch_maps(LpNftBatch *b)
{
	g_autoptr(NftnlChain) leases = lp_nft_rules_chain(LP_NFT_CHAIN_LEASES);
	unsigned int i;

	lp_nft_batch_chain(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, leases,
			   LP_NFT_HINT_NONE, "creating chain leases");
	for (i = 0; i < LP_NFT_MAP_MAX; i++) {
		g_autoptr(NftnlSet) s = lp_nft_rules_map(i);
		g_autoptr(NftnlRule) r = lp_nft_rules_dnat(i);
		g_autofree char *what = NULL;

		what = g_strdup_printf("creating map %s",
				       lp_nft_rules_map_name(i));
		lp_nft_batch_set(b, NFT_MSG_NEWSET, NLM_F_CREATE, s,
				 LP_NFT_HINT_NONE, what);
		g_free(what);
		what = g_strdup_printf("adding the dnat rule for map %s",
				       lp_nft_rules_map_name(i));
		lp_nft_batch_rule(b, NFT_MSG_NEWRULE,
				  NLM_F_CREATE | NLM_F_APPEND, r,
				  LP_NFT_HINT_NAT, what);
	}
}

/**
 * lp_nft_batch_skeleton() - Append table, base chains, maps, DNAT rules
 * @b:		Batch
 * @flags:	Table flags
 *
 * Chains are created in listing order: prerouting, output, leases.
 */
static void lp_nft_batch_skeleton(LpNftBatch *b, uint32_t flags)
{
	g_autoptr(NftnlTable) t = lp_nft_rules_table(flags);
	unsigned int i;

	lp_nft_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, t,
			   LP_NFT_HINT_NONE,
			   "creating table inet " LP_NFT_TABLE);
	for (i = 0; i < LP_ELEMENTSOF(lp_nft_base_chains); i++) {
		const char *name = lp_nft_base_chains[i].name;
		g_autoptr(NftnlChain) c = NULL;
		g_autofree char *what = NULL;

		c = lp_nft_rules_base_chain(name, lp_nft_base_chains[i].hook);
		what = g_strdup_printf("creating nat chain %s", name);
		lp_nft_batch_chain(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, c,
				   LP_NFT_HINT_NAT, what);
	}
	lp_nft_batch_maps(b);
	for (i = 0; i < LP_ELEMENTSOF(lp_nft_base_chains); i++) {
		const char *name = lp_nft_base_chains[i].name;
		g_autoptr(NftnlRule) r = lp_nft_rules_hook_rule(name);
		g_autofree char *what = NULL;

		what = g_strdup_printf("adding rule 'fib daddr type local "
				       "jump leases' to chain %s",
				       name);
		lp_nft_batch_rule(b, NFT_MSG_NEWRULE,
				  NLM_F_CREATE | NLM_F_APPEND, r,
				  LP_NFT_HINT_FIB, what);
	}
}

/*
 * LpNftElems - the map elements of one lease, sorted by map, for a batch
 * @s:		Element container per map, NULL until the first element
 * @keys:	LpNftKey per element, per map, in container order
 * @what:	Description per element (char *), per map
 * @msg:	Batch message index of each map's container, -1 if none
 */
typedef struct {
	struct nftnl_set *s[LP_NFT_MAP_MAX];
	GArray *keys[LP_NFT_MAP_MAX];
	GPtrArray *what[LP_NFT_MAP_MAX];
	int msg[LP_NFT_MAP_MAX];
} LpNftElems;

/**
 * lp_nft_elems_clear() - Empty an LpNftElems, ready for the next lease
 * @el:		Elements
 */
static void lp_nft_elems_clear(LpNftElems *el)
{
	unsigned int i;

	for (i = 0; i < LP_NFT_MAP_MAX; i++) {
		g_clear_pointer(&el->s[i], nftnl_set_free);
		g_clear_pointer(&el->keys[i], g_array_unref);
		g_clear_pointer(&el->what[i], g_ptr_array_unref);
		el->msg[i] = -1;
	}
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LpNftElems, lp_nft_elems_clear)

/**
 * lp_nft_elems_add() - Add one element
 * @el:		Elements
 * @k:		Key
 * @lease:	Lease, for ID and owner; its data and comment are only set
 *		when adding
 * @add:	Element to add (key, backend port, comment), else key only
 * @backend:	Backend port
 */
static void lp_nft_elems_add(LpNftElems *el, const LpNftKey *k,
			     const LpNftLease *lease, bool add,
			     uint16_t backend)
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
 * @lease:	Lease, checked with lp_nft_lease_check()
 * @add:	Elements to add, else key-only elements to delete
 */
static void lp_nft_elems_add_lease(LpNftElems *el, const LpNftLease *lease,
				   bool add)
{
	LpNftKey keys[LP_NFT_KEYS_PER_PORT];
	unsigned int i, j, k, n;

	for (i = 0; i < lease->mappings->len; i++) {
		const LpMapping *m =
			&g_array_index(lease->mappings, LpMapping, i);

		for (j = 0; j < m->range; j++) {
			n = lp_nft_rules_keys(m, j, keys);
			for (k = 0; k < n; k++)
				lp_nft_elems_add(el, &keys[k], lease, add,
						 m->backend_port + j);
		}
	}
}

/**
 * lp_nft_elems_flush() - Append one element message per map touched
 * @el:		Elements; keeps its contents, records message indexes
 * @b:		Batch
 * @add:	NEWSETELEM (create, exclusive) rather than DELSETELEM
 * @id:		Lease ID, for descriptions
 */
static void lp_nft_elems_flush(LpNftElems *el, LpNftBatch *b, bool add,
			       const char *id)
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
static const LpNftKey *lp_nft_elems_failed(const LpNftElems *el,
					   const LpNftBatch *b)
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
 * lp_nft_mapping_check() - Validate one mapping
 * @m:		Mapping
 *
 * Return: true if the mapping can be installed
 */
static bool lp_nft_mapping_check(const LpMapping *m)
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
 * lp_nft_lease_check() - Validate a lease before building its batch
 * @lease:	Lease
 * @error:	Return location for a GError (EINVAL)
 *
 * Return: true if valid: good ID, 1 to LP_NFT_LEASE_PORTS_MAX ports
 */
static bool lp_nft_lease_check(const LpNftLease *lease, GError **error)
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

		if (!lp_nft_mapping_check(m)) {
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

/*
 * LpNftHolder - who holds one map element
 * @map:	Map of the element
 * @found:	The element exists and carries a lease comment
 * @id:		Lease ID from the comment
 * @uid:	Owner from the comment
 */
typedef struct {
	LpNftMap map;
	bool found;
	char id[LP_LEASE_ID_MAX + 1];
	uid_t uid;
} LpNftHolder;

/**
 * lp_nft_holder_elem_cb() - nftnl_set_elem_foreach() callback
 * @e:		Element
 * @data:	LpNftHolder
 *
 * Return: 0
 */
static int lp_nft_holder_elem_cb(struct nftnl_set_elem *e, void *data)
{
	LpNftHolder *h = data;
	LpMapping m;

	if (lp_nft_rules_parse_elem(h->map, e, h->id, &h->uid, &m) == 0)
		h->found = true;
	return 0;
}

/**
 * lp_nft_holder_cb() - GETSETELEM reply callback
 * @nlh:	NEWSETELEM message
 * @data:	LpNftHolder
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_holder_cb(const struct nlmsghdr *nlh, void *data)
{
	g_autoptr(NftnlSet) s = nftnl_set_alloc();

	if (!s)
		lp_oom();
	if (nftnl_set_elems_nlmsg_parse(nlh, s) >= 0)
		nftnl_set_elem_foreach(s, lp_nft_holder_elem_cb, data);
	return MNL_CB_OK;
}

/**
 * lp_nft_holder() - Read which lease holds a map key
 * @nft:	Engine
 * @k:		Key
 * @ret:	Holder, ret->found false if nobody
 *
 * Return: 0 on success (also if absent), negative errno on failure
 */
static int lp_nft_holder(LpNft *nft, const LpNftKey *k, LpNftHolder *ret)
{
	g_autoptr(NftnlSet) s = lp_nft_rules_elems(k->map);
	LpNftQuery q = {.cb = lp_nft_holder_cb, .data = ret};
	LP_NFT_REQ_BUF(buf);
	struct nlmsghdr *nlh;
	int r;

	*ret = (LpNftHolder){.map = k->map};
	lp_nft_rules_elem_add(s, k, NULL, 0, 0);
	nlh = lp_nft_request(nft, buf, NFT_MSG_GETSETELEM, false);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	r = lp_nft_query(nft, nlh, &q);
	return r == -ENOENT ? 0 : r;
}

/**
 * lp_nft_explain_exists() - Say who holds the port a lease could not get
 * @nft:	Engine
 * @lease:	Lease that failed
 * @k:		Key the kernel refused with EEXIST
 * @error:	Error to rewrite, code stays EEXIST
 */
static void lp_nft_explain_exists(LpNft *nft, const LpNftLease *lease,
				  const LpNftKey *k, GError *error)
{
	char desc[LP_NFT_KEY_DESC_MAX];
	LpNftHolder h;
	char *msg;

	if (lp_nft_holder(nft, k, &h) < 0)
		return;
	lp_nft_rules_key_desc(k, desc, sizeof(desc));
	if (!h.found)
		msg = g_strdup_printf("Cannot add lease %s: it forwards %s "
				      "more than once",
				      lease->id, desc);
	else if (!strcmp(h.id, lease->id))
		msg = g_strdup_printf("Cannot add lease %s: it is already "
				      "installed (it holds %s)",
				      lease->id, desc);
	else
		msg = g_strdup_printf("Cannot add lease %s: %s is already "
				      "forwarded by lease %s (uid %u)",
				      lease->id, desc, h.id,
				      (unsigned int)h.uid);
	g_free(error->message);
	error->message = msg;
}

/**
 * lp_nft_lease_add() - Install a lease in one batch
 * @nft:	Engine
 * @lease:	Lease: ID, owner and mappings
 * @error:	Return location for a GError, code a positive errno
 *
 * One NEWSETELEM message per map touched, created exclusively: if any key
 * is taken (EEXIST, the error then says by which lease) or the table is
 * gone, nothing changes. Data map elements never make the kernel
 * validate the table, so the cost does not grow with the number of
 * leases.
 *
 * Return: true on success
 */
bool lp_nft_lease_add(LpNft *nft, const LpNftLease *lease, GError **error)
{
	g_auto(LpNftElems) el = {.msg = {-1, -1, -1}};
	g_autoptr(LpNftBatch) b = NULL;
	g_autoptr(GError) local = NULL;
	const LpNftKey *k;

	if (!lp_nft_lease_check(lease, error))
		return false;
	b = lp_nft_batch_new(&nft->seq);
	lp_nft_elems_add_lease(&el, lease, true);
	lp_nft_elems_flush(&el, b, true, lease->id);
	if (lp_nft_batch_commit(b, nft->nl, &local))
		return true;
	k = lp_nft_elems_failed(&el, b);
	if (k && g_error_matches(local, LP_NFT_ERROR, EEXIST))
		lp_nft_explain_exists(nft, lease, k, local);
	g_propagate_error(error, g_steal_pointer(&local));
	return false;
}

/*
 * LpNftList - state of one listing pass
 * @only:	List only this lease ID, NULL for all
 * @map:	Map being dumped
 * @leases:	LpNftLease found, raw: one mapping per element
 * @by_id:	Lease ID -> LpNftLease in @leases (borrowed)
 * @keys:	If not NULL, gets the LpNftKey of every element listed
 */
typedef struct {
	const char *only;
	LpNftMap map;
	GPtrArray *leases;
	GHashTable *by_id;
	GArray *keys;
} LpNftList;

/**
 * lp_nft_list_elem_cb() - nftnl_set_elem_foreach() callback: one element
 * @e:		Element
 * @data:	LpNftList
 *
 * Elements without our comment (added from outside) are skipped.
 *
 * Return: 0
 */
static int lp_nft_list_elem_cb(struct nftnl_set_elem *e, void *data)
{
	char id[LP_LEASE_ID_MAX + 1];
	LpNftList *l = data;
	LpNftLease *lease;
	LpNftKey k = {.map = l->map};
	const void *key;
	LpMapping m;
	uid_t uid;

	if (lp_nft_rules_parse_elem(l->map, e, id, &uid, &m) < 0) {
		g_debug("skipping a foreign element of map %s",
			lp_nft_rules_map_name(l->map));
		return 0;
	}
	if (l->only && strcmp(id, l->only))
		return 0;
	lease = g_hash_table_lookup(l->by_id, id);
	if (!lease) {
		lease = lp_nft_lease_new(id, uid);
		g_ptr_array_add(l->leases, lease);
		g_hash_table_insert(l->by_id, lease->id, lease);
	}
	g_array_append_val(lease->mappings, m);
	if (l->keys) {
		key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &k.len);
		memcpy(k.key, key, k.len); /* length checked by the parser */
		g_array_append_val(l->keys, k);
	}
	return 0;
}

/**
 * lp_nft_list_cb() - Element dump callback
 * @nlh:	NEWSETELEM message
 * @data:	LpNftList
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_list_cb(const struct nlmsghdr *nlh, void *data)
{
	g_autoptr(NftnlSet) s = nftnl_set_alloc();

	if (!s)
		lp_oom();
	if (nftnl_set_elems_nlmsg_parse(nlh, s) >= 0)
		nftnl_set_elem_foreach(s, lp_nft_list_elem_cb, data);
	return MNL_CB_OK;
}

/**
 * lp_nft_list_once() - One listing pass: the elements of the three maps
 * @nft:	Engine
 * @l:		State to fill
 * @genid:	Generation every dump message must carry
 *
 * A missing map lists as empty, so a table healed after losing one map
 * keeps the leases of the others.
 *
 * Return: 0 on success, -EINTR if the ruleset changed, negative errno
 */
static int lp_nft_list_once(LpNft *nft, LpNftList *l, uint32_t genid)
{
	LpNftQuery q = {.cb = lp_nft_list_cb,
			.data = l,
			.check_genid = true,
			.genid = genid & 0xffff};
	LP_NFT_REQ_BUF(buf);
	unsigned int i;
	int r;

	for (i = 0; i < LP_NFT_MAP_MAX; i++) {
		g_autoptr(NftnlSet) s = lp_nft_rules_elems(i);
		struct nlmsghdr *nlh;

		l->map = i;
		nlh = lp_nft_request(nft, buf, NFT_MSG_GETSETELEM, true);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		r = lp_nft_query(nft, nlh, &q);
		if (r == -ENOENT)
			continue; /* one map deleted from outside: keep the rest */
		if (r < 0)
			return r;
	}
	return 0;
}

/**
 * lp_nft_mapping_cmp() - Order of mappings in a listing
 * @a:		LpMapping
 * @b:		LpMapping
 *
 * Every address first, then IPv4, then IPv6; by address, protocol, port.
 *
 * Return: <0, 0, >0
 */
static gint lp_nft_mapping_cmp(gconstpointer a, gconstpointer b)
{
	const LpMapping *x = a, *y = b;
	int r;

	if (x->addr.family != y->addr.family)
		return x->addr.family - y->addr.family;
	if (x->addr.any != y->addr.any)
		return y->addr.any - x->addr.any;
	r = memcmp(&x->addr.u, &y->addr.u, sizeof(x->addr.u));
	if (r)
		return r;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return x->host_port - y->host_port;
}

/**
 * lp_nft_fold_key() - Hash key of a wildcard port within its protocol
 * @m:		Mapping
 *
 * Return: host and backend port, for a GHashTable with direct hashing
 */
static gpointer lp_nft_fold_key(const LpMapping *m)
{
	return GUINT_TO_POINTER((guint)m->host_port << 16 | m->backend_port);
}

/**
 * lp_nft_lease_fold() - Pair up wildcard elements into "every address"
 * @lease:	Lease as listed, one mapping per element
 *
 * An IPv4 and an IPv6 wildcard element of the same protocol, port and
 * backend port become one mapping on every address (AF_UNSPEC), which is
 * what lp_nft_lease_add() made of it. Mappings are then sorted.
 */
static void lp_nft_lease_fold(LpNftLease *lease)
{
	GHashTable *v6[2] = {g_hash_table_new(NULL, NULL),
			     g_hash_table_new(NULL, NULL)};
	GArray *ms = lease->mappings;
	unsigned int i, n = 0;
	LpMapping *m;
	gpointer j;

	for (i = 0; i < ms->len; i++) {
		m = &g_array_index(ms, LpMapping, i);
		if (m->addr.family == AF_INET6 && m->addr.any)
			g_hash_table_insert(v6[m->proto == IPPROTO_UDP],
					    lp_nft_fold_key(m),
					    GUINT_TO_POINTER(i + 1));
	}
	for (i = 0; i < ms->len; i++) {
		m = &g_array_index(ms, LpMapping, i);
		if (m->addr.family != AF_INET || !m->addr.any)
			continue;
		j = g_hash_table_lookup(v6[m->proto == IPPROTO_UDP],
					lp_nft_fold_key(m));
		if (!j)
			continue;
		g_hash_table_remove(v6[m->proto == IPPROTO_UDP],
				    lp_nft_fold_key(m));
		m->addr = LP_ADDR_ALL;
		g_array_index(ms, LpMapping, GPOINTER_TO_UINT(j) - 1).range = 0;
	}
	g_hash_table_unref(v6[0]);
	g_hash_table_unref(v6[1]);
	for (i = 0; i < ms->len; i++) {
		if (g_array_index(ms, LpMapping, i).range)
			g_array_index(ms, LpMapping, n++) =
				g_array_index(ms, LpMapping, i);
	}
	g_array_set_size(ms, n);
	g_array_sort(ms, lp_nft_mapping_cmp);
}

/**
 * lp_nft_lease_cmp() - Order of leases in a listing: by ID
 * @a:		LpNftLease **
 * @b:		LpNftLease **
 *
 * Return: <0, 0, >0
 */
static gint lp_nft_lease_cmp(gconstpointer a, gconstpointer b)
{
	const LpNftLease *x = *(LpNftLease *const *)a;
	const LpNftLease *y = *(LpNftLease *const *)b;

	return strcmp(x->id, y->id);
}

/**
 * lp_nft_list() - List leases consistently, retrying on ruleset changes
 * @nft:	Engine
 * @only:	Lease ID to list, NULL for all
 * @keys:	If not NULL, filled with the key of every element listed
 * @ret:	Leases (LpNftLease), folded and sorted, caller frees
 *
 * Return: 0 on success, -ENOENT if the table is missing, negative errno
 */
static int lp_nft_list(LpNft *nft, const char *only, GArray *keys,
		       GPtrArray **ret)
{
	uint32_t genid, flags, owner;
	unsigned int tries, i;
	int r = -EAGAIN;

	for (tries = 0; tries < LP_NFT_GENID_TRIES; tries++) {
		g_autoptr(GPtrArray) leases = g_ptr_array_new_with_free_func(
			(GDestroyNotify)lp_nft_lease_free);
		g_autoptr(GHashTable) by_id =
			g_hash_table_new(g_str_hash, g_str_equal);
		LpNftList l = {.only = only,
			       .leases = leases,
			       .by_id = by_id,
			       .keys = keys};

		if (keys)
			g_array_set_size(keys, 0);
		r = lp_nft_genid(nft, &genid);
		if (!r)
			r = lp_nft_table_get(nft, &flags, &owner);
		if (!r)
			r = lp_nft_list_once(nft, &l, genid);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		for (i = 0; i < leases->len; i++)
			lp_nft_lease_fold(leases->pdata[i]);
		g_ptr_array_sort(leases, lp_nft_lease_cmp);
		*ret = g_steal_pointer(&leases);
		return 0;
	}
	return r;
}

/**
 * lp_nft_lease_list() - List the leases the kernel holds
 * @nft:	Engine
 * @error:	Return location for a GError
 *
 * The elements of the three maps are read back and grouped by the lease
 * ID of their comments; each port becomes one LpMapping (range 1), an
 * IPv4 and IPv6 wildcard pair one mapping on every address. Leases come
 * sorted by ID, mappings by scope, protocol and port. A missing table
 * lists as empty.
 *
 * Return: GPtrArray of LpNftLease (caller unrefs), NULL on error
 */
GPtrArray *lp_nft_lease_list(LpNft *nft, GError **error)
{
	GPtrArray *leases = NULL;
	int r;

	r = lp_nft_list(nft, NULL, NULL, &leases);
	if (r == -ENOENT)
		return g_ptr_array_new_with_free_func(
			(GDestroyNotify)lp_nft_lease_free);
	if (r < 0) {
		lp_nft_set_errno(error, r, "listing leases");
		return NULL;
	}
	return leases;
}

/**
 * lp_nft_remove_keys() - Delete map elements by key in one batch
 * @nft:	Engine
 * @id:		Lease ID, for messages
 * @keys:	LpNftKey array
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool lp_nft_remove_keys(LpNft *nft, const char *id, GArray *keys,
			       GError **error)
{
	g_auto(LpNftElems) el = {.msg = {-1, -1, -1}};
	g_autoptr(LpNftLease) lease = lp_nft_lease_new(id, 0);
	g_autoptr(LpNftBatch) b = lp_nft_batch_new(&nft->seq);
	unsigned int i;

	for (i = 0; i < keys->len; i++)
		lp_nft_elems_add(&el, &g_array_index(keys, LpNftKey, i), lease,
				 false, 0);
	lp_nft_elems_flush(&el, b, false, id);
	return lp_nft_batch_commit(b, nft->nl, error);
}

/**
 * lp_nft_remove_found() - Remove what the kernel really holds of a lease
 * @nft:	Engine
 * @id:		Lease ID
 * @error:	Return location for a GError
 *
 * The maps are listed for elements carrying @id and those are deleted;
 * if some vanish in between (ENOENT), once more.
 *
 * Return: true on success, also if nothing of the lease is left
 */
static bool lp_nft_remove_found(LpNft *nft, const char *id, GError **error)
{
	unsigned int tries;

	for (tries = 0;; tries++) {
		g_autoptr(GArray) keys =
			g_array_new(FALSE, FALSE, sizeof(LpNftKey));
		g_autoptr(GPtrArray) leases = NULL;
		g_autoptr(GError) local = NULL;
		int r;

		r = lp_nft_list(nft, id, keys, &leases);
		if (r == -ENOENT)
			return true;
		if (r < 0) {
			lp_nft_set_errno(error, r, "listing a lease to remove");
			return false;
		}
		if (!keys->len || lp_nft_remove_keys(nft, id, keys, &local))
			return true;
		if (tries > 0 ||
		    !g_error_matches(local, LP_NFT_ERROR, ENOENT)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return false;
		}
	}
}

/**
 * lp_nft_lease_remove() - Remove a lease in one batch
 * @nft:	Engine
 * @lease:	Lease; its mappings name the map elements to delete. With
 *		no mappings, what the kernel holds for the ID is removed
 * @error:	Return location for a GError
 *
 * One DELSETELEM message per map touched. A lease already gone is
 * success. If part of it is gone (ENOENT aborts the batch), the elements
 * the kernel still holds for the lease ID are listed and removed.
 *
 * Return: true on success
 */
bool lp_nft_lease_remove(LpNft *nft, const LpNftLease *lease, GError **error)
{
	g_auto(LpNftElems) el = {.msg = {-1, -1, -1}};
	g_autoptr(GError) local = NULL;
	g_autoptr(LpNftBatch) b = NULL;

	if (!lease->mappings->len) {
		if (!lp_nft_rules_id_valid(lease->id)) {
			g_set_error(error, LP_NFT_ERROR, EINVAL,
				    "Invalid lease ID '%s'", lease->id);
			return false;
		}
		return lp_nft_remove_found(nft, lease->id, error);
	}
	if (!lp_nft_lease_check(lease, error))
		return false;
	b = lp_nft_batch_new(&nft->seq);
	lp_nft_elems_add_lease(&el, lease, false);
	lp_nft_elems_flush(&el, b, false, lease->id);
	if (lp_nft_batch_commit(b, nft->nl, &local))
		return true;
	if (!g_error_matches(local, LP_NFT_ERROR, ENOENT)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return false;
	}
	g_debug("lease %s partly gone, removing what is left: %s", lease->id,
		local->message);
	return lp_nft_remove_found(nft, lease->id, error);
}

/**
 * lp_nft_leases_check() - Validate the leases of a rebuild
 * @leases:	LpNftLease array, may be NULL
 * @error:	Return location for a GError
 *
 * Return: true if all valid and at most LP_NFT_LEASES_MAX
 */
static bool lp_nft_leases_check(GPtrArray *leases, GError **error)
{
	unsigned int i;

	if (leases && leases->len > LP_NFT_LEASES_MAX) {
		g_set_error(error, LP_NFT_ERROR, E2BIG,
			    "Too many leases to rebuild: %u, at most %u",
			    leases->len, LP_NFT_LEASES_MAX);
		return false;
	}
	for (i = 0; leases && i < leases->len; i++) {
		if (!lp_nft_lease_check(leases->pdata[i], error))
			return false;
	}
	return true;
}

/**
 * lp_nft_rebuild_once() - Replace the table with skeleton and leases
 * @nft:	Engine
 * @leases:	LpNftLease array, may be NULL
 * @error:	Return location for a GError
 *
 * The old table is destroyed portably (no NFT_MSG_DESTROYTABLE before
 * 6.3): NEWTABLE with its current flags, which is a no-op if it exists,
 * then DELTABLE, in the same batch as the new table. Each lease gets its
 * own element messages, so an error names the lease.
 *
 * Return: true on success
 */
static bool lp_nft_rebuild_once(LpNft *nft, GPtrArray *leases, GError **error)
{
	g_auto(LpNftElems) el = {.msg = {-1, -1, -1}};
	g_autoptr(LpNftBatch) b = NULL;
	g_autoptr(NftnlTable) old = NULL;
	uint32_t flags = 0, owner, want = lp_nft_want_flags(nft);
	unsigned int i;
	int r;

	r = lp_nft_table_get(nft, &flags, &owner);
	if (r < 0 && r != -ENOENT) {
		lp_nft_set_errno(error, r, "reading table inet " LP_NFT_TABLE);
		return false;
	}
	old = lp_nft_rules_table(r < 0 ? 0 : flags);
	b = lp_nft_batch_new(&nft->seq);
	lp_nft_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, old,
			   LP_NFT_HINT_NONE,
			   "replacing table inet " LP_NFT_TABLE);
	lp_nft_batch_table(b, NFT_MSG_DELTABLE, 0, old, LP_NFT_HINT_NONE,
			   "deleting the old table inet " LP_NFT_TABLE);
	lp_nft_batch_skeleton(b, want);
	for (i = 0; leases && i < leases->len; i++) {
		const LpNftLease *lease = leases->pdata[i];

		lp_nft_elems_add_lease(&el, lease, true);
		lp_nft_elems_flush(&el, b, true, lease->id);
		lp_nft_elems_clear(&el);
	}
	if (!lp_nft_batch_commit(b, nft->nl, error))
		return false;
	nft->owned = want & NFT_TABLE_F_OWNER;
	return true;
}

/**
 * lp_nft_rebuild() - Replace table inet lowport in one batch
 * @nft:	Engine
 * @leases:	LpNftLease array to install, may be NULL or empty
 * @error:	Return location for a GError
 *
 * Traffic never sees a half-built table: the old one (if any) is deleted
 * and the new one created in one transaction. Retried once if the table
 * changed under us (flushed or re-flagged between reading and writing).
 *
 * Return: true on success
 */
bool lp_nft_rebuild(LpNft *nft, GPtrArray *leases, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (!lp_nft_leases_check(leases, error))
		return false;
	if (lp_nft_rebuild_once(nft, leases, &local))
		return true;
	if (!g_error_matches(local, LP_NFT_ERROR, ENOENT) &&
	    !g_error_matches(local, LP_NFT_ERROR, EOPNOTSUPP)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return false;
	}
	return lp_nft_rebuild_once(nft, leases, error);
}

/**
 * lp_nft_count_cb() - Dump callback counting messages
 * @nlh:	Message
 * @data:	unsigned int counter
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_count_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(unsigned int *)data)++;
	return MNL_CB_OK;
}

/**
 * lp_nft_chain_rules() - Count the rules of a chain of the table
 * @nft:	Engine
 * @chain:	Chain name
 * @ret:	Number of rules, 0 if the chain is missing
 *
 * Return: 0 on success, negative errno on failure
 */
static int lp_nft_chain_rules(LpNft *nft, const char *chain, unsigned int *ret)
{
	g_autoptr(NftnlRule) filter = nftnl_rule_alloc();
	LP_NFT_REQ_BUF(buf);
	LpNftQuery q = {.cb = lp_nft_count_cb, .data = ret};
	struct nlmsghdr *nlh;
	int r;

	if (!filter)
		lp_oom();
	*ret = 0;
	nftnl_rule_set_str(filter, NFTNL_RULE_TABLE, LP_NFT_TABLE);
	nftnl_rule_set_str(filter, NFTNL_RULE_CHAIN, chain);
	nlh = lp_nft_request(nft, buf, NFT_MSG_GETRULE, true);
	nftnl_rule_nlmsg_build_payload(nlh, filter);
	r = lp_nft_query(nft, nlh, &q);
	return r == -ENOENT ? 0 : r;
}

/*
 * LpNftMapCheck - comparing a listed map with the one we build
 * @want:	Map as lp_nft_rules_map() builds it
 * @ok:		The listed map has the same flags, key and data
 */
typedef struct {
	const struct nftnl_set *want;
	bool ok;
} LpNftMapCheck;

/**
 * lp_nft_map_cb() - GETSET reply callback: does the map have our layout?
 * @nlh:	NEWSET message
 * @data:	LpNftMapCheck
 *
 * Return: MNL_CB_OK
 */
static int lp_nft_map_cb(const struct nlmsghdr *nlh, void *data)
{
	static const uint16_t attrs[] = {
		NFTNL_SET_FLAGS,     NFTNL_SET_KEY_TYPE, NFTNL_SET_KEY_LEN,
		NFTNL_SET_DATA_TYPE, NFTNL_SET_DATA_LEN,
	};
	g_autoptr(NftnlSet) got = nftnl_set_alloc();
	LpNftMapCheck *c = data;
	unsigned int i;

	if (!got)
		lp_oom();
	if (nftnl_set_nlmsg_parse(nlh, got) < 0)
		return MNL_CB_OK;
	c->ok = true;
	for (i = 0; i < LP_ELEMENTSOF(attrs); i++) {
		if (nftnl_set_get_u32(got, attrs[i]) !=
		    nftnl_set_get_u32(c->want, attrs[i]))
			c->ok = false;
	}
	return MNL_CB_OK;
}

/**
 * lp_nft_map_ok() - Check that a map exists with our key and data types
 * @nft:	Engine
 * @map:	Map
 *
 * A map of another layout (an older lowport's verdict map) is as good as
 * missing: the table must be rebuilt.
 *
 * Return: 1 if right, 0 if missing or different, negative errno
 */
static int lp_nft_map_ok(LpNft *nft, LpNftMap map)
{
	g_autoptr(NftnlSet) s = lp_nft_rules_map(map);
	LpNftMapCheck c = {.want = s};
	LpNftQuery q = {.cb = lp_nft_map_cb, .data = &c};
	LP_NFT_REQ_BUF(buf);
	struct nlmsghdr *nlh;
	int r;

	nlh = lp_nft_request(nft, buf, NFT_MSG_GETSET, false);
	nftnl_set_nlmsg_build_payload(nlh, s);
	r = lp_nft_query(nft, nlh, &q);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : c.ok;
}

/**
 * lp_nft_skeleton_ok() - Check the skeleton: chains, their rules, maps
 * @nft:	Engine
 *
 * Return: 1 if complete, 0 if something is missing, negative errno
 */
static int lp_nft_skeleton_ok(LpNft *nft)
{
	static const struct {
		const char *chain;
		unsigned int rules;
	} want[] = {
		{LP_NFT_CHAIN_PREROUTING, 1},
		{LP_NFT_CHAIN_OUTPUT, 1},
		{LP_NFT_CHAIN_LEASES, LP_NFT_MAP_MAX},
	};
	unsigned int i, n;
	int r;

	for (i = 0; i < LP_ELEMENTSOF(want); i++) {
		r = lp_nft_chain_rules(nft, want[i].chain, &n);
		if (r < 0)
			return r;
		if (n != want[i].rules)
			return 0;
	}
	for (i = 0; i < LP_NFT_MAP_MAX; i++) {
		r = lp_nft_map_ok(nft, i);
		if (r <= 0)
			return r;
	}
	return 1;
}

/**
 * lp_nft_heal() - Rebuild the table from the leases it holds now
 * @nft:	Engine
 * @why:	Reason, for the debug log
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool lp_nft_heal(LpNft *nft, const char *why, GError **error)
{
	g_autoptr(GPtrArray) leases = NULL;
	g_autoptr(GPtrArray) good = NULL;
	unsigned int i;

	g_debug("rebuilding table inet " LP_NFT_TABLE ": %s", why);
	leases = lp_nft_lease_list(nft, error);
	if (!leases)
		return false;
	good = g_ptr_array_new();
	for (i = 0; i < leases->len; i++) {
		LpNftLease *l = leases->pdata[i];

		if (l->mappings->len)
			g_ptr_array_add(good, l);
	}
	return lp_nft_rebuild(nft, good, error);
}

/**
 * lp_nft_take() - Take ownership of an orphaned PERSIST table
 * @nft:	Engine
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool lp_nft_take(LpNft *nft, GError **error)
{
	g_autoptr(NftnlTable) t = lp_nft_rules_table(LP_NFT_OWN_FLAGS);
	g_autoptr(LpNftBatch) b = lp_nft_batch_new(&nft->seq);

	lp_nft_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, t,
			   LP_NFT_HINT_TABLE,
			   "taking ownership of table inet " LP_NFT_TABLE);
	if (!lp_nft_batch_commit(b, nft->nl, error))
		return false;
	nft->owned = true;
	return true;
}

/**
 * lp_nft_ensure_table() - Make sure table inet lowport is there and ours
 * @nft:	Engine
 * @error:	Return location for a GError
 *
 * Creates the skeleton if the table is missing. If present: re-takes an
 * orphaned PERSIST table (mode AUTO), refuses a table another socket
 * owns (EPERM), and rebuilds it from the leases it holds if its flags do
 * not match the mode or a piece of the skeleton is missing.
 *
 * Return: true on success
 */
bool lp_nft_ensure_table(LpNft *nft, GError **error)
{
	uint32_t flags, owner, have, want = lp_nft_want_flags(nft);
	int r;

	r = lp_nft_table_get(nft, &flags, &owner);
	if (r == -ENOENT)
		return lp_nft_rebuild(nft, NULL, error);
	if (r < 0) {
		lp_nft_set_errno(error, r, "reading table inet " LP_NFT_TABLE);
		return false;
	}
	if ((flags & NFT_TABLE_F_OWNER) && owner != nft->portid) {
		g_set_error(error, LP_NFT_ERROR, EPERM,
			    "table inet " LP_NFT_TABLE " is owned by another "
			    "process (is another lowportd running?)");
		return false;
	}
	have = flags & LP_NFT_OWN_FLAGS;
	if (have != want) {
		if (want == LP_NFT_OWN_FLAGS && have == NFT_TABLE_F_PERSIST) {
			if (!lp_nft_take(nft, error))
				return false;
		} else {
			return lp_nft_heal(nft, "flags differ from mode",
					   error);
		}
	}
	nft->owned = want & NFT_TABLE_F_OWNER;
	r = lp_nft_skeleton_ok(nft);
	if (r < 0) {
		lp_nft_set_errno(error, r, "checking table inet " LP_NFT_TABLE);
		return false;
	}
	return r ? true : lp_nft_heal(nft, "skeleton incomplete", error);
}
