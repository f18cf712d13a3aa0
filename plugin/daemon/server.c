// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * server.c - the unix socket: accept, read one request, write one reply
 *
 * DOC: Theory of Operation
 *
 * Every connection is a small state machine driven by the main loop and
 * never blocks it: READ (collect one '\n'-terminated line of at most
 * LP_REQUEST_MAX bytes, plus at most one SCM_RIGHTS descriptor), WRITE (send
 * one reply line), DRAIN (after shutdown(SHUT_WR), discard what the client
 * still sends so that closing does not reset the reply away), then close.
 * One deadline covers a connection's whole life; a client that is slow,
 * silent or never reads gets a timeout reply or a closed socket, and other
 * clients are served meanwhile. At most max_clients connections are open;
 * the next one gets a "limit" reply at once.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <glib.h>
#include <glib-unix.h>

#include "daemon/closer.h"
#include "daemon/dispatch.h"
#include "daemon/log.h"
#include "daemon/notify.h"
#include "daemon/server.h"
#include "netutils/util.h"
#include "netutils/request.h"
#include "netutils/reply.h"

/* Room for every descriptor one message can carry (SCM_MAX_FD): none is
 * left for the kernel to close in lowportd's own context */
#define SERVER_MAX_FDS 253
/* Connections one user may hold open at once (root: no limit) */
#define SERVER_MAX_PER_UID 16
/* Seconds a connection lingers after a timeout reply */
#define SERVER_GRACE_S 1
/* Milliseconds accepting pauses when the process is out of descriptors */
#define SERVER_ACCEPT_PAUSE_MS 100
#define SERVER_DRAIN_MAX       (1024 * 1024)

/*
 * LpServer - the listening socket and the count of its connections
 * @d:		Daemon the requests are answered for
 * @listen_fd:	Listening socket
 * @listen_src:	Its accept watch (or resume timer while paused)
 * @n_clients:	Connections open
 * @per_uid:	uid + 1 -> open connections of that user
 */
struct LpServer {
	LpDaemon *d;
	int listen_fd;
	guint listen_src;
	unsigned int n_clients;
	GHashTable *per_uid;
};

typedef enum {
	CLIENT_READ,
	CLIENT_WRITE,
	CLIENT_DRAIN,
} LpClientPhase;

typedef struct {
	LpServer *srv;
	int fd;
	LpClientPhase phase;
	LpPeer peer;
	GByteArray *in;
	size_t drained;
	LpPassedFds fds;
	bool fds_overflow;
	char *out;
	size_t out_len;
	size_t out_off;
	guint io_src;
	guint timer_src;
} LpClient;

static void client_close(LpClient *c);
static unsigned int server_uid_count(LpServer *srv, uid_t uid, int delta);
static gboolean client_on_io(int fd, GIOCondition cond, gpointer data);

/**
 * client_watch() - (Re)arm the client's I/O watch
 * @c:		Client
 * @cond:	G_IO_IN or G_IO_OUT
 */
static void client_watch(LpClient *c, GIOCondition cond)
{
	if (c->io_src)
		g_source_remove(c->io_src);
	c->io_src = g_unix_fd_add(c->fd, cond, client_on_io, c);
}

/**
 * client_send() - Write as much of the reply as the socket takes
 * @c:		Client
 *
 * Return: true while more is to be written
 */
static bool client_send(LpClient *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0) {
			c->out_off = c->out_len;
			break;
		}
		c->out_off += n;
	}
	return false;
}

/**
 * client_start_drain() - Reply written: half-close and drain the rest
 * @c:		Client
 */
static void client_start_drain(LpClient *c)
{
	shutdown(c->fd, SHUT_WR);
	c->phase = CLIENT_DRAIN;
	client_watch(c, G_IO_IN);
}

/**
 * client_reply() - Queue a reply and start sending it
 * @c:		Client
 * @reply:	Reply
 * @op:		Operation it answers
 */
static void client_reply(LpClient *c, const LpReply *reply, LpOp op)
{
	c->out = lp_reply_serialize(reply, op, &c->out_len);
	c->out_off = 0;
	c->phase = CLIENT_WRITE;
	if (client_send(c))
		client_watch(c, G_IO_OUT);
	else
		client_start_drain(c);
}

/**
 * client_reply_error() - Queue an error reply
 * @c:		Client
 * @code:	Error code
 * @msg:	Message
 */
static void client_reply_error(LpClient *c, LpErrorCode code, const char *msg)
{
	g_autoptr(LpReply) reply = lp_reply_new_error(code, "%s", msg);

	g_debug("client pid %d uid %u: %s", c->peer.pid, c->peer.uid, msg);
	client_reply(c, reply, LP_OP_STATUS);
}

/**
 * client_close_fds() - Close the passed descriptors not taken
 * @c:		Client
 */
static void client_close_fds(LpClient *c)
{
	unsigned int i;

	lp_closer_closep(&c->fds.pidfd);
	for (i = 0; i < c->fds.n_listeners; i++)
		lp_closer_closep(&c->fds.listeners[i]);
	c->fds.n_listeners = 0;
}

/**
 * client_process() - A whole request line arrived: decode and answer it
 * @c:		Client
 * @len:	Length of the line, without '\n'
 */
static void client_process(LpClient *c, size_t len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRequest) req = NULL;
	g_autoptr(LpReply) reply = NULL;

	req = lp_request_parse((const char *)c->in->data, len, &error);
	if (!req) {
		lp_log_event("refused", c->peer.uid, NULL,
			     "refused request from uid %u: %s", c->peer.uid,
			     error->message);
		client_reply_error(c, lp_protocol_error_code(error),
				   error->message);
		return;
	}
	if (c->fds_overflow)
		reply = lp_reply_new_error(
			LP_ERR_BAD_REQUEST,
			"more than %u descriptors came with the request",
			1 + LP_LISTENERS_MAX);
	else
		reply = lp_dispatch_handle(c->srv->d, &c->peer, req, &c->fds);
	client_close_fds(c);
	client_reply(c, reply, req->op);
}

/**
 * client_keep_fd() - Keep one passed descriptor: the pidfd, then listeners
 * @c:		Client
 * @fd:		Descriptor
 *
 * Return: true if kept, false if there is no room (the caller closes it)
 */
static bool client_keep_fd(LpClient *c, int fd)
{
	if (c->fds.pidfd < 0 && !c->fds.n_listeners) {
		c->fds.pidfd = fd;
		return true;
	}
	if (c->fds.n_listeners < LP_LISTENERS_MAX) {
		c->fds.listeners[c->fds.n_listeners++] = fd;
		return true;
	}
	c->fds_overflow = true;
	return false;
}

/**
 * client_take_fds() - Keep the passed descriptors, close what is too many
 * @c:		Client
 * @msg:	Received message
 * @keep:	Whether descriptors may be kept (READ phase)
 */
static void client_take_fds(LpClient *c, struct msghdr *msg, bool keep)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		size_t n, i;
		int *fds;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		fds = (int *)CMSG_DATA(cm);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, &fds[i], sizeof(fd));
			if (!keep || !client_keep_fd(c, fd))
				lp_closer_close(fd);
		}
	}
}

/**
 * client_recvmsg() - Receive into a buffer, taking passed descriptors
 * @c:		Client
 * @buf:	Buffer
 * @len:	Its size
 * @keep:	Whether passed descriptors may be kept
 *
 * Return: bytes read, 0 at EOF, -errno on error
 */
static ssize_t client_recvmsg(LpClient *c, void *buf, size_t len, bool keep)
{
	char cbuf[CMSG_SPACE(sizeof(int) * SERVER_MAX_FDS)];
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf)};
	ssize_t n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0)
		return -errno;
	client_take_fds(c, &msg, keep);
	if (msg.msg_flags & MSG_CTRUNC)
		return -EMSGSIZE;
	return n;
}

/**
 * client_recv() - Read what the client sent (READ phase)
 * @c:		Client
 *
 * Return: bytes read, 0 at EOF, -errno on error
 */
static ssize_t client_recv(LpClient *c)
{
	size_t room = LP_REQUEST_MAX + 1 - c->in->len;
	size_t old = c->in->len;
	ssize_t n;

	g_byte_array_set_size(c->in, old + room);
	n = client_recvmsg(c, c->in->data + old, room, true);
	g_byte_array_set_size(c->in, old + MAX(n, 0));
	return n;
}

/**
 * client_on_read() - READ phase: collect the request line
 * @c:		Client
 */
static void client_on_read(LpClient *c)
{
	ssize_t n = client_recv(c);
	const guint8 *nl;

	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n == -EMSGSIZE) {
		client_reply_error(
			c, LP_ERR_BAD_REQUEST,
			"too many descriptors passed with the request");
		return;
	}
	if (n < 0 || (n == 0 && !c->in->len)) {
		client_close(c);
		return;
	}
	nl = memchr(c->in->data, '\n', c->in->len);
	if (nl && (size_t)(nl - c->in->data) < LP_REQUEST_MAX)
		client_process(c, nl - c->in->data);
	else if (c->in->len >= LP_REQUEST_MAX)
		client_reply_error(c, LP_ERR_TOO_LARGE,
				   "request too large (limit " G_STRINGIFY(
					   LP_REQUEST_MAX) " bytes)");
	else if (n == 0)
		client_process(c, c->in->len);
}

/**
 * client_on_drain() - DRAIN phase: discard input until EOF or the bound
 * @c:		Client
 */
static void client_on_drain(LpClient *c)
{
	char buf[4096];
	ssize_t n = client_recvmsg(c, buf, sizeof(buf), false);

	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n > 0 && (c->drained += n) < SERVER_DRAIN_MAX)
		return;
	client_close(c);
}

/**
 * client_on_io() - I/O watch of a client
 * @fd:		Client socket
 * @cond:	Condition
 * @data:	Client
 *
 * Return: G_SOURCE_CONTINUE (phases replace or remove the watch themselves)
 */
static gboolean client_on_io(int fd, GIOCondition cond, gpointer data)
{
	LpClient *c = data;

	switch (c->phase) {
	case CLIENT_READ:
		client_on_read(c);
		break;
	case CLIENT_WRITE:
		if (!client_send(c))
			client_start_drain(c);
		break;
	case CLIENT_DRAIN:
		client_on_drain(c);
		break;
	}
	/*
	 * The handlers may have replaced this source or closed the client;
	 * either way they removed this source already, and @c may be gone.
	 */
	return G_SOURCE_CONTINUE;
}

/**
 * client_on_timeout() - The connection's deadline passed
 * @data:	Client
 *
 * Return: G_SOURCE_REMOVE
 */
static gboolean client_on_timeout(gpointer data)
{
	LpClient *c = data;
	g_autofree char *msg = NULL;

	c->timer_src = 0;
	if (c->phase != CLIENT_READ) {
		client_close(c);
		return G_SOURCE_REMOVE;
	}
	msg = g_strdup_printf("request not received within %u seconds",
			      c->srv->d->request_timeout_s);
	client_reply_error(c, LP_ERR_TIMEOUT, msg);
	c->timer_src =
		g_timeout_add_seconds(SERVER_GRACE_S, client_on_timeout, c);
	return G_SOURCE_REMOVE;
}

/**
 * client_close() - Close and free a client
 * @c:		Client
 */
static void client_close(LpClient *c)
{
	/* Removing the dispatching source from its callback is safe */
	if (c->io_src)
		g_source_remove(c->io_src);
	if (c->timer_src)
		g_source_remove(c->timer_src);
	c->srv->n_clients--;
	server_uid_count(c->srv, c->peer.uid, -1);
	lp_closer_closep(&c->fd);
	client_close_fds(c);
	if (c->peer.groups)
		g_array_unref(c->peer.groups);
	g_byte_array_unref(c->in);
	g_free(c->out);
	g_free(c);
}

/**
 * server_peer() - Kernel credentials of a connection
 * @fd:		Connected socket
 * @peer:	Output
 *
 * Return: 0 on success, -errno on failure
 */
static int server_peer(int fd, LpPeer *peer)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[NGROUPS_MAX];
	socklen_t glen = sizeof(groups);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return -errno;
	peer->pid = cr.pid;
	peer->uid = cr.uid;
	peer->gid = cr.gid;
	peer->groups = g_array_new(FALSE, FALSE, sizeof(gid_t));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		g_array_append_vals(peer->groups, groups, glen / sizeof(gid_t));
	return 0;
}

/**
 * server_uid_count() - Count a user's open connections up or down
 * @srv:	Server
 * @uid:	User
 * @delta:	+1 or -1
 *
 * Return: the user's connections after the change
 */
static unsigned int server_uid_count(LpServer *srv, uid_t uid, int delta)
{
	gpointer key = GUINT_TO_POINTER(uid + 1);
	unsigned int n =
		GPOINTER_TO_UINT(g_hash_table_lookup(srv->per_uid, key));

	n += delta;
	if (n)
		g_hash_table_insert(srv->per_uid, key, GUINT_TO_POINTER(n));
	else
		g_hash_table_remove(srv->per_uid, key);
	return n;
}

/**
 * server_refuse_busy() - Too many clients: say so and close
 * @fd:		Connected socket, closed here
 * @why:	Message
 */
static void server_refuse_busy(int fd, const char *why)
{
	g_autoptr(LpReply) reply = lp_reply_new_error(LP_ERR_LIMIT, "%s", why);
	g_autofree char *text = NULL;
	size_t len;

	text = lp_reply_serialize(reply, LP_OP_STATUS, &len);
	if (send(fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		g_debug("busy reply not sent: %s", g_strerror(errno));
	lp_closer_close(fd);
}

/**
 * server_client_new() - Start serving one accepted connection
 * @srv:	Server
 * @cfd:	Connected socket, owned by the client (or closed) from here
 */
static void server_client_new(LpServer *srv, int cfd)
{
	LpClient *c = g_new0(LpClient, 1);

	c->srv = srv;
	c->fd = cfd;
	c->fds.pidfd = -1;
	c->in = g_byte_array_new();
	srv->n_clients++;
	if (server_peer(cfd, &c->peer) < 0) {
		c->peer.uid = (uid_t)-2; /* counted and uncounted below */
		server_uid_count(srv, c->peer.uid, +1);
		client_close(c);
		return;
	}
	if (server_uid_count(srv, c->peer.uid, +1) > SERVER_MAX_PER_UID &&
	    c->peer.uid != 0) {
		client_reply_error(c, LP_ERR_LIMIT,
				   "too many connections from this user");
		c->timer_src = g_timeout_add_seconds(SERVER_GRACE_S,
						     client_on_timeout, c);
		return;
	}
	client_watch(c, G_IO_IN);
	c->timer_src = g_timeout_add_seconds(srv->d->request_timeout_s,
					     client_on_timeout, c);
}

/**
 * server_on_resume() - Accept again after a pause
 * @data:	Server
 *
 * Return: G_SOURCE_REMOVE
 */
static gboolean server_on_resume(gpointer data);

/**
 * server_on_accept() - New connections on the listening socket
 * @fd:		Listening socket
 * @cond:	Condition
 * @data:	Server
 *
 * Out of descriptors or memory, accepting pauses briefly instead of
 * spinning on a socket that stays readable.
 *
 * Return: G_SOURCE_CONTINUE, or G_SOURCE_REMOVE while paused
 */
static gboolean server_on_accept(int fd, GIOCondition cond, gpointer data)
{
	LpServer *srv = data;
	int cfd;

	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	       0) {
		if (srv->n_clients >= srv->d->max_clients)
			server_refuse_busy(
				cfd,
				"lowportd is busy (too many clients), try again");
		else
			server_client_new(srv, cfd);
	}
	if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
		return G_SOURCE_CONTINUE;
	g_warning("accept: %s; pausing for %u ms", g_strerror(errno),
		  SERVER_ACCEPT_PAUSE_MS);
	srv->listen_src =
		g_timeout_add(SERVER_ACCEPT_PAUSE_MS, server_on_resume, srv);
	return G_SOURCE_REMOVE;
}

static gboolean server_on_resume(gpointer data)
{
	LpServer *srv = data;

	srv->listen_src =
		g_unix_fd_add(srv->listen_fd, G_IO_IN, server_on_accept, srv);
	return G_SOURCE_REMOVE;
}

/**
 * server_bind() - Create the listening socket at the configured path
 * @path:	Socket path
 * @error:	Return location for a GError
 *
 * Return: socket, or -1 with @error set
 */
static int server_bind(const char *path, GError **error)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	lp_autofd int fd = -1;
	g_autofree char *dir = g_path_get_dirname(path);

	if (strlen(path) >= sizeof(sa.sun_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
			    "socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	g_mkdir_with_parents(dir, 0755);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0666) < 0 || listen(fd, SOMAXCONN) < 0) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
			    "cannot listen on %s: %s", path, g_strerror(e));
		return -1;
	}
	return lp_steal_fd(&fd);
}

/**
 * lp_server_start() - Listen (socket activation, else own socket)
 * @d:		Daemon: socket path, bounds, and the context requests need
 * @error:	Return location for a GError
 *
 * Return: the server, free with lp_server_stop(); NULL on failure
 */
LpServer *lp_server_start(LpDaemon *d, GError **error)
{
	LpServer *srv = g_new0(LpServer, 1);

	srv->d = d;
	srv->listen_fd = -1;
	srv->per_uid = g_hash_table_new(NULL, NULL);
	if (!lp_notify_listen_fd(&srv->listen_fd, error))
		goto fail;
	if (srv->listen_fd < 0)
		srv->listen_fd = server_bind(d->socket_path, error);
	if (srv->listen_fd < 0 ||
	    !g_unix_set_fd_nonblocking(srv->listen_fd, TRUE, error))
		goto fail;
	srv->listen_src =
		g_unix_fd_add(srv->listen_fd, G_IO_IN, server_on_accept, srv);
	return srv;
fail:
	lp_server_stop(srv);
	return NULL;
}

/**
 * lp_server_stop() - Stop accepting and free the server
 * @srv:	Server, or NULL
 *
 * Connections still open are dropped with the main loop (lowportd exits).
 */
void lp_server_stop(LpServer *srv)
{
	if (!srv)
		return;
	if (srv->listen_src)
		g_source_remove(srv->listen_src);
	lp_closep(&srv->listen_fd);
	g_hash_table_unref(srv->per_uid);
	g_free(srv);
}
