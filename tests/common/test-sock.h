/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-sock.h - TCP over loopback for tests: listen, connect, accept, and
 * bytes both ways, asserting every step
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_TEST_SOCK_H
#define LOWPORT_TEST_SOCK_H

#include <stdint.h>
#include <sys/socket.h>

uint16_t lp_test_sock_port(const struct sockaddr_storage *ss);
int lp_test_sock_listen(int family, const char *ip, uint16_t port, int v6only,
			uint16_t *ret_port);
int lp_test_sock_connect(int family, const char *ip, uint16_t port);
int lp_test_sock_accept(int lfd, int timeout_ms);
void lp_test_sock_roundtrip(int a, int b);

#endif /* LOWPORT_TEST_SOCK_H */
