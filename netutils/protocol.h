/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * protocol.h - lowportd wire protocol (JSON lines), shared by both ends
 *
 * One connection carries one request and one reply. Each is one JSON object
 * on one line, terminated by '\n'. A forward request carries the pidfd of the
 * process that owns the backend sockets (pasta) as SCM_RIGHTS on its first
 * byte.
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_PROTOCOL_H
#define LOWPORT_PROTOCOL_H

#include <stdint.h>
#include <sys/types.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "netutils/mapping.h"

#define LP_PROTOCOL_VERSION 1
/* Hard limit of one request line, '\n' included */
#define LP_REQUEST_MAX 65536
/* Hard limit of one reply line (a list of many leases), '\n' included */
#define LP_REPLY_MAX (64 * 1024 * 1024)
/* Bound on mappings in one forward request, and on ports in one request */
#define LP_MAPPINGS_MAX 64
#define LP_PORTS_MAX	1024
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

const char *lp_op_name(LpOp op);
int lp_op_from_name(const char *name);
gboolean lp_lease_id_valid(const char *id);

/*
 * LpRequest - a decoded request
 * @version:	Protocol version (LP_PROTOCOL_VERSION)
 * @op:		Operation
 * @netns:	forward: netns path pasta serves (informational), may be NULL
 * @mappings:	forward: GArray of LpMapping, 1..LP_MAPPINGS_MAX entries
 * @id:		release: lease ID
 */
typedef struct {
	int version;
	LpOp op;
	char *netns;
	GArray *mappings;
	char *id;
} LpRequest;

/*
 * LpLeaseInfo - one lease as lowportd reports it
 *
 * lp_lease_info_new() allocates @mappings empty; @netns may be NULL.
 */
typedef struct {
	char *id;
	uid_t uid;
	pid_t pid;
	char *netns;
	int64_t created;  /* Unix time, seconds */
	GArray *mappings; /* LpMapping */
} LpLeaseInfo;

/*
 * LpStatus - the status reply
 */
typedef struct {
	char *version;
	unsigned int leases;
	unsigned int leases_total;
	gboolean table_present;
} LpStatus;

/*
 * LpReply - a decoded reply
 * @ok:		TRUE on success
 * @code:	Error code if !ok
 * @message:	One-line message if !ok
 * @lease_id:	forward: the new lease
 * @leases:	list: GPtrArray of LpLeaseInfo, owns them; never NULL after
 *		lp_reply_new_ok(), lp_reply_new_error() or lp_reply_parse()
 * @status:	status
 */
typedef struct {
	gboolean ok;
	LpErrorCode code;
	char *message;
	char *lease_id;
	GPtrArray *leases;
	LpStatus status;
} LpReply;

LpRequest *lp_request_new(LpOp op);
void lp_request_free(LpRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpRequest, lp_request_free)
LpRequest *lp_request_parse(const char *buf, size_t len, GError **error);
char *lp_request_serialize(const LpRequest *req, size_t *ret_len);
gboolean lp_request_equal(const LpRequest *a, const LpRequest *b);

LpLeaseInfo *lp_lease_info_new(void);
void lp_lease_info_free(LpLeaseInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpLeaseInfo, lp_lease_info_free)
gboolean lp_lease_info_equal(const LpLeaseInfo *a, const LpLeaseInfo *b);
JsonNode *lp_leases_to_json(const GPtrArray *leases);
gboolean lp_mappings_equal(const GArray *a, const GArray *b);

LpReply *lp_reply_new_ok(void);
LpReply *lp_reply_new_error(LpErrorCode code, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);
void lp_reply_free(LpReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpReply, lp_reply_free)
LpReply *lp_reply_parse(const char *buf, size_t len, GError **error);
char *lp_reply_serialize(const LpReply *reply, LpOp op, size_t *ret_len);
gboolean lp_reply_equal(const LpReply *a, const LpReply *b);

void lp_mappings_add_json(JsonBuilder *b, const GArray *mappings);
GArray *lp_mappings_parse_json(JsonObject *o, const char *kind, GError **error);

#endif /* LOWPORT_PROTOCOL_H */
