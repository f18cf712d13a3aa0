// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * client.c - talk to lowportd: one request, one reply per connection
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/client.h"
#include "netutils/protocol.h"
#include "netutils/util.h"

G_DEFINE_QUARK(lp_client_error, lp_client_error)
G_DEFINE_QUARK(lp_reply_error, lp_reply_error)

#define CLIENT_START_HINT                                                      \
	"start it with: systemctl enable --now lowportd.socket"

/* Bytes read per recv() while waiting for the reply line */
#define CLIENT_CHUNK 65536

/*
 * ClientCall - one exchange in progress
 * @fd:		Connected socket
 * @path:	Socket path, for messages
 * @deadline:	g_get_monotonic_time() limit, 0 for none
 * @timeout_ms:	The bound the caller gave, for messages
 */
typedef struct {
	int fd;
	const char *path;
	gint64 deadline;
	unsigned int timeout_ms;
} ClientCall;

/**
 * lp_client_socket_path() - Where lowportd listens
 *
 * Return: $LOWPORT_SOCKET if set and not empty, else LOWPORT_SOCKET_PATH
 */
const char *lp_client_socket_path(void)
{
	const char *p = g_getenv("LOWPORT_SOCKET");

	return p && *p ? p : LOWPORT_SOCKET_PATH;
}

/**
 * client_connect_error() - Explain a failed connect() to the user
 * @path:	Socket path
 * @err:	errno of connect()
 * @error:	Set to an LP_CLIENT_ERROR
 */
static void client_connect_error(const char *path, int err, GError **error)
{
	switch (err) {
	case ENOENT:
		g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_NOT_RUNNING,
			    "lowportd is not running (no socket at %s); %s",
			    path, CLIENT_START_HINT);
		break;
	case ECONNREFUSED:
		g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_NOT_RUNNING,
			    "lowportd is not running (nothing listens on %s); "
			    "%s",
			    path, CLIENT_START_HINT);
		break;
	case EAGAIN:
		g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_TIMEOUT,
			    "lowportd at %s is too busy to accept the "
			    "connection",
			    path);
		break;
	default:
		g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_CONNECT,
			    "cannot connect to lowportd at %s: %s", path,
			    g_strerror(err));
		break;
	}
}

/**
 * client_connect() - Connect to lowportd, bounded in time
 * @path:	Socket path
 * @timeout_ms:	Bound on a connect() blocked by a full backlog, 0 for none
 * @error:	Set on failure
 *
 * Return: connected CLOEXEC socket, -1 on error
 */
static int client_connect(const char *path, unsigned int timeout_ms,
			  GError **error)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	lp_autofd int fd = -1;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_CONNECT,
			    "socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_CONNECT,
			    "cannot create a socket: %s", g_strerror(errno));
		return -1;
	}
	/* AF_UNIX connect() waits on a full backlog for SO_SNDTIMEO */
	if (timeout_ms)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno != EINTR) {
			client_connect_error(path, errno, error);
			return -1;
		}
	}
	return lp_steal_fd(&fd);
}

/**
 * lp_client_connect() - Connect to lowportd
 * @path:	Socket path, e.g. from lp_client_socket_path()
 * @error:	LP_CLIENT_ERROR on failure, with what to do about it
 *
 * Return: connected CLOEXEC socket, -1 on error
 */
int lp_client_connect(const char *path, GError **error)
{
	return client_connect(path, LP_CLIENT_TIMEOUT_MS, error);
}

/**
 * client_wait() - Wait until the socket is ready, within the deadline
 * @c:		Exchange
 * @events:	POLLIN or POLLOUT
 * @error:	LP_CLIENT_ERROR_TIMEOUT or _IO on failure
 *
 * Return: TRUE when ready (or hung up: the next call reports it)
 */
static gboolean client_wait(const ClientCall *c, short events, GError **error)
{
	struct pollfd pfd = {.fd = c->fd, .events = events};
	int ms = -1, r;

	do {
		if (c->deadline) {
			gint64 left = c->deadline - g_get_monotonic_time();

			ms = left > 0 ? (int)((left + 999) / 1000) : 0;
		}
		r = poll(&pfd, 1, ms);
	} while (r < 0 && errno == EINTR);
	if (r > 0)
		return TRUE;
	if (!r)
		g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_TIMEOUT,
			    "lowportd did not answer within %u ms",
			    c->timeout_ms);
	else
		g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_IO,
			    "poll on the lowportd socket: %s",
			    g_strerror(errno));
	return FALSE;
}

/**
 * client_sendmsg() - One sendmsg() of the rest of the line
 * @fd:		Socket
 * @buf:	Bytes not yet sent
 * @len:	Their number
 * @fds:	Descriptors to attach as one SCM_RIGHTS message
 * @n_fds:	Their number, at most LP_CLIENT_FDS_MAX, 0 for none
 *
 * Return: bytes sent, or negative errno
 */
static ssize_t client_sendmsg(int fd, const char *buf, size_t len,
			      const int *fds, size_t n_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * LP_CLIENT_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cmsg;
	ssize_t n;

	if (n_fds) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n_fds);
	}
	n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

/**
 * client_send() - Send the request line, the descriptors on its first chunk
 * @c:		Exchange
 * @buf:	Line
 * @len:	Its length
 * @fds:	Descriptors to pass
 * @n_fds:	Their number, 0 for none
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean client_send(const ClientCall *c, const char *buf, size_t len,
			    const int *fds, size_t n_fds, GError **error)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = client_sendmsg(c->fd, buf + off, len - off, fds,
					   off ? 0 : n_fds);

		if (n == -EAGAIN) {
			if (!client_wait(c, POLLOUT, error))
				return FALSE;
		} else if (n < 0 && n != -EINTR) {
			g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_IO,
				    "cannot send the request to lowportd: %s",
				    g_strerror(-n));
			return FALSE;
		} else if (n > 0) {
			off += n;
		}
	}
	return TRUE;
}

/**
 * client_recv_chunk() - Read what has arrived, waiting if nothing has
 * @c:		Exchange
 * @buf:	Output
 * @len:	Size of @buf
 * @error:	Set on failure
 *
 * Return: bytes read, 0 at end of stream, -1 on error
 */
static ssize_t client_recv_chunk(const ClientCall *c, char *buf, size_t len,
				 GError **error)
{
	for (;;) {
		ssize_t n = recv(c->fd, buf, len, MSG_DONTWAIT);

		if (n >= 0)
			return n;
		if (errno == EAGAIN) {
			if (!client_wait(c, POLLIN, error))
				return -1;
		} else if (errno != EINTR) {
			g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_IO,
				    "lost the connection to lowportd: %s",
				    g_strerror(errno));
			return -1;
		}
	}
}

/**
 * client_recv_line() - Read the reply line, bounded by LP_REPLY_MAX
 * @c:		Exchange
 * @error:	Set on failure
 *
 * Return: the line, '\n' included, NULL on error
 */
static GByteArray *client_recv_line(const ClientCall *c, GError **error)
{
	g_autoptr(GByteArray) line = g_byte_array_new();
	g_autofree char *chunk = g_malloc(CLIENT_CHUNK);

	for (;;) {
		ssize_t n = client_recv_chunk(c, chunk, CLIENT_CHUNK, error);
		const char *nl;

		if (n < 0)
			return NULL;
		if (!n) {
			g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_IO,
				    "lowportd closed the connection %s",
				    line->len ? "in the middle of its reply"
					      : "without a reply");
			return NULL;
		}
		nl = memchr(chunk, '\n', n);
		if (nl)
			n = nl - chunk + 1;
		if (line->len + n > LP_REPLY_MAX) {
			g_set_error(error, LP_PROTOCOL_ERROR,
				    LP_PROTOCOL_ERROR_TOO_LARGE,
				    "reply from lowportd larger than %d bytes",
				    LP_REPLY_MAX);
			return NULL;
		}
		g_byte_array_append(line, (const guint8 *)chunk, n);
		if (nl)
			return g_steal_pointer(&line);
	}
}

/**
 * client_check_answer() - Check that a success reply answers @op
 * @reply:	Parsed reply
 * @op:		Operation requested
 * @error:	LP_CLIENT_ERROR_REPLY if the payload is missing
 *
 * Return: TRUE if @reply is an error reply or has the payload @op needs
 */
static gboolean client_check_answer(const LpReply *reply, LpOp op,
				    GError **error)
{
	const char *missing = NULL;

	if (!reply->ok)
		return TRUE;
	if (op == LP_OP_FORWARD && !reply->lease_id)
		missing = "lease";
	else if (op == LP_OP_STATUS && !reply->status.version)
		missing = "status";
	if (!missing)
		return TRUE;
	g_set_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_REPLY,
		    "lowportd answered '%s' without '%s'", lp_op_name(op),
		    missing);
	return FALSE;
}

/**
 * client_exchange() - Send the request and read the reply
 * @c:		Exchange, connected
 * @line:	Request line
 * @len:	Its length
 * @fds:	Descriptors to pass
 * @n_fds:	Their number, 0 for none
 * @error:	Set on failure
 *
 * A failed send still reads: lowportd may have refused early and closed.
 *
 * Return: reply line, NULL on error
 */
static GByteArray *client_exchange(const ClientCall *c, const char *line,
				   size_t len, const int *fds, size_t n_fds,
				   GError **error)
{
	g_autoptr(GError) send_error = NULL;
	g_autoptr(GError) recv_error = NULL;
	GByteArray *reply;

	if (!client_send(c, line, len, fds, n_fds, &send_error) &&
	    send_error->code == LP_CLIENT_ERROR_TIMEOUT) {
		g_propagate_error(error, g_steal_pointer(&send_error));
		return NULL;
	}
	reply = client_recv_line(c, send_error ? &recv_error : error);
	if (!reply && send_error)
		g_propagate_error(error, g_steal_pointer(&send_error));
	return reply;
}

/**
 * lp_client_call_fds() - Send one request with descriptors, read the reply
 * @path:	Socket path, e.g. from lp_client_socket_path()
 * @req:	Request
 * @fds:	Descriptors sent as one SCM_RIGHTS message with the request's
 *		first byte (a forward's pidfd, then its listeners)
 * @n_fds:	Their number, at most LP_CLIENT_FDS_MAX, 0 for none
 * @timeout_ms:	Bound on the whole exchange, 0 for none
 * @error:	LP_CLIENT_ERROR or LP_PROTOCOL_ERROR on failure
 *
 * The descriptors stay open here: the caller closes its copies.
 *
 * A refusal by lowportd is no failure here: it comes back as a reply with
 * @ok FALSE, see lp_reply_check().
 *
 * Return: new reply, NULL on error
 */
LpReply *lp_client_call_fds(const char *path, const LpRequest *req,
			    const int *fds, size_t n_fds,
			    unsigned int timeout_ms, GError **error)
{
	g_autoptr(GByteArray) answer = NULL;
	g_autoptr(LpReply) reply = NULL;
	g_autofree char *line = NULL;
	lp_autofd int fd = -1;
	ClientCall c = {.path = path, .timeout_ms = timeout_ms};
	size_t len;

	if (n_fds > LP_CLIENT_FDS_MAX) {
		g_set_error(error, LP_PROTOCOL_ERROR,
			    LP_PROTOCOL_ERROR_TOO_LARGE,
			    "too many descriptors for one request (%zu, at "
			    "most %d)",
			    n_fds, LP_CLIENT_FDS_MAX);
		return NULL;
	}
	line = lp_request_serialize(req, &len);
	if (len > LP_REQUEST_MAX) {
		g_set_error(error, LP_PROTOCOL_ERROR,
			    LP_PROTOCOL_ERROR_TOO_LARGE,
			    "request too large (%zu bytes, at most %d)", len,
			    LP_REQUEST_MAX);
		return NULL;
	}
	if (timeout_ms)
		c.deadline = g_get_monotonic_time() +
			     timeout_ms * G_GINT64_CONSTANT(1000);
	fd = client_connect(path, timeout_ms, error);
	if (fd < 0)
		return NULL;
	c.fd = fd;
	answer = client_exchange(&c, line, len, fds, n_fds, error);
	if (!answer)
		return NULL;
	reply = lp_reply_parse((const char *)answer->data, answer->len, error);
	if (!reply || !client_check_answer(reply, req->op, error))
		return NULL;
	return g_steal_pointer(&reply);
}

/**
 * lp_client_call() - Send one request to lowportd and read its reply
 * @path:	Socket path, e.g. from lp_client_socket_path()
 * @req:	Request
 * @pass_fd:	Descriptor sent as SCM_RIGHTS with the request (a forward's
 *		pidfd), -1 for none
 * @timeout_ms:	Bound on the whole exchange, 0 for none
 * @error:	LP_CLIENT_ERROR or LP_PROTOCOL_ERROR on failure
 *
 * Return: as lp_client_call_fds()
 */
LpReply *lp_client_call(const char *path, const LpRequest *req, int pass_fd,
			unsigned int timeout_ms, GError **error)
{
	return lp_client_call_fds(path, req, &pass_fd, pass_fd >= 0 ? 1 : 0,
				  timeout_ms, error);
}

/**
 * lp_reply_check() - Turn a refusal into a GError
 * @reply:	Reply
 * @error:	LP_REPLY_ERROR with the reply's code and message if !@ok
 *
 * Return: TRUE if @reply is a success reply
 */
gboolean lp_reply_check(const LpReply *reply, GError **error)
{
	if (reply->ok)
		return TRUE;
	g_set_error_literal(error, LP_REPLY_ERROR, reply->code,
			    reply->message && *reply->message
				    ? reply->message
				    : lp_error_code_name(reply->code));
	return FALSE;
}
