/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portspec-split.h - pasta -t/-u specifications: which host ports they
 * forward, their privileged part, and that part on backend ports
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_PORTSPEC_SPLIT_H
#define LOWPORT_PORTSPEC_SPLIT_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "shim/portspec.h"

bool lp_portspec_split_forwards(const LpPortSpec *spec, unsigned int port);
bool lp_portspec_split_has_privileged(const LpPortSpec *spec,
				      unsigned int unpriv_start);
gboolean lp_portspec_split(const LpPortSpec *spec, unsigned int unpriv_start,
			   LpPortSpec **ret_priv, LpPortSpec **ret_rest,
			   GError **error);
LpPortSpec *lp_portspec_split_rewrite(const LpPortSpec *priv,
				      const uint16_t *backend, guint n_backend,
				      GError **error);
GArray *lp_portspec_split_mappings(const LpPortSpec *priv, int proto,
				   const uint16_t *backend, guint n_backend);

#endif /* LOWPORT_PORTSPEC_SPLIT_H */
