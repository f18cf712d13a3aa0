/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pasta-plan.h - pasta front: decide and rewrite pasta's argv (no I/O)
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_PASTA_PLAN_H
#define LOWPORT_PASTA_PLAN_H

#include <stdint.h>

#include <glib.h>

#include "shim/core-ports.h"
#include "shim/pasta-args.h"

/*
 * LpPastaPlan - how one pasta call is rewritten
 * @args:	Scanned argv (borrowed: must outlive the plan)
 * @priv:	Per entry of @args->ports: privileged part (LpPortSpec), or
 *		NULL if the argument stays as it is
 * @rest:	Per entry of @args->ports: what is left for pasta unchanged
 *		(LpPortSpec), NULL if nothing; meaningful where @priv is set
 * @blocks:	LpCoreBlock, one per item of every @priv, in argv order
 */
typedef struct {
	const LpPastaArgs *args;
	GPtrArray *priv;
	GPtrArray *rest;
	GArray *blocks;
} LpPastaPlan;

gboolean lp_pasta_plan_build(const LpPastaArgs *args, unsigned int unpriv_start,
			     LpPastaPlan **ret_plan, GError **error);
void lp_pasta_plan_free(LpPastaPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpPastaPlan, lp_pasta_plan_free)

char **lp_pasta_plan_argv(const LpPastaPlan *plan, const uint16_t *backend,
			  const char *pid_file, GError **error);

#endif /* LOWPORT_PASTA_PLAN_H */
