// SPDX-License-Identifier: GPL-2.0-or-later
/* udp-echo.c - UDP echo server for the end-to-end test image
 *
 * busybox has no UDP server, so the test image carries this static binary.
 * It answers every datagram on [::]:PORT (IPv4 and IPv6) with
 *   "lowport-e2e udp PORT from ADDR host HOSTNAME echo PAYLOAD"
 * so a test sees which container answered and whom it saw as the sender.
 *
 * Copyright lowport authors
 */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UDP_ECHO_MAX 512

/**
 * udp_echo_addr() - text of a peer address, IPv4-mapped shown as IPv4
 * @sa:		peer address
 * @buf:	output buffer
 * @len:	size of @buf
 */
static void udp_echo_addr(const struct sockaddr_in6 *sa, char *buf, size_t len)
{
	const void *a = &sa->sin6_addr;
	int af = AF_INET6;

	if (IN6_IS_ADDR_V4MAPPED(&sa->sin6_addr)) {
		a = &sa->sin6_addr.s6_addr[12];
		af = AF_INET;
	}
	if (!inet_ntop(af, a, buf, len))
		snprintf(buf, len, "?");
}

/**
 * udp_echo_open() - a dual-stack UDP socket bound to [::]:@port
 * @port:	port number
 *
 * Return: socket, or -1 on error (reported)
 */
static int udp_echo_open(unsigned int port)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6,
				  .sin6_port = htons(port),
				  .sin6_addr = IN6ADDR_ANY_INIT};
	int off = 0;
	int s;

	s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		perror("udp-echo: socket");
		return -1;
	}
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("udp-echo: bind");
		close(s);
		return -1;
	}
	return s;
}

/**
 * udp_echo_serve() - answer datagrams forever
 * @s:		bound socket
 * @port:	its port, for the reply text
 *
 * Return: 1 when receiving fails
 */
static int udp_echo_serve(int s, unsigned int port)
{
	char host[64] = "?", in[UDP_ECHO_MAX], out[UDP_ECHO_MAX * 2];
	char addr[INET6_ADDRSTRLEN];

	gethostname(host, sizeof(host) - 1);
	for (;;) {
		struct sockaddr_in6 peer;
		socklen_t plen = sizeof(peer);
		ssize_t n;
		int m;

		n = recvfrom(s, in, sizeof(in) - 1, 0, (struct sockaddr *)&peer,
			     &plen);
		if (n < 0) {
			perror("udp-echo: recvfrom");
			return 1;
		}
		in[n] = '\0';
		udp_echo_addr(&peer, addr, sizeof(addr));
		m = snprintf(out, sizeof(out),
			     "lowport-e2e udp %u from %s host %s echo %s", port,
			     addr, host, in);
		if (m > (int)sizeof(out) - 1)
			m = sizeof(out) - 1;
		sendto(s, out, m, 0, (struct sockaddr *)&peer, plen);
	}
}

int main(int argc, char **argv)
{
	unsigned long port;
	char *end;
	int s;

	if (argc != 2) {
		fprintf(stderr, "usage: udp-echo PORT\n");
		return 2;
	}
	port = strtoul(argv[1], &end, 10);
	if (*end || !port || port > 65535) {
		fprintf(stderr, "udp-echo: bad port '%s'\n", argv[1]);
		return 2;
	}
	s = udp_echo_open(port);
	if (s < 0)
		return 1;
	return udp_echo_serve(s, port);
}
