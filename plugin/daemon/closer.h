/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * closer.h - close client-supplied descriptors off the main loop
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CLOSER_H
#define LOWPORT_CLOSER_H

void lp_closer_close(int fd);
void lp_closer_closep(int *fd);

#endif /* LOWPORT_CLOSER_H */
