/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portspec.h - pasta -t/-u port specifications: parse and format
 * (portspec-split.h: the privileged part)
 *
 * Copyright lowport authors
 *
 * Grammar (pasta(1) conf_ports(), passt 2022..2026_01, plus Podman's form):
 *
 *   none | auto | all
 *   [ADDR[%IFNAME]/ | %IFNAME/] ITEM[,ITEM]...
 *   ITEM  = RANGE[:RANGE] | ~RANGE
 *   RANGE = PORT[-PORT]
 *
 * ADDR is IPv4 or IPv6 (no brackets needed: pasta splits at the first '/';
 * "[ADDR]" is accepted too). "~RANGE" excludes host ports from the other
 * items of the same argument; an argument of exclusions only forwards every
 * non-ephemeral port except those (pasta ignores bind failures there).
 * Podman 5 emits "[ADDR/]H1-H2:C1-C2" and "none".
 */
#ifndef LOWPORT_PORTSPEC_H
#define LOWPORT_PORTSPEC_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "netutils/addr.h"

/* Longest argument accepted, in bytes (pasta copies into BUFSIZ) */
#define LP_PORTSPEC_ARG_MAX 4096
/*
 * Most comma-separated items in one argument: small enough that the
 * canonical form of any accepted argument (at most 24 bytes per item, 64 for
 * "[ADDR]%IFNAME/") still fits in LP_PORTSPEC_ARG_MAX, so what we format,
 * pasta and we parse back (pasta before 2026 truncates at 8191 bytes).
 */
#define LP_PORTSPEC_ITEMS_MAX 128

#define LP_PORTSPEC_ERROR (lp_portspec_error_quark())
GQuark lp_portspec_error_quark(void);

typedef enum {
	LP_PORTSPEC_ERROR_INVALID,     /* not a port specification */
	LP_PORTSPEC_ERROR_UNSUPPORTED, /* valid for pasta, not handled here */
} LpPortSpecError;

typedef enum {
	LP_PORTSPEC_NONE,   /* "none" */
	LP_PORTSPEC_AUTO,   /* "auto" */
	LP_PORTSPEC_ALL,    /* "all" */
	LP_PORTSPEC_RANGES, /* explicit items */
} LpPortSpecKind;

/*
 * LpPortRange - one item of a port specification
 * @first:	First host port
 * @last:	Last host port, >= @first
 * @ctr_first:	Host port @first + i goes to container port @ctr_first + i;
 *		equal to @first for exclusions
 * @exclude:	"~first-last": these host ports are not forwarded by the
 *		other items of the same argument (may include port 0)
 */
typedef struct {
	uint16_t first;
	uint16_t last;
	uint16_t ctr_first;
	bool exclude;
} LpPortRange;

/*
 * LpPortSpec - one -t/-u argument
 * @kind:	What the argument says
 * @addr_text:	Host address text as given, brackets included (NULL if none);
 *		formatted back as is
 * @addr:	Parsed host address (LP_ADDR_ALL if none)
 * @ifname:	Interface after '%' (NULL if none)
 * @ranges:	GArray of LpPortRange in argument order, at least one
 *		(LP_PORTSPEC_RANGES only, NULL otherwise)
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
bool lp_portspec_equal(const LpPortSpec *a, const LpPortSpec *b);
LpPortSpec *lp_portspec_new(const LpPortSpec *like);
LpPortSpec *lp_portspec_dup(const LpPortSpec *spec);
G_GNUC_PRINTF(4, 5)
bool lp_portspec_fail(GError **error, LpPortSpecError code, const char *arg,
		      const char *fmt, ...);

#endif /* LOWPORT_PORTSPEC_H */
