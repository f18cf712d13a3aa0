/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portspec.h - pasta -t/-u port specifications: parse, split, rewrite, format
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_PORTSPEC_H
#define LOWPORT_PORTSPEC_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "addr.h"

#define LP_PORTSPEC_ERROR (lp_portspec_error_quark())
GQuark lp_portspec_error_quark(void);

typedef enum {
	LP_PORTSPEC_ERROR_INVALID,	/* not a port specification */
	LP_PORTSPEC_ERROR_UNSUPPORTED,	/* valid for pasta, not handled here */
} LpPortSpecError;

typedef enum {
	LP_PORTSPEC_NONE,	/* "none" */
	LP_PORTSPEC_AUTO,	/* "auto" */
	LP_PORTSPEC_ALL,	/* "all" */
	LP_PORTSPEC_RANGES,	/* explicit ranges */
} LpPortSpecKind;

/*
 * LpPortRange - host ports first..last forwarded to ctr_first..
 * (ctr_first + last - first) in the namespace
 */
typedef struct {
	uint16_t first;
	uint16_t last;
	uint16_t ctr_first;
} LpPortRange;

/*
 * LpPortSpec - one -t/-u argument
 * @kind:	What the argument says
 * @addr_text:	Host address text as given (NULL if none); formatted back as is
 * @addr:	Parsed host address (LP_ADDR_ALL if none)
 * @ifname:	Interface after '%' (NULL if none)
 * @ranges:	GArray of LpPortRange, in argument order (LP_PORTSPEC_RANGES)
 */
typedef struct {
	LpPortSpecKind kind;
	char *addr_text;
	LpAddr addr;
	char *ifname;
	GArray *ranges;
} LpPortSpec;

LpPortSpec *lp_portspec_parse(const char *arg, GError **error);
void lp_portspec_free(LpPortSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpPortSpec, lp_portspec_free)

char *lp_portspec_format(const LpPortSpec *spec);
bool lp_portspec_has_privileged(const LpPortSpec *spec, unsigned int unpriv_start);
LpPortSpec *lp_portspec_split_privileged(LpPortSpec *spec,
					 unsigned int unpriv_start);

#endif /* LOWPORT_PORTSPEC_H */
