// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * listener.c - listening sockets a shim hands over with a forward request
 *
 * A shim that can (the pasta and rootlessport fronts, plugin/shim/) passes
 * the backend's own listening sockets along with the pidfd, so that
 * lowportd can steer the privileged port onto them (steering.c) instead of
 * rewriting addresses. Before one is used it must be what it claims: a TCP
 * socket, listening, in lowportd's network namespace, created by the user
 * asking. The kernel answers each question; nothing the client wrote in
 * its request is believed.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "daemon/closer.h"
#include "daemon/error.h"
#include "daemon/listener.h"
#include "netutils/protocol.h"
#include "netutils/sockdiag.h"

/**
 * listener_sockopt() - Read an int socket option
 * @fd:		Socket
 * @level:	Level
 * @name:	Option
 * @ret:	Value
 *
 * Return: 0 on success, -errno on failure
 */
static int listener_sockopt(int fd, int level, int name, int *ret)
{
	socklen_t len = sizeof(*ret);

	if (getsockopt(fd, level, name, ret, &len) < 0)
		return -errno;
	return 0;
}

/**
 * listener_kind() - Check that a descriptor is a listening TCP socket
 * @fd:		Descriptor
 * @l:		Gets family, v6only and inode
 *
 * Return: NULL if it is, else what it is not
 */
static const char *listener_kind(int fd, LpListener *l)
{
	int type, proto, acc, v6only = 0;
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return "not a socket";
	l->inode = st.st_ino;
	if (listener_sockopt(fd, SOL_SOCKET, SO_DOMAIN, &l->family) < 0 ||
	    (l->family != AF_INET && l->family != AF_INET6))
		return "not an IPv4 or IPv6 socket";
	if (listener_sockopt(fd, SOL_SOCKET, SO_TYPE, &type) < 0 ||
	    listener_sockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto) < 0 ||
	    type != SOCK_STREAM || proto != IPPROTO_TCP)
		return "not a TCP socket";
	if (listener_sockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc) < 0 || !acc)
		return "not listening";
	if (l->family == AF_INET6 &&
	    listener_sockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) < 0)
		return "IPV6_V6ONLY unreadable";
	l->v6only = v6only;
	return NULL;
}

/**
 * listener_bound() - Read the address and port a socket is bound to
 * @fd:		Socket
 * @l:		Gets addr, any and port
 *
 * Return: 0 on success, -errno on failure
 */
static int listener_bound(int fd, LpListener *l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sa = (const struct sockaddr_in *)&ss;

		l->addr.v4 = sa->sin_addr;
		l->any = sa->sin_addr.s_addr == htonl(INADDR_ANY);
		l->port = ntohs(sa->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sa =
			(const struct sockaddr_in6 *)&ss;

		l->addr.v6 = sa->sin6_addr;
		l->any = IN6_IS_ADDR_UNSPECIFIED(&sa->sin6_addr);
		l->port = ntohs(sa->sin6_port);
	} else {
		return -EAFNOSUPPORT;
	}
	return l->port ? 0 : -EINVAL;
}

/**
 * listener_owner() - Find a listening socket's owner through inet_diag
 * @l:		Listener (port and inode filled in)
 * @ret_uid:	Owner
 *
 * The dump covers lowportd's network namespace only: a socket of another
 * namespace is not found, and is refused like a foreign one.
 *
 * Return: 0 on success, -ENOENT if not found here, other -errno on failure
 */
static int listener_owner(const LpListener *l, uid_t *ret_uid)
{
	g_autofree LpSockInfo *socks = NULL;
	size_t n, i;
	int r;

	r = lp_sockdiag_query(IPPROTO_TCP, l->port, 1u << TCP_LISTEN, &socks,
			      &n);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++) {
		if (socks[i].inode == l->inode) {
			*ret_uid = socks[i].uid;
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * lp_listener_check() - Check a handed-over socket; take it if it passes
 * @fd:		Descriptor received with the request (taken: kept in @ret
 *		on success, handed to the closer thread on failure)
 * @uid:	Uid of the peer asking
 * @ret:	Gets the listener
 * @error:	Return location for a GError (LP_DAEMON_ERROR, LP_ERR_BACKEND)
 *
 * Return: true if @fd is a listening TCP socket of @uid in this namespace
 */
bool lp_listener_check(int fd, uid_t uid, LpListener *ret, GError **error)
{
	LpListener l = {.fd = fd};
	const char *why = listener_kind(fd, &l);
	uid_t owner;
	int r;

	if (!why && listener_bound(fd, &l) < 0)
		why = "not bound to a port";
	if (!why) {
		r = listener_owner(&l, &owner);
		if (r == -ENOENT)
			why = "not a listener in lowportd's network namespace";
		else if (r < 0)
			why = "its owner cannot be read (inet_diag)";
		else if (owner != uid)
			why = "created by another user";
	}
	if (why) {
		lp_closer_close(fd);
		g_set_error(error, LP_DAEMON_ERROR, LP_ERR_BACKEND,
			    "a socket passed with the request is %s", why);
		return false;
	}
	*ret = l;
	return true;
}

/**
 * lp_listener_close_all() - Close the listeners of an array and empty it
 * @listeners:	GArray of LpListener, or NULL
 */
void lp_listener_close_all(GArray *listeners)
{
	guint i;

	if (!listeners)
		return;
	for (i = 0; i < listeners->len; i++) {
		LpListener *l = &g_array_index(listeners, LpListener, i);

		if (l->fd >= 0)
			lp_closer_close(l->fd);
		l->fd = -1;
	}
	g_array_set_size(listeners, 0);
}
