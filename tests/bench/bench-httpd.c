// SPDX-License-Identifier: GPL-2.0-or-later
/* bench-httpd.c - tiny static HTTP server for the data-path benchmark
 *
 * busybox httpd forks for every request, which makes it, not the network
 * path, the bottleneck of a requests-per-second run. This server answers
 * every request on [::]:PORT (IPv4 and IPv6) with the same small page from
 * one epoll loop, keeps connections alive unless the client sends
 * "Connection: close", and never reads a body. It is linked statically so
 * the sandbox's busybox image can carry it (like tests/e2e/udp-echo.c).
 *
 * Copyright lowport authors
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTPD_PORTS_MAX 8
#define HTTPD_CONNS_MAX 4096
#define HTTPD_IN_MAX	4096
#define HTTPD_OUT_MAX	8192
#define HTTPD_EVENTS	64

static const char httpd_body[] = "lowport-bench page\n";

/**
 * struct httpd_conn - one client connection, or a listener
 * @fd:		socket, -1 when the slot is free
 * @listener:	@fd is a listening socket (the buffers are unused)
 * @close:	close once @out is sent
 * @waiting:	registered for EPOLLOUT (the socket was full)
 * @in_len:	bytes in @in
 * @out_len:	bytes in @out still to send
 * @in:		request bytes not yet answered
 * @out:	response bytes not yet sent
 */
struct httpd_conn {
	int fd;
	int listener;
	int close;
	int waiting;
	size_t in_len;
	size_t out_len;
	char in[HTTPD_IN_MAX];
	char out[HTTPD_OUT_MAX];
};

static struct httpd_conn httpd_conns[HTTPD_CONNS_MAX];
static struct httpd_conn httpd_listeners[HTTPD_PORTS_MAX];
static char httpd_resp[256], httpd_resp_close[256];
static size_t httpd_resp_len, httpd_resp_close_len;

/**
 * httpd_listen() - a non-blocking dual-stack listener on [::]:@port
 * @port:	port number
 *
 * Return: socket, or -1 on error (reported)
 */
static int httpd_listen(unsigned int port)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6,
				  .sin6_port = htons(port),
				  .sin6_addr = IN6ADDR_ANY_INIT};
	int off = 0, on = 1;
	int s;

	s = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		perror("bench-httpd: socket");
		return -1;
	}
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s, 1024) < 0) {
		perror("bench-httpd: bind/listen");
		close(s);
		return -1;
	}
	return s;
}

/**
 * httpd_free() - close a connection and free its slot
 * @c:		connection
 */
static void httpd_free(struct httpd_conn *c)
{
	close(c->fd);
	c->fd = -1;
}

/**
 * httpd_flush() - send what is queued for @c
 * @c:		connection
 * @ep:		epoll instance, to wait for writability when the socket is full
 *
 * Return: 0, or -1 if the connection was closed
 */
static int httpd_flush(struct httpd_conn *c, int ep)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	ssize_t n;

	while (c->out_len) {
		n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			httpd_free(c);
			return -1;
		}
		memmove(c->out, c->out + n, c->out_len - n);
		c->out_len -= n;
	}
	if (!c->out_len && c->close) {
		httpd_free(c);
		return -1;
	}
	if (c->waiting != !!c->out_len) {
		c->waiting = !!c->out_len;
		ev.events = c->waiting ? EPOLLOUT : EPOLLIN;
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	return 0;
}

/**
 * httpd_wants_close() - does a request header block ask to close?
 * @req:	request bytes
 * @len:	length of the header block, up to its blank line
 *
 * Return: 1 for "Connection: close" (any case), else 0
 */
static int httpd_wants_close(const char *req, size_t len)
{
	static const char key[] = "\r\nconnection: close";
	size_t i, k = sizeof(key) - 1;

	for (i = 0; i + k <= len; i++) {
		if (!strncasecmp(req + i, key, k))
			return 1;
	}
	return 0;
}

/**
 * httpd_answer() - queue one response per complete request in @c->in
 * @c:		connection
 *
 * Return: 0, or -1 if a request header is too large (close it)
 */
static int httpd_answer(struct httpd_conn *c)
{
	char *end;
	size_t used;

	while (!c->close && (end = memmem(c->in, c->in_len, "\r\n\r\n", 4))) {
		used = end + 4 - c->in;
		c->close = httpd_wants_close(c->in, used);
		if (c->out_len + httpd_resp_close_len > sizeof(c->out))
			return -1;
		memcpy(c->out + c->out_len,
		       c->close ? httpd_resp_close : httpd_resp,
		       c->close ? httpd_resp_close_len : httpd_resp_len);
		c->out_len += c->close ? httpd_resp_close_len : httpd_resp_len;
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
	}
	return c->in_len == sizeof(c->in) ? -1 : 0;
}

/**
 * httpd_read() - read what a client sent and answer it
 * @c:		connection
 * @ep:		epoll instance
 */
static void httpd_read(struct httpd_conn *c, int ep)
{
	ssize_t n;

	for (;;) {
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len,
			 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			httpd_free(c);
			return;
		}
		c->in_len += n;
		if (httpd_answer(c) < 0) {
			httpd_free(c);
			return;
		}
		if (c->close)
			break;
	}
	httpd_flush(c, ep);
}

/**
 * httpd_accept() - accept every pending connection on listener @l
 * @l:		listening socket
 * @ep:		epoll instance
 */
static void httpd_accept(int l, int ep)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int fd, i;

	while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	       0) {
		for (i = 0; i < HTTPD_CONNS_MAX && httpd_conns[i].fd >= 0; i++)
			;
		if (i == HTTPD_CONNS_MAX) {
			close(fd);
			continue;
		}
		httpd_conns[i] = (struct httpd_conn){.fd = fd};
		ev.data.ptr = &httpd_conns[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			httpd_free(&httpd_conns[i]);
	}
}

/**
 * httpd_loop() - serve until killed
 * @ep:		epoll instance
 *
 * Return: 1 if waiting fails
 */
static int httpd_loop(int ep)
{
	struct epoll_event evs[HTTPD_EVENTS];
	int i, got;

	for (;;) {
		got = epoll_wait(ep, evs, HTTPD_EVENTS, -1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			perror("bench-httpd: epoll_wait");
			return 1;
		}
		for (i = 0; i < got; i++) {
			struct httpd_conn *c = evs[i].data.ptr;

			if (c->fd < 0)
				continue;
			if (c->listener)
				httpd_accept(c->fd, ep);
			else if (evs[i].events & EPOLLOUT)
				httpd_flush(c, ep);
			else
				httpd_read(c, ep);
		}
	}
}

/**
 * httpd_setup() - listen on every port named in @argv
 * @ep:		epoll instance
 * @argv:	port numbers, NULL-terminated, at most HTTPD_PORTS_MAX
 *
 * Return: 0, or 2 for a bad port, 1 if a port cannot be bound
 */
static int httpd_setup(int ep, char **argv)
{
	unsigned long port;
	char *end;
	int i;

	for (i = 0; argv[i]; i++) {
		struct httpd_conn *l = &httpd_listeners[i];
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};

		port = strtoul(argv[i], &end, 10);
		if (*end || !port || port > 65535) {
			fprintf(stderr, "bench-httpd: bad port '%s'\n",
				argv[i]);
			return 2;
		}
		l->listener = 1;
		l->fd = httpd_listen(port);
		if (l->fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l->fd, &ev) < 0)
			return 1;
	}
	return 0;
}

/**
 * httpd_responses() - build the two canned responses
 */
static void httpd_responses(void)
{
	static const char fmt[] = "HTTP/1.1 200 OK\r\n"
				  "Content-Type: text/plain\r\n"
				  "Content-Length: %zu\r\n"
				  "Connection: %s\r\n\r\n%s";
	size_t body = sizeof(httpd_body) - 1;

	httpd_resp_len = snprintf(httpd_resp, sizeof(httpd_resp), fmt, body,
				  "keep-alive", httpd_body);
	httpd_resp_close_len =
		snprintf(httpd_resp_close, sizeof(httpd_resp_close), fmt, body,
			 "close", httpd_body);
}

int main(int argc, char **argv)
{
	int ep, i, rc;

	if (argc < 2 || argc > HTTPD_PORTS_MAX + 1) {
		fprintf(stderr, "usage: bench-httpd PORT... (at most %d)\n",
			HTTPD_PORTS_MAX);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	httpd_responses();
	for (i = 0; i < HTTPD_CONNS_MAX; i++)
		httpd_conns[i].fd = -1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("bench-httpd: epoll_create1");
		return 1;
	}
	rc = httpd_setup(ep, argv + 1);
	return rc ? rc : httpd_loop(ep);
}
