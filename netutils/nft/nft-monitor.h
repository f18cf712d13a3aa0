/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-monitor.h - notice changes others make to table inet lowport
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_MONITOR_H
#define LOWPORT_NFT_MONITOR_H

#include <stdbool.h>

#include <glib.h>

#include "netutils/nft/nft.h"

typedef struct LpNftMonitor LpNftMonitor;

LpNftMonitor *lp_nft_monitor_new(LpNft *nft, GError **error);
void lp_nft_monitor_free(LpNftMonitor *mon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpNftMonitor, lp_nft_monitor_free)
int lp_nft_monitor_fd(LpNftMonitor *mon);
bool lp_nft_monitor_read(LpNftMonitor *mon, bool *ret_foreign, GError **error);

#endif /* LOWPORT_NFT_MONITOR_H */
