/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * steer-pin.h - the steering program's pins in bpffs: the directory, and
 * finding a link and map pinned there that still serve this namespace
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_STEER_PIN_H
#define LOWPORT_STEER_PIN_H

#include <stdint.h>

#include <glib.h>

/* Names of the pins inside the pin directory */
#define LP_STEER_PIN_LINK "link"
#define LP_STEER_PIN_MAP  "map"

/*
 * LpSteerPinned - a link and map found in the pin directory
 * @link_fd:	Descriptor of the pinned link
 * @map_fd:	Descriptor of the pinned map
 * @link_id:	Kernel id of the link
 * @map_id:	Kernel id of the map
 */
typedef struct {
	int link_fd;
	int map_fd;
	uint32_t link_id;
	uint32_t map_id;
} LpSteerPinned;

int lp_steer_pin_netns_ino(uint32_t *ret_ino);
bool lp_steer_pin_dir(const char *pin_dir, bool create, GError **error);
int lp_steer_pin_find(const char *pin_dir, LpSteerPinned *ret,
		      const char **ret_why);
int lp_steer_pin_unpin(const char *pin_dir);
int lp_steer_pin_obj_ids(int link_fd, int map_fd, uint32_t *ret_link_id,
			 uint32_t *ret_map_id);

#endif /* LOWPORT_STEER_PIN_H */
