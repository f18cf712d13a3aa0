/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft-types.h - g_autoptr() cleanups for libnftnl and libmnl objects
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_NFT_TYPES_H
#define LOWPORT_NFT_TYPES_H

#include <stdio.h> /* before any libnftnl header */

#include <glib.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

typedef struct nftnl_table NftnlTable;
typedef struct nftnl_chain NftnlChain;
typedef struct nftnl_rule NftnlRule;
typedef struct nftnl_expr NftnlExpr;
typedef struct nftnl_set NftnlSet;
typedef struct nftnl_set_elem NftnlSetElem;
typedef struct nftnl_batch NftnlBatch;
typedef struct nftnl_udata_buf NftnlUdataBuf;
typedef struct nftnl_gen NftnlGen;
typedef struct mnl_socket MnlSocket;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NftnlTable, nftnl_table_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NftnlChain, nftnl_chain_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NftnlRule, nftnl_rule_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NftnlExpr, nftnl_expr_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NftnlSet, nftnl_set_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NftnlSetElem, nftnl_set_elem_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NftnlBatch, nftnl_batch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NftnlUdataBuf, nftnl_udata_buf_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NftnlGen, nftnl_gen_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MnlSocket, mnl_socket_close)

#endif /* LOWPORT_NFT_TYPES_H */
