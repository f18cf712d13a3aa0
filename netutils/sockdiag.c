// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sockdiag.c - who owns the sockets on a port (NETLINK_SOCK_DIAG, inet_diag)
 *
 * Copyright lowport authors
 *
 * One query is two SOCK_DIAG_BY_FAMILY dumps (AF_INET, then AF_INET6: the
 * kernel registers one handler per family) over a fresh NETLINK_SOCK_DIAG
 * socket. Each dump carries an INET_DIAG_REQ_BYTECODE program "local port ==
 * N" so the kernel only returns the sockets we ask about; the port is checked
 * again here. This is what `ss -tuan sport = :N` does.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <glib.h>
#include <libmnl/libmnl.h>

#include "netutils/sockdiag.h"
#include "netutils/util.h"

/* Kernel dump skbs are at most 32 KiB (netlink_recvmsg() clamps) */
#define SOCKDIAG_BUFSIZE 32768

/* Retries of a whole query when the kernel flags a dump as interrupted */
#define SOCKDIAG_TRIES 3

typedef struct mnl_socket LpSockdiagMnl;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpSockdiagMnl, mnl_socket_close)

/*
 * SockdiagBc - bytecode "local port == @port": accept (jump 8 bytes to the
 * exact end of the program) or reject (jump 12, past the end)
 */
typedef struct {
	struct inet_diag_bc_op op;
	struct inet_diag_bc_op port;
} SockdiagBc;

/*
 * SockdiagCtx - state of one dump
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @port:	Local port, host order
 * @states:	TCP states to dump, bit (1 << TCP_*) each
 * @family:	Family of the dump in progress
 * @socks:	Matches so far (LpSockInfo)
 */
typedef struct {
	uint8_t proto;
	uint16_t port;
	uint32_t states;
	int family;
	GArray *socks;
} SockdiagCtx;

/**
 * sockdiag_req_put() - Build a dump request for one family
 * @buf:	Buffer, at least MNL_SOCKET_BUFFER_SIZE bytes
 * @ctx:	Query (family, protocol, port)
 * @seq:	Sequence number
 *
 * Return: the request
 */
static struct nlmsghdr *sockdiag_req_put(char *buf, const SockdiagCtx *ctx,
					 uint32_t seq)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	SockdiagBc bc = {
		.op = {.code = INET_DIAG_BC_S_EQ,
		       .yes = sizeof(bc),
		       .no = sizeof(bc) + 4},
		.port = {.no = ctx->port},
	};

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;

	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = ctx->family;
	req->sdiag_protocol = ctx->proto;
	/*
	 * Only TCP_LISTEN: the kernel then skips its table of connections,
	 * which on a busy host holds far more sockets than the listeners
	 */
	req->idiag_states = ctx->proto == IPPROTO_TCP ? ctx->states : ~0U;
	/* INET_DIAG_SKV6ONLY comes unrequested for LISTEN and CLOSE sockets */
	req->idiag_ext = 0;

	mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, sizeof(bc), &bc);
	return nlh;
}

/**
 * sockdiag_attr_cb() - Pick INET_DIAG_SKV6ONLY out of a socket's attributes
 * @attr:	Attribute
 * @data:	LpSockInfo being filled
 *
 * Return: MNL_CB_OK, or MNL_CB_ERROR with errno set on a malformed attribute
 */
static int sockdiag_attr_cb(const struct nlattr *attr, void *data)
{
	LpSockInfo *s = data;

	if (mnl_attr_get_type(attr) != INET_DIAG_SKV6ONLY)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
		return MNL_CB_ERROR;
	s->v6only = mnl_attr_get_u8(attr) != 0;
	return MNL_CB_OK;
}

/**
 * sockdiag_msg_cb() - Record one socket of a dump if it is on our port
 * @nlh:	SOCK_DIAG_BY_FAMILY message
 * @data:	SockdiagCtx
 *
 * Return: MNL_CB_OK, or MNL_CB_ERROR with errno set (EBADMSG: malformed,
 *	   E2BIG: more than LP_SOCKDIAG_MAX sockets)
 */
static int sockdiag_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	SockdiagCtx *ctx = data;
	LpSockInfo s = {0};

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (m->idiag_family != ctx->family ||
	    ntohs(m->id.idiag_sport) != ctx->port)
		return MNL_CB_OK;
	if (ctx->socks->len >= LP_SOCKDIAG_MAX) {
		errno = E2BIG;
		return MNL_CB_ERROR;
	}

	s.family = m->idiag_family;
	s.proto = ctx->proto;
	s.state = m->idiag_state;
	if (s.family == AF_INET)
		memcpy(&s.addr.v4, m->id.idiag_src, sizeof(s.addr.v4));
	else
		memcpy(&s.addr.v6, m->id.idiag_src, sizeof(s.addr.v6));
	s.port = ctx->port;
	s.uid = m->idiag_uid;
	s.inode = m->idiag_inode;
	if (mnl_attr_parse(nlh, sizeof(*m), sockdiag_attr_cb, &s) < 0)
		return MNL_CB_ERROR;

	g_array_append_val(ctx->socks, s);
	return MNL_CB_OK;
}

/**
 * sockdiag_noop_cb() - Skip NLMSG_NOOP and NLMSG_OVERRUN
 * @nlh:	Message
 * @data:	Unused
 *
 * Return: MNL_CB_OK
 */
static int sockdiag_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

/**
 * sockdiag_error_cb() - Turn NLMSG_ERROR into errno
 * @nlh:	NLMSG_ERROR message
 * @data:	Unused
 *
 * A dump request has no NLM_F_ACK, so any NLMSG_ERROR is a failure.
 *
 * Return: MNL_CB_ERROR with errno set
 */
static int sockdiag_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
		errno = EBADMSG;
	else if (err->error < 0)
		errno = -err->error;
	else
		errno = EPROTO;
	return MNL_CB_ERROR;
}

/**
 * sockdiag_done_cb() - End of a dump; NLMSG_DONE carries the dump's result
 * @nlh:	NLMSG_DONE message
 * @data:	Unused
 *
 * Return: MNL_CB_STOP, or MNL_CB_ERROR with errno set if the dump failed
 */
static int sockdiag_done_cb(const struct nlmsghdr *nlh, void *data)
{
	int32_t r;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(r))
		return MNL_CB_STOP;
	memcpy(&r, mnl_nlmsg_get_payload(nlh), sizeof(r));
	if (r >= 0)
		return MNL_CB_STOP;
	errno = -r;
	return MNL_CB_ERROR;
}

/* Not const: mnl_cb_run2() takes a plain array */
static mnl_cb_t sockdiag_ctl_cb[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = sockdiag_noop_cb,
	[NLMSG_ERROR] = sockdiag_error_cb,
	[NLMSG_DONE] = sockdiag_done_cb,
	[NLMSG_OVERRUN] = sockdiag_noop_cb,
};

/**
 * sockdiag_dump() - Run one dump and collect its matches
 * @nl:		Bound NETLINK_SOCK_DIAG socket
 * @buf:	Receive buffer of SOCKDIAG_BUFSIZE bytes
 * @ctx:	Query, with @ctx->family set
 * @seq:	Sequence number of this dump
 *
 * Return: 0 on success, negative errno on failure (-EINTR: the kernel
 *	   flagged the dump as inconsistent, -ENOSPC: message too large)
 */
static int sockdiag_dump(struct mnl_socket *nl, char *buf, SockdiagCtx *ctx,
			 uint32_t seq)
{
	uint32_t portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh = sockdiag_req_put(buf, ctx, seq);
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, SOCKDIAG_BUFSIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		r = mnl_cb_run2(buf, n, seq, portid, sockdiag_msg_cb, ctx,
				sockdiag_ctl_cb,
				LP_ELEMENTSOF(sockdiag_ctl_cb));
		if (r < 0)
			return errno ? -errno : -EPROTO;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

/**
 * sockdiag_query_once() - Dump both families on a fresh socket
 * @ctx:	Query, @ctx->socks empty
 *
 * Return: 0 on success, negative errno on failure
 */
static int sockdiag_query_once(SockdiagCtx *ctx)
{
	static const int families[] = {AF_INET, AF_INET6};
	g_autoptr(LpSockdiagMnl) nl = NULL;
	g_autofree char *buf = NULL;
	uint32_t seq = (uint32_t)time(NULL);
	size_t i;
	int r;

	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;

	buf = g_malloc(SOCKDIAG_BUFSIZE);
	for (i = 0; i < LP_ELEMENTSOF(families); i++) {
		ctx->family = families[i];
		r = sockdiag_dump(nl, buf, ctx, seq + i);
		if (r < 0)
			return r;
	}
	return 0;
}

/**
 * lp_sockdiag_query() - List every socket bound to a local port
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @port:	Local port, host order, not 0
 * @tcp_states:	TCP: states to list, bit (1 << TCP_*) each, LP_SOCKDIAG_ALL
 *		for every state; UDP sockets are listed in every state
 * @ret_socks:	Sockets found, IPv4 first; caller frees with g_free(). NULL
 *		when none
 * @ret_n:	Number of entries in *@ret_socks
 *
 * Sockets of the caller's network namespace only. Needs no privilege: the
 * kernel reports owner uid and inode to anybody.
 *
 * Return: 0 on success, -EINVAL on a bad port, -EPROTONOSUPPORT on a bad
 *	   protocol, -E2BIG if more than LP_SOCKDIAG_MAX sockets match, other
 *	   negative errno from netlink (-EINTR: the dump kept being interrupted)
 */
int lp_sockdiag_query(uint8_t proto, uint16_t port, uint32_t tcp_states,
		      LpSockInfo **ret_socks, size_t *ret_n)
{
	SockdiagCtx ctx = {.proto = proto, .port = port, .states = tcp_states};
	int r = -EINTR;
	int tries;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	if (!port)
		return -EINVAL;

	for (tries = 0; tries < SOCKDIAG_TRIES && r == -EINTR; tries++) {
		g_clear_pointer(&ctx.socks, g_array_unref);
		ctx.socks = g_array_new(FALSE, FALSE, sizeof(LpSockInfo));
		r = sockdiag_query_once(&ctx);
	}
	if (r < 0) {
		g_array_unref(ctx.socks);
		return r;
	}

	*ret_n = ctx.socks->len;
	*ret_socks = (LpSockInfo *)(void *)g_array_free(ctx.socks, !*ret_n);
	if (!*ret_n)
		*ret_socks = NULL;
	return 0;
}

/**
 * lp_sockdiag_scope() - Which local addresses a socket takes traffic for
 * @s:		Socket
 * @ret_scope:	Its scope, in the terms the forward checks use
 *
 * 0.0.0.0 is every IPv4 address; :: is every IPv6 address with IPV6_V6ONLY
 * and every address of both families without it; an IPv4-mapped address
 * (::ffff:a.b.c.d, including ::ffff:0.0.0.0) is the IPv4 address it maps.
 */
void lp_sockdiag_scope(const LpSockInfo *s, LpAddr *ret_scope)
{
	LpAddr a = {.family = s->family};

	if (s->family == AF_INET) {
		a.u.v4 = s->addr.v4;
		a.any = a.u.v4.s_addr == htonl(INADDR_ANY);
	} else if (IN6_IS_ADDR_V4MAPPED(&s->addr.v6)) {
		a.family = AF_INET;
		memcpy(&a.u.v4, &s->addr.v6.s6_addr[12], sizeof(a.u.v4));
		a.any = a.u.v4.s_addr == htonl(INADDR_ANY);
	} else if (IN6_IS_ADDR_UNSPECIFIED(&s->addr.v6) && !s->v6only) {
		a = LP_ADDR_ALL;
	} else {
		a.u.v6 = s->addr.v6;
		a.any = IN6_IS_ADDR_UNSPECIFIED(&a.u.v6);
	}
	*ret_scope = a;
}

/**
 * lp_sockdiag_overlaps() - Tell whether a socket takes traffic in a scope
 * @s:		Socket
 * @scope:	Address scope of a forward
 *
 * Return: true if some local address is both in @scope and served by @s
 */
bool lp_sockdiag_overlaps(const LpSockInfo *s, const LpAddr *scope)
{
	LpAddr a;

	lp_sockdiag_scope(s, &a);
	return lp_addr_overlaps(&a, scope);
}
