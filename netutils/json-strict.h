/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json-strict.h - strict, bounded JSON reader for the wire protocol
 *
 * Errors are LP_PROTOCOL_ERROR (netutils/protocol.h).
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_JSON_STRICT_H
#define LOWPORT_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <json-glib/json-glib.h>

/*
 * LpJsonWhere - where a reader is, for error messages
 * @kind:	What the document is: "request", "reply", "state file"
 * @path:	Dotted path of the enclosing object, "" at the top
 */
typedef struct {
	const char *kind;
	const char *path;
} LpJsonWhere;

JsonObject *lp_json_strict_load(const char *kind, const char *buf, size_t len,
				size_t max, JsonParser **ret_parser,
				GError **error);

char *lp_json_strict_excerpt(const char *s, long max);
gboolean lp_json_strict_fail(const LpJsonWhere *w, const char *name,
			     GError **error, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

gboolean lp_json_strict_member(JsonObject *o, const LpJsonWhere *w,
			       const char *name, GType vtype, bool required,
			       JsonNode **ret, GError **error);
gboolean lp_json_strict_get_int(JsonObject *o, const LpJsonWhere *w,
				const char *name, int64_t min, int64_t max,
				const char *what, int64_t *ret, GError **error);
gboolean lp_json_strict_get_string(JsonObject *o, const LpJsonWhere *w,
				   const char *name, bool required,
				   const char **ret, GError **error);
gboolean lp_json_strict_get_bool(JsonObject *o, const LpJsonWhere *w,
				 const char *name, gboolean *ret,
				 GError **error);
JsonObject *lp_json_strict_object(JsonNode *n, const LpJsonWhere *w,
				  const char *name, GError **error);

#endif /* LOWPORT_JSON_STRICT_H */
