/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * protocol.h - lowportd wire protocol (JSON lines), shared by both ends:
 * limits, error codes, operations; requests are in request.h, replies in
 * reply.h
 *
 * One connection carries one request and one reply. Each is one JSON object
 * on one line, terminated by '\n'. A forward request carries the pidfd of the
 * process that owns the backend sockets (pasta) as SCM_RIGHTS on its first
 * byte, followed in the same message by the "listeners" listening TCP
 * sockets of that process on the backend ports, if it hands any over.
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_PROTOCOL_H
#define LOWPORT_PROTOCOL_H

#include <stdint.h>
#include <sys/types.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "netutils/json-strict.h"
#include "netutils/mapping.h"

#define LP_PROTOCOL_VERSION 1
/* Hard limit of one request line, '\n' included */
#define LP_REQUEST_MAX 65536
/* Hard limit of one reply line (a list of many leases), '\n' included */
#define LP_REPLY_MAX (64 * 1024 * 1024)
/* Bound on mappings in one forward request, and on ports in one request */
#define LP_MAPPINGS_MAX 64
#define LP_PORTS_MAX	1024
/*
 * Bound on the listening sockets a forward request hands over ("listeners"):
 * the request line's SCM_RIGHTS carries the pidfd, then this many at most
 */
#define LP_LISTENERS_MAX 32
/* Longest netns path accepted */
#define LP_NETNS_MAX 4096

/* Deepest JSON nesting accepted (a list reply needs 5) */
#define LP_JSON_DEPTH_MAX 16

#define LP_PROTOCOL_ERROR (lp_protocol_error_quark())
GQuark lp_protocol_error_quark(void);

/* Codes of LP_PROTOCOL_ERROR; lp_protocol_error_code() maps them to replies */
typedef enum {
	LP_PROTOCOL_ERROR_MALFORMED, /* "bad-request" */
	LP_PROTOCOL_ERROR_TOO_LARGE, /* "too-large" */
	LP_PROTOCOL_ERROR_VERSION,   /* "unsupported-version" */
} LpProtocolError;

/* Error codes on the wire; names in lp_error_code_name() */
typedef enum {
	LP_ERR_BAD_REQUEST, /* "bad-request": malformed JSON, bad field */
	LP_ERR_TOO_LARGE,   /* "too-large": request over LP_REQUEST_MAX */
	LP_ERR_TIMEOUT,	    /* "timeout": request not complete in time */
	LP_ERR_VERSION,	    /* "unsupported-version" */
	LP_ERR_NOT_GRANTED, /* "not-granted": policy refuses */
	LP_ERR_LIMIT,	    /* "limit": max-forwards, too many clients */
	LP_ERR_BACKEND,	    /* "backend": backend socket not the peer's */
	LP_ERR_PORT_IN_USE, /* "port-in-use": a host socket holds the port */
	LP_ERR_CONFLICT,    /* "conflict": overlapping lease */
	LP_ERR_PIDFD,	    /* "pidfd": missing, dead, or not the peer's */
	LP_ERR_NOT_FOUND,   /* "not-found": no such lease */
	LP_ERR_PERMISSION,  /* "permission": not the owner, not root */
	LP_ERR_FIREWALL,    /* "firewall": firewalld StrictForwardPorts */
	LP_ERR_INTERNAL,    /* "internal": nftables or system failure */
	LP_ERR_MAX,
} LpErrorCode;

const char *lp_error_code_name(LpErrorCode code);
int lp_error_code_from_name(const char *name);
LpErrorCode lp_protocol_error_code(const GError *error);

typedef enum {
	LP_OP_FORWARD,
	LP_OP_RELEASE,
	LP_OP_LIST,
	LP_OP_STATUS,
	LP_OP_MAX,
} LpOp;

/*
 * Which shim front asked for a lease (the "front" member of a forward
 * request and of a listed lease; absent means pasta, the only front of
 * older shims); names in lp_front_name()
 */
typedef enum {
	LP_FRONT_PASTA,
	LP_FRONT_ROOTLESSPORT,
	LP_FRONT_PESTO,
	LP_FRONT_MAX,
} LpFront;

/* Bound on the "retry" counter of a forward request */
#define LP_RETRY_MAX 1000

const char *lp_front_name(LpFront front);
int lp_front_from_name(const char *name);
gboolean lp_protocol_get_front(JsonObject *o, const LpJsonWhere *w,
			       LpFront *ret, GError **error);

const char *lp_op_name(LpOp op);
int lp_op_from_name(const char *name);
gboolean lp_lease_id_valid(const char *id);

/* The envelope and the shared codec, for request.c, reply.c, lease-info.c */
JsonObject *lp_protocol_load(const char *kind, const char *buf, size_t len,
			     size_t max, JsonParser **ret_parser,
			     GError **error);
JsonBuilder *lp_protocol_begin(void);
char *lp_protocol_finish(JsonBuilder *b, size_t *ret_len);
void lp_protocol_add_string(JsonBuilder *b, const char *name, const char *s);
void lp_protocol_add_int(JsonBuilder *b, const char *name, int64_t v);
void lp_protocol_add_mapping(JsonBuilder *b, const LpMapping *m);
void lp_protocol_add_mappings(JsonBuilder *b, const GArray *mappings);
gboolean lp_protocol_get_lease_id(JsonObject *o, const LpJsonWhere *w,
				  const char *name, char **ret, GError **error);
gboolean lp_protocol_get_netns(JsonObject *o, const LpJsonWhere *w, char **ret,
			       GError **error);
GArray *lp_protocol_get_mappings(JsonObject *o, const LpJsonWhere *w,
				 GError **error);

#endif /* LOWPORT_PROTOCOL_H */
