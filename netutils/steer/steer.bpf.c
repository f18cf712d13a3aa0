// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * steer.bpf.c - BPF sk_lookup program: hand new connections for a steered
 * (address, port) straight to the backend's own listening socket
 *
 * Copyright lowport authors
 *
 * The program runs in the listener lookup of every new TCP connection (the
 * SYN) in the network namespace it is attached to, before the kernel's own
 * lookup. It looks for the exact (family, protocol, port, address) in
 * lp_steer_map, then for the same key with the wildcard address. On a hit it
 * assigns the socket found there; the connection is then accepted on that
 * socket with its original destination port, without NAT or conntrack.
 * It always returns SK_PASS: on a miss, or if the assignment fails, the
 * normal lookup goes on as if the program were not there.
 *
 * A socket in a BPF_MAP_TYPE_SOCKHASH leaves the map by itself when its last
 * descriptor is closed, so traffic only ever reaches the socket that was
 * entered, never a newcomer bound to the same port.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "steer-key.h"

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, LP_STEER_MAX_ENTRIES);
	__type(key, struct lp_steer_key);
	__type(value, __u64);
} lp_steer_map SEC(".maps");

/**
 * lp_steer() - Assign the steered socket for a new connection, if any
 * @ctx:	Lookup context: family, protocol, local address and port
 *
 * Return: SK_PASS, always
 */
SEC("sk_lookup")
int lp_steer(struct bpf_sk_lookup *ctx)
{
	struct lp_steer_key key = {0};
	struct bpf_sock *sk;
	__u32 a0, a1, a2, a3;

	key.family = ctx->family;
	key.proto = ctx->protocol;
	key.port = ctx->local_port;
	/* Each context field is read into a register first (barrier_var):
	 * clang 19 otherwise merges the two branches' last store into one
	 * load from ctx + (40 or 56), pointer arithmetic on the context that
	 * the verifier refuses without CAP_PERFMON */
	if (ctx->family == LP_STEER_AF_INET) {
		a0 = ctx->local_ip4;
		barrier_var(a0);
		key.addr[0] = a0;
	} else if (ctx->family == LP_STEER_AF_INET6) {
		a0 = ctx->local_ip6[0];
		a1 = ctx->local_ip6[1];
		a2 = ctx->local_ip6[2];
		a3 = ctx->local_ip6[3];
		barrier_var(a0);
		barrier_var(a1);
		barrier_var(a2);
		barrier_var(a3);
		key.addr[0] = a0;
		key.addr[1] = a1;
		key.addr[2] = a2;
		key.addr[3] = a3;
	} else {
		return SK_PASS;
	}

	sk = bpf_map_lookup_elem(&lp_steer_map, &key);
	if (!sk) {
		key.addr[0] = key.addr[1] = key.addr[2] = key.addr[3] = 0;
		sk = bpf_map_lookup_elem(&lp_steer_map, &key);
	}
	if (!sk)
		return SK_PASS;

	/* A failed assignment (e.g. -EEXIST after an earlier program chose a
	 * socket) leaves the normal lookup to go on */
	bpf_sk_assign(ctx, sk, 0);
	bpf_sk_release(sk);
	return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
