/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * error.h - the GError domain of errors that become replies to a client
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_DAEMON_ERROR_H
#define LOWPORT_DAEMON_ERROR_H

#include <glib.h>

/* GError domain whose codes are LpErrorCode (netutils/protocol.h) */
#define LP_DAEMON_ERROR (lp_daemon_error_quark())
GQuark lp_daemon_error_quark(void);

/*
 * The same codes, for a refusal that may end by itself in a moment (the
 * user's own lease in the way, whose process is exiting): the reply says
 * "retry", and repetitions of the request are not logged again
 */
#define LP_DAEMON_ERROR_RETRY (lp_daemon_error_retry_quark())
GQuark lp_daemon_error_retry_quark(void);

#endif /* LOWPORT_DAEMON_ERROR_H */
