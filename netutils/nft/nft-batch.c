// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-batch.c - nf_tables batches: build, send, collect every ACK
 *
 * DOC: Theory of Operation
 *
 * Every message of a batch except BATCH_BEGIN/END carries NLM_F_ACK, and
 * the batch is only a success once every one of those ACKs came back with
 * error 0. The kernel runs the whole batch inside sendmsg(), queues one
 * ACK per message (also for messages that succeeded in an aborted
 * batch), and aborts the transaction if any message
 * failed. A batch-level failure (no CAP_NET_ADMIN, out of memory, commit
 * failure) comes back as one error carrying the BATCH_BEGIN sequence.
 *
 * Each message is recorded with a human description ("creating map
 * any") and a hint, so an error ACK becomes a message a person can act
 * on. A set element message may carry one description per element: the
 * kernel names the failing element by its attribute offset in the
 * extended ACK, so the error says which port was refused.
 *
 * Buffers are nftnl_batch pages, sent with one sendmsg(); socket buffers
 * are raised to fit the batch and its ACKs, so 10,000-lease rebuilds fit
 * in one transaction.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <libnftnl/common.h>

#include "netutils/nft/nft-acks.h"
#include "netutils/nft/nft-batch.h"
#include "netutils/nft/nft-socket.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

/* nft's page size for batches, plus room for one message past it */
#define LP_NFT_BATCH_PAGE    (128 * 1024)
#define LP_NFT_BATCH_OVERRUN (64 * 1024)

/* Kernel memory one queued ACK costs against SO_RCVBUF (skb truesize) */
#define LP_NFT_ACK_TRUESIZE 1024

/* The kernel answers within sendmsg(); this only guards against bugs */
#define LP_NFT_ACK_TIMEOUT_MS 10000

/* Receive buffer for ACKs; with NETLINK_CAP_ACK each one is small */
#define LP_NFT_RECV_SIZE 32768

/*
 * LpNftBatch - a batch under construction
 * @nb:		Pages holding the messages
 * @seq:	The socket's sequence counter, advanced per message
 * @seq_begin:	Sequence number of BATCH_BEGIN
 * @what:	Description per message (char *), index = seq - seq_begin - 1
 * @hints:	LpNftHint per message (guint8)
 * @elems:	LpNftBatchElems per message, NULL if not an element message
 * @failed:	Index of the message that failed the last commit, -1 if
 *		none or the batch failed as a whole
 * @failed_elem: Index of the element that failed in that message, -1 if
 *		unknown
 */
struct LpNftBatch {
	struct nftnl_batch *nb;
	uint32_t *seq;
	uint32_t seq_begin;
	GPtrArray *what;
	GByteArray *hints;
	GPtrArray *elems;
	int failed;
	int failed_elem;
};

/*
 * LpNftBatchElems - the elements of one set element message
 * @what:	Description per element (char *), may be NULL
 * @offs:	Offset of each element's attribute from the message header
 */
typedef struct {
	GPtrArray *what;
	GArray *offs;
} LpNftBatchElems;

/**
 * lp_nft_batch_elems_free() - Free an LpNftBatchElems
 * @data:	LpNftBatchElems, may be NULL
 */
static void lp_nft_batch_elems_free(gpointer data)
{
	LpNftBatchElems *e = data;

	if (!e)
		return;
	if (e->what)
		g_ptr_array_unref(e->what);
	g_array_unref(e->offs);
	g_free(e);
}

/**
 * lp_nft_batch_hint_text() - Advice for an errno given the message's hint
 * @err:	Positive errno
 * @hint:	Hint of the failing message
 *
 * Return: static advice string, NULL if none
 */
static const char *lp_nft_batch_hint_text(int err, LpNftHint hint)
{
	switch (err) {
	case ENOENT:
		if (hint == LP_NFT_HINT_TABLE || hint == LP_NFT_HINT_ELEM)
			return "table inet " LP_NFT_TABLE
			       " is missing (was the ruleset flushed?)";
		if (hint == LP_NFT_HINT_NAT)
			return "the kernel lacks nf_tables nat support (modules nft_chain_nat, nft_nat)";
		if (hint == LP_NFT_HINT_FIB)
			return "the kernel lacks nf_tables fib support (module nft_fib_inet)";
		break;
	case EOPNOTSUPP:
		if (hint == LP_NFT_HINT_NAT)
			return "the kernel lacks nf_tables nat support (modules nft_chain_nat, nft_nat)";
		if (hint == LP_NFT_HINT_FIB)
			return "the kernel lacks nf_tables fib support (module nft_fib_inet)";
		break;
	case EPERM:
		return "table inet " LP_NFT_TABLE
		       " is owned by another process (is another lowportd running?)";
	case EEXIST:
	case EBUSY:
		if (hint == LP_NFT_HINT_ELEM)
			return "another lease already forwards this address and port";
		break;
	}
	return NULL;
}

/**
 * lp_nft_batch_describe_error() - Turn a failed batch message into words
 * @err:	Negative or positive errno
 * @what:	What the message did, "creating map any"
 * @hint:	Hint recorded with the message
 * @extack:	Extended ACK text from the kernel, NULL or "" if none
 *
 * Return: "nftables refused @what: strerror[: advice][ (kernel: @extack)]",
 *	   caller frees
 */
char *lp_nft_batch_describe_error(int err, const char *what, LpNftHint hint,
				  const char *extack)
{
	const char *advice;
	GString *s;

	err = ABS(err);
	advice = lp_nft_batch_hint_text(err, hint);
	s = g_string_new(NULL);
	g_string_append_printf(s, "nftables refused %s: %s", what,
			       g_strerror(err));
	if (advice)
		g_string_append_printf(s, ": %s", advice);
	if (extack && *extack)
		g_string_append_printf(s, " (kernel: %s)", extack);
	return g_string_free(s, FALSE);
}

/**
 * lp_nft_batch_new() - Start a batch: BATCH_BEGIN
 * @seq:	Sequence counter of the socket the batch goes to
 *
 * Return: new batch, free with lp_nft_batch_free()
 */
LpNftBatch *lp_nft_batch_new(uint32_t *seq)
{
	LpNftBatch *b = g_new0(LpNftBatch, 1);

	b->nb = nftnl_batch_alloc(LP_NFT_BATCH_PAGE, LP_NFT_BATCH_OVERRUN);
	if (!b->nb)
		lp_oom();
	b->seq = seq;
	b->seq_begin = (*seq)++;
	b->failed = -1;
	b->failed_elem = -1;
	b->what = g_ptr_array_new_with_free_func(g_free);
	b->hints = g_byte_array_new();
	b->elems = g_ptr_array_new_with_free_func(lp_nft_batch_elems_free);
	nftnl_batch_begin(nftnl_batch_buffer(b->nb), b->seq_begin);
	if (nftnl_batch_update(b->nb) < 0)
		lp_oom();
	return b;
}

/**
 * lp_nft_batch_free() - Free a batch
 * @b:		Batch, may be NULL
 */
void lp_nft_batch_free(LpNftBatch *b)
{
	if (!b)
		return;
	nftnl_batch_free(b->nb);
	g_ptr_array_unref(b->what);
	g_byte_array_unref(b->hints);
	g_ptr_array_unref(b->elems);
	g_free(b);
}

/**
 * lp_nft_batch_count() - Number of messages between BEGIN and END
 * @b:		Batch
 *
 * Return: message count
 */
unsigned int lp_nft_batch_count(const LpNftBatch *b)
{
	return b->what->len;
}

/**
 * lp_nft_batch_failed() - Which message failed the last commit
 * @b:		Batch after lp_nft_batch_commit()
 *
 * Return: index (0 = first after BATCH_BEGIN), -1 if none or the kernel
 *	   failed the batch as a whole
 */
int lp_nft_batch_failed(const LpNftBatch *b)
{
	return b->failed;
}

/**
 * lp_nft_batch_failed_elem() - Which element failed the last commit
 * @b:		Batch after lp_nft_batch_commit()
 *
 * Return: index of the element in the message lp_nft_batch_failed()
 *	   names, -1 if not an element message or the kernel did not say
 */
int lp_nft_batch_failed_elem(const LpNftBatch *b)
{
	return b->failed_elem;
}

/**
 * lp_nft_batch_hdr() - Start one message of the batch
 * @b:		Batch
 * @type:	NFT_MSG_* type
 * @flags:	NLM_F_* flags; NLM_F_ACK is added
 * @hint:	What a failure most likely means
 * @what:	Description for error messages, copied
 *
 * Return: header to build the payload into; call lp_nft_batch_next() after
 */
static struct nlmsghdr *lp_nft_batch_hdr(LpNftBatch *b, uint16_t type,
					 uint16_t flags, LpNftHint hint,
					 const char *what)
{
	uint8_t h = hint;

	g_ptr_array_add(b->what, g_strdup(what));
	g_byte_array_append(b->hints, &h, 1);
	g_ptr_array_add(b->elems, NULL);
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b->nb), type,
				     NFPROTO_INET, flags | NLM_F_ACK,
				     (*b->seq)++);
}

/**
 * lp_nft_batch_next() - Finish the message started by lp_nft_batch_hdr()
 * @b:		Batch
 */
static void lp_nft_batch_next(LpNftBatch *b)
{
	if (nftnl_batch_update(b->nb) < 0)
		lp_oom();
}

/**
 * lp_nft_batch_table() - Append a table message
 * @b:		Batch
 * @type:	NFT_MSG_NEWTABLE or NFT_MSG_DELTABLE
 * @flags:	NLM_F_* flags
 * @t:		Table
 * @hint:	What a failure most likely means
 * @what:	Description for error messages
 */
void lp_nft_batch_table(LpNftBatch *b, uint16_t type, uint16_t flags,
			const struct nftnl_table *t, LpNftHint hint,
			const char *what)
{
	nftnl_table_nlmsg_build_payload(
		lp_nft_batch_hdr(b, type, flags, hint, what), t);
	lp_nft_batch_next(b);
}

/**
 * lp_nft_batch_chain() - Append a chain message
 * @b:		Batch
 * @type:	NFT_MSG_NEWCHAIN or NFT_MSG_DELCHAIN
 * @flags:	NLM_F_* flags
 * @c:		Chain
 * @hint:	What a failure most likely means
 * @what:	Description for error messages
 */
void lp_nft_batch_chain(LpNftBatch *b, uint16_t type, uint16_t flags,
			const struct nftnl_chain *c, LpNftHint hint,
			const char *what)
{
	nftnl_chain_nlmsg_build_payload(
		lp_nft_batch_hdr(b, type, flags, hint, what), c);
	lp_nft_batch_next(b);
}

/**
 * lp_nft_batch_rule() - Append a rule message
 * @b:		Batch
 * @type:	NFT_MSG_NEWRULE or NFT_MSG_DELRULE
 * @flags:	NLM_F_* flags
 * @r:		Rule
 * @hint:	What a failure most likely means
 * @what:	Description for error messages
 */
void lp_nft_batch_rule(LpNftBatch *b, uint16_t type, uint16_t flags,
		       const struct nftnl_rule *r, LpNftHint hint,
		       const char *what)
{
	nftnl_rule_nlmsg_build_payload(
		lp_nft_batch_hdr(b, type, flags, hint, what),
		(struct nftnl_rule *)r);
	lp_nft_batch_next(b);
}

/**
 * lp_nft_batch_set() - Append a set (map) message
 * @b:		Batch
 * @type:	NFT_MSG_NEWSET or NFT_MSG_DELSET
 * @flags:	NLM_F_* flags
 * @s:		Set
 * @hint:	What a failure most likely means
 * @what:	Description for error messages
 */
void lp_nft_batch_set(LpNftBatch *b, uint16_t type, uint16_t flags,
		      const struct nftnl_set *s, LpNftHint hint,
		      const char *what)
{
	nftnl_set_nlmsg_build_payload(
		lp_nft_batch_hdr(b, type, flags, hint, what),
		(struct nftnl_set *)s);
	lp_nft_batch_next(b);
}

/**
 * lp_nft_batch_elem_offsets() - Record where each element of a message is
 * @nlh:	NEWSETELEM or DELSETELEM message, complete
 *
 * Return: offsets of the NFTA_LIST_ELEM nests from @nlh, in order
 */
static GArray *lp_nft_batch_elem_offsets(const struct nlmsghdr *nlh)
{
	GArray *offs = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	const struct nlattr *list, *e;

	mnl_attr_for_each(list, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(list) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(e, list)
		{
			uint32_t off = (const char *)e - (const char *)nlh;

			g_array_append_val(offs, off);
		}
	}
	return offs;
}

/**
 * lp_nft_batch_elems() - Append a set element message
 * @b:		Batch
 * @type:	NFT_MSG_NEWSETELEM or NFT_MSG_DELSETELEM
 * @flags:	NLM_F_* flags
 * @s:		Set naming the map, holding the elements
 * @hint:	What a failure most likely means
 * @what:	Description for error messages
 * @elem_what:	Description per element of @s, in order, replacing @what
 *		when the kernel names the failing element; NULL if none.
 *		A reference is taken
 */
void lp_nft_batch_elems(LpNftBatch *b, uint16_t type, uint16_t flags,
			const struct nftnl_set *s, LpNftHint hint,
			const char *what, GPtrArray *elem_what)
{
	struct nlmsghdr *nlh = lp_nft_batch_hdr(b, type, flags, hint, what);
	LpNftBatchElems *e = g_new0(LpNftBatchElems, 1);

	nftnl_set_elems_nlmsg_build_payload(nlh, (struct nftnl_set *)s);
	e->what = elem_what ? g_ptr_array_ref(elem_what) : NULL;
	e->offs = lp_nft_batch_elem_offsets(nlh);
	g_ptr_array_index(b->elems, b->elems->len - 1) = e;
	lp_nft_batch_next(b);
}

/**
 * lp_nft_batch_send() - Close the batch with BATCH_END and send it
 * @b:		Batch
 * @nl:		Socket
 * @ret_len:	Size of the batch in bytes
 *
 * The kernel takes a batch only in one piece, so the send buffer must
 * hold all of it (-EMSGSIZE if it cannot be raised that far).
 *
 * Return: 0 on success, negative errno on failure
 */
static int lp_nft_batch_send(LpNftBatch *b, struct mnl_socket *nl,
			     size_t *ret_len)
{
	struct sockaddr_nl snl = {.nl_family = AF_NETLINK};
	g_autofree struct iovec *iov = NULL;
	struct msghdr msg = {0};
	size_t total = 0;
	int i, n;

	nftnl_batch_end(nftnl_batch_buffer(b->nb), (*b->seq)++);
	if (nftnl_batch_update(b->nb) < 0)
		lp_oom();
	n = nftnl_batch_iovec_len(b->nb);
	if (n > IOV_MAX)
		return -E2BIG;
	iov = g_new0(struct iovec, n);
	nftnl_batch_iovec(b->nb, iov, n);
	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	*ret_len = total;
	if (total > LP_NFT_SOCKBUF_MAX / 2)
		return -E2BIG;

	lp_nft_socket_bufsize(nl, SO_SNDBUF, total + 4096);
	lp_nft_socket_bufsize(nl, SO_RCVBUF,
			      (lp_nft_batch_count(b) + 1) *
				      LP_NFT_ACK_TRUESIZE);
	if (lp_nft_socket_getbuf(nl, SO_SNDBUF) < total + 32)
		return -EMSGSIZE;
	msg.msg_name = &snl;
	msg.msg_namelen = sizeof(snl);
	msg.msg_iov = iov;
	msg.msg_iovlen = n;
	if (sendmsg(mnl_socket_get_fd(nl), &msg, 0) < 0)
		return -errno;
	return 0;
}

/**
 * lp_nft_batch_recv_acks() - Receive until every ACK of the batch arrived
 * @nl:		Socket
 * @a:		ACK state
 *
 * Return: 0 when complete, negative errno if ACKs were lost or late
 */
static int lp_nft_batch_recv_acks(struct mnl_socket *nl, LpNftAcks *a)
{
	g_autofree uint32_t *buf = g_malloc(LP_NFT_RECV_SIZE);
	struct pollfd pfd = {.fd = mnl_socket_get_fd(nl), .events = POLLIN};
	ssize_t len;
	int r;

	while (!a->done) {
		r = poll(&pfd, 1, LP_NFT_ACK_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ETIMEDOUT;
		len = recv(pfd.fd, buf, LP_NFT_RECV_SIZE, MSG_DONTWAIT);
		if (len < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (len < 0)
			return -errno;
		lp_nft_acks_parse(a, buf, len);
	}
	return 0;
}

/**
 * lp_nft_batch_failed_elem_what() - Find the element an error points at
 * @b:		Batch
 * @i:		Index of the failed message
 * @offs:	Extended ACK attribute offset, 0 if none
 * @what:	Description, replaced by the element's if known
 */
static void lp_nft_batch_failed_elem_what(LpNftBatch *b, unsigned int i,
					  uint32_t offs, const char **what)
{
	const LpNftBatchElems *e = g_ptr_array_index(b->elems, i);
	unsigned int j;

	if (!e || !offs)
		return;
	for (j = 0; j < e->offs->len; j++) {
		if (g_array_index(e->offs, uint32_t, j) != offs)
			continue;
		b->failed_elem = j;
		if (e->what && j < e->what->len)
			*what = g_ptr_array_index(e->what, j);
		return;
	}
}

/**
 * lp_nft_batch_commit() - Send a batch and check every ACK
 * @b:		Batch; BATCH_END is appended here
 * @nl:		Socket
 * @error:	Return location for a GError; code is a positive errno
 *
 * Return: true if the kernel committed the whole batch
 */
bool lp_nft_batch_commit(LpNftBatch *b, struct mnl_socket *nl, GError **error)
{
	g_autofree char *msg = NULL;
	const char *what = "the batch";
	LpNftHint hint = LP_NFT_HINT_NONE;
	size_t len = 0;
	LpNftAcks a;
	uint32_t i;
	int r;

	b->failed = b->failed_elem = -1;
	r = lp_nft_batch_send(b, nl, &len);
	if (r < 0) {
		g_set_error(error, LP_NFT_ERROR, -r,
			    "Cannot send nftables batch of %u messages (%zu "
			    "bytes): %s%s",
			    lp_nft_batch_count(b), len, g_strerror(-r),
			    r == -EMSGSIZE ? " (socket send buffer too small: "
					     "needs CAP_NET_ADMIN or a larger "
					     "net.core.wmem_max)"
					   : "");
		return false;
	}
	lp_nft_acks_init(&a, mnl_socket_get_portid(nl), b->seq_begin,
			 lp_nft_batch_count(b));
	r = lp_nft_batch_recv_acks(nl, &a);
	if (r < 0) {
		lp_nft_acks_clear(&a);
		g_set_error(error, LP_NFT_ERROR, -r,
			    "Lost nftables acknowledgements of a batch of %u "
			    "messages, its outcome is unknown: %s%s",
			    lp_nft_batch_count(b), g_strerror(-r),
			    r == -ENOBUFS ? " (socket receive buffer too "
					    "small: needs CAP_NET_ADMIN or a "
					    "larger net.core.rmem_max)"
					  : "");
		return false;
	}
	lp_nft_acks_clear(&a);
	if (!a.error)
		return true;
	i = a.error_seq - b->seq_begin - 1;
	if (a.error_seq != b->seq_begin && i < b->what->len) {
		b->failed = i;
		what = g_ptr_array_index(b->what, i);
		hint = b->hints->data[i];
		lp_nft_batch_failed_elem_what(b, i, a.error_offs, &what);
	}
	if (a.error_offs)
		g_debug("nftables error at attribute offset %u of '%s'",
			a.error_offs, what);
	msg = lp_nft_batch_describe_error(a.error, what, hint, a.error_msg);
	g_set_error_literal(error, LP_NFT_ERROR, -a.error, msg);
	return false;
}
