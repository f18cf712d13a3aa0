// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - lowportd's structured log lines and user labels
 *
 * One line per admitted, refused and removed lease. GLib's default writer
 * sends them to the journal with their fields when stderr is connected to
 * it (LOWPORT_EVENT=, LOWPORT_UID=, LOWPORT_LEASE=), and to stderr otherwise.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <pwd.h>
#include <string.h>
#include <stdarg.h>

#include <glib.h>

#include "daemon/log.h"

/**
 * lp_user_label() - How messages name a user
 * @uid:	User
 *
 * Return: newly allocated "alice (uid 1000)", or "uid 1000" without a
 *	   passwd entry
 */
char *lp_user_label(uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		return g_strdup_printf("%s (uid %u)", res->pw_name, uid);
	return g_strdup_printf("uid %u", uid);
}

/**
 * lp_log_event() - Log one lease event with structured fields
 * @event:	"admitted", "refused" or "removed"
 * @uid:	User the event concerns
 * @lease_id:	Lease, or NULL
 * @fmt:	printf format of the message
 */
void lp_log_event(const char *event, uid_t uid, const char *lease_id,
		  const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	g_autofree char *uid_s = g_strdup_printf("%u", uid);
	va_list ap;
	const GLogField fields[] = {
		{"GLIB_DOMAIN", G_LOG_DOMAIN, -1},
		{"PRIORITY", "5", -1},
		{"MESSAGE", NULL, -1},
		{"LOWPORT_EVENT", event, -1},
		{"LOWPORT_UID", uid_s, -1},
		{"LOWPORT_LEASE", lease_id ? lease_id : "", -1},
	};
	GLogField f[G_N_ELEMENTS(fields)];

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	memcpy(f, fields, sizeof(f));
	f[2].value = msg;
	g_log_structured_array(G_LOG_LEVEL_MESSAGE, f, G_N_ELEMENTS(f));
}
