/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * steer.h - steer new TCP connections onto a backend's own listening socket
 * (BPF sk_lookup program and socket hash, pinned in bpffs)
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_STEER_H
#define LOWPORT_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "netutils/steer/steer-key.h"

#define LP_STEER_ERROR (lp_steer_error_quark())
GQuark lp_steer_error_quark(void);

/* GError codes in LP_STEER_ERROR are positive errno values */

/* Default pin directory of lowportd (--bpf-dir) */
#define LP_STEER_PIN_DIR "/sys/fs/bpf/lowport"

typedef struct lp_steer_key LpSteerKey;

/*
 * LpSteerEntry - one entry of the steering map (lp_steer_list())
 * @key:	Steered family, protocol, port and address
 * @cookie:	Socket cookie (SO_COOKIE) of the socket it steers to
 */
typedef struct {
	LpSteerKey key;
	uint64_t cookie;
} LpSteerEntry;

typedef struct LpSteer LpSteer;

LpSteer *lp_steer_open(const char *pin_dir, GError **error);
void lp_steer_free(LpSteer *steer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpSteer, lp_steer_free)

uint32_t lp_steer_link_id(const LpSteer *steer);
uint32_t lp_steer_map_id(const LpSteer *steer);

int lp_steer_key_init(LpSteerKey *key, int family, uint8_t proto,
		      const void *addr, uint16_t port);
int lp_steer_add(LpSteer *steer, const LpSteerKey *key, int sock_fd,
		 uint64_t *ret_cookie);
int lp_steer_remove(LpSteer *steer, const LpSteerKey *key);
int lp_steer_lookup(LpSteer *steer, const LpSteerKey *key,
		    uint64_t *ret_cookie);
GArray *lp_steer_list(LpSteer *steer, GError **error);
int lp_steer_sock_cookie(int fd, uint64_t *ret_cookie);

bool lp_steer_probe(const char *pin_dir, char **ret_reason);

#endif /* LOWPORT_STEER_H */
