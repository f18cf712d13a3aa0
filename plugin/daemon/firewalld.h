/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * firewalld.h - detect firewalld enforcing StrictForwardPorts
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_FIREWALLD_H
#define LOWPORT_FIREWALLD_H

#include <stdbool.h>

bool lp_firewalld_strict(void);

#endif /* LOWPORT_FIREWALLD_H */
