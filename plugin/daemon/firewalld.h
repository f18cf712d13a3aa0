/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * firewalld.h - detect firewalld enforcing StrictForwardPorts
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_FIREWALLD_H
#define LOWPORT_FIREWALLD_H

#include <stdbool.h>

#include <glib.h>

int lp_firewalld_conf_strict(const char *path, GError **error);
bool lp_firewalld_strict(void);
void lp_firewalld_log_unknown(void);

#endif /* LOWPORT_FIREWALLD_H */
