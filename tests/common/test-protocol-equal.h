/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-protocol-equal.h - field-by-field equality of decoded protocol
 *			   messages, for round-trip tests and fuzz targets
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_TEST_PROTOCOL_EQUAL_H
#define LOWPORT_TEST_PROTOCOL_EQUAL_H

#include <glib.h>

#include "netutils/lease-info.h"
#include "netutils/reply.h"
#include "netutils/request.h"

gboolean lp_test_protocol_equal_mappings(const GArray *a, const GArray *b);
gboolean lp_test_protocol_equal_request(const LpRequest *a, const LpRequest *b);
gboolean lp_test_protocol_equal_lease_info(const LpLeaseInfo *a,
					   const LpLeaseInfo *b);
gboolean lp_test_protocol_equal_reply(const LpReply *a, const LpReply *b);

#endif /* LOWPORT_TEST_PROTOCOL_EQUAL_H */
