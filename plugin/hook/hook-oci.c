// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hook-oci.c - the OCI state on a hook's stdin and the bundle's config.json
 *
 * The runtime writes the state (runtime-spec "state": ociVersion, id,
 * status, pid, bundle, annotations) to the hook's stdin and closes it.
 * crun runs createContainer hooks in the container's namespaces and
 * gives pid 0; other runtimes may give the container process's PID.
 * The annotation is taken from the state, or from config.json if the
 * state lacks it; config.json also tells where the container's
 * /etc/resolv.conf comes from: a bind mount (Podman's), else the file in
 * the root file system.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "hook/hook-oci.h"
#include "hook/hook.h"
#include "netutils/egress.h"
#include "netutils/util.h"

/**
 * lp_hook_oci_free() - Free what the hook knows about a container
 * @oci:	May be NULL
 */
void lp_hook_oci_free(LpHookOci *oci)
{
	if (!oci)
		return;
	g_free(oci->id);
	g_free(oci->bundle);
	g_free(oci->egress);
	g_free(oci->resolv_conf);
	g_free(oci->rootfs);
	g_free(oci->power_cap);
	g_free(oci);
}

/**
 * lp_hook_oci_read_fd() - Read a descriptor to its end, bounded in size and
 *			   time
 * @fd:		Descriptor
 * @max:	Most bytes accepted
 * @timeout_ms:	Longest total wait
 * @ret_len:	Bytes read
 * @error:	Return location for a GError
 *
 * Return: NUL-terminated contents, NULL on error
 */
char *lp_hook_oci_read_fd(int fd, size_t max, unsigned int timeout_ms,
			  size_t *ret_len, GError **error)
{
	g_autofree char *buf = g_malloc(max + 1);
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	size_t len = 0;
	ssize_t n;

	for (;;) {
		gint64 left = (end - g_get_monotonic_time()) / 1000;
		int r;

		r = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_INPUT,
				    "no end of input within %u ms", timeout_ms);
			return NULL;
		}
		n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_INPUT,
				    "cannot read input: %s", g_strerror(errno));
			return NULL;
		}
		if (!n)
			break;
		len += n;
		if (len > max) {
			g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_INPUT,
				    "input longer than %zu bytes", max);
			return NULL;
		}
	}
	buf[len] = '\0';
	*ret_len = len;
	return g_steal_pointer(&buf);
}

/**
 * oci_parse() - Parse JSON text into an object
 * @json:	Text
 * @len:	Its length
 * @what:	What it is, for errors ("OCI state")
 * @error:	Return location for a GError
 *
 * Return: parser holding the root object, NULL on error
 */
static JsonParser *oci_parse(const char *json, size_t len, const char *what,
			     GError **error)
{
	g_autoptr(JsonParser) p = json_parser_new_immutable();
	g_autoptr(GError) local = NULL;

	if (!json_parser_load_from_data(p, json, len, &local)) {
		char *c;

		/* json-glib quotes the offending text: keep it one line */
		for (c = local->message; *c; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = ' ';
		}
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_INPUT,
			    "%s is not valid JSON: %s", what, local->message);
		return NULL;
	}
	if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_INPUT,
			    "%s is not a JSON object", what);
		return NULL;
	}
	return g_steal_pointer(&p);
}

/**
 * oci_string() - A string member of an object
 * @o:		Object, may be NULL
 * @name:	Member
 *
 * Return: the string, NULL if missing or not a string
 */
static const char *oci_string(JsonObject *o, const char *name)
{
	JsonNode *n = o ? json_object_get_member(o, name) : NULL;

	if (!n || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

/**
 * oci_object() - An object member of an object
 * @o:		Object, may be NULL
 * @name:	Member
 *
 * Return: the object, NULL if missing or not an object
 */
static JsonObject *oci_object(JsonObject *o, const char *name)
{
	JsonNode *n = o ? json_object_get_member(o, name) : NULL;

	return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

/**
 * lp_hook_oci_parse_state() - Parse the OCI state a hook gets on stdin
 * @json:	Text
 * @len:	Its length
 * @error:	Return location for a GError
 *
 * Return: container facts (resolv_conf not yet known), NULL on error
 */
LpHookOci *lp_hook_oci_parse_state(const char *json, size_t len, GError **error)
{
	g_autoptr(JsonParser) p = oci_parse(json, len, "OCI state", error);
	g_autoptr(LpHookOci) oci = NULL;
	const char *id, *bundle, *egress;
	JsonObject *o;
	JsonNode *pid;

	if (!p)
		return NULL;
	o = json_node_get_object(json_parser_get_root(p));
	id = oci_string(o, "id");
	bundle = oci_string(o, "bundle");
	pid = json_object_get_member(o, "pid");
	if (!id || !bundle || !*bundle || !pid || !JSON_NODE_HOLDS_VALUE(pid) ||
	    json_node_get_value_type(pid) != G_TYPE_INT64 ||
	    json_node_get_int(pid) < 0 || json_node_get_int(pid) > G_MAXINT) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_INPUT,
			    "OCI state lacks id, bundle or a valid pid (is "
			    "this hook at stage createContainer?)");
		return NULL;
	}
	oci = g_new0(LpHookOci, 1);
	oci->id = g_strdup(id);
	oci->bundle = g_strdup(bundle);
	oci->pid = (pid_t)json_node_get_int(pid);
	egress = oci_string(oci_object(o, "annotations"), LP_EGRESS_ANNOTATION);
	oci->egress = g_strdup(egress);
	return g_steal_pointer(&oci);
}

/**
 * oci_resolv_mount() - Source of the last bind mount on /etc/resolv.conf
 * @config:	config.json object
 *
 * Return: host path, NULL if no mount targets /etc/resolv.conf
 */
static const char *oci_resolv_mount(JsonObject *config)
{
	JsonNode *n = json_object_get_member(config, "mounts");
	const char *ret = NULL;
	JsonArray *a;
	guint i;

	if (!n || !JSON_NODE_HOLDS_ARRAY(n))
		return NULL;
	a = json_node_get_array(n);
	for (i = 0; i < json_array_get_length(a); i++) {
		JsonNode *m = json_array_get_element(a, i);
		JsonObject *mo;

		if (!JSON_NODE_HOLDS_OBJECT(m))
			continue;
		mo = json_node_get_object(m);
		if (!g_strcmp0(oci_string(mo, "destination"),
			       "/etc/resolv.conf") &&
		    oci_string(mo, "source"))
			ret = oci_string(mo, "source");
	}
	return ret;
}

/**
 * oci_netns() - The "network" entry of config.json's linux.namespaces
 * @config:	config.json object
 *
 * Return: the entry, NULL if there is none (the container shares the
 *	   runtime's network namespace)
 */
static JsonObject *oci_netns(JsonObject *config)
{
	JsonObject *lx = oci_object(config, "linux");
	JsonNode *n = lx ? json_object_get_member(lx, "namespaces") : NULL;
	JsonArray *a;
	guint i;

	if (!n || !JSON_NODE_HOLDS_ARRAY(n))
		return NULL;
	a = json_node_get_array(n);
	for (i = 0; i < json_array_get_length(a); i++) {
		JsonNode *e = json_array_get_element(a, i);

		if (JSON_NODE_HOLDS_OBJECT(e) &&
		    !g_strcmp0(oci_string(json_node_get_object(e), "type"),
			       "network"))
			return json_node_get_object(e);
	}
	return NULL;
}

/**
 * oci_power_cap() - The first capability of process.capabilities that
 *		     would let the container remove its filter
 * @config:	config.json object
 *
 * CAP_NET_ADMIN over the container's network namespace is what changing
 * nftables needs. CAP_SYS_ADMIN is refused as well: it comes with
 * --privileged anyway, and it lets a process mount, setns() and load BPF
 * (in a rootful container, over the host), so an allowlist next to it
 * is no promise. Every set counts (bounding, effective, permitted,
 * inheritable, ambient): a capability in any of them can be raised or
 * handed on.
 *
 * Return: "CAP_NAME in SET", caller frees; NULL if none is there
 */
static char *oci_power_cap(JsonObject *config)
{
	static const char *const sets[] = {"bounding", "effective", "permitted",
					   "inheritable", "ambient"};
	static const char *const caps[] = {"CAP_NET_ADMIN", "CAP_SYS_ADMIN"};
	JsonObject *c =
		oci_object(oci_object(config, "process"), "capabilities");
	unsigned int i, k;
	guint j;

	for (i = 0; c && i < G_N_ELEMENTS(sets); i++) {
		JsonNode *n = json_object_get_member(c, sets[i]);
		JsonArray *a;

		if (!n || !JSON_NODE_HOLDS_ARRAY(n))
			continue;
		a = json_node_get_array(n);
		for (j = 0; j < json_array_get_length(a); j++) {
			JsonNode *e = json_array_get_element(a, j);
			const char *name;

			if (!JSON_NODE_HOLDS_VALUE(e) ||
			    json_node_get_value_type(e) != G_TYPE_STRING)
				continue;
			name = json_node_get_string(e);
			for (k = 0; k < G_N_ELEMENTS(caps); k++) {
				if (!g_ascii_strcasecmp(name, caps[k]))
					return g_strdup_printf(
						"%s in %s", caps[k], sets[i]);
			}
		}
	}
	return NULL;
}

/**
 * lp_hook_oci_parse_config() - Take annotation, network namespace and
 *				resolv.conf from config.json
 * @oci:	Container facts; egress filled if still unset, own_netns,
 *		joins_netns and power_cap set, resolv_conf set to the bind mount source or
 *		ROOTFS/etc/resolv.conf (then rootfs set too)
 * @json:	config.json text
 * @len:	Its length
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
bool lp_hook_oci_parse_config(LpHookOci *oci, const char *json, size_t len,
			      GError **error)
{
	g_autoptr(JsonParser) p = oci_parse(json, len, "config.json", error);
	JsonObject *o, *netns;
	const char *src, *root;

	if (!p)
		return false;
	o = json_node_get_object(json_parser_get_root(p));
	if (!oci->egress)
		oci->egress = g_strdup(oci_string(oci_object(o, "annotations"),
						  LP_EGRESS_ANNOTATION));
	netns = oci_netns(o);
	oci->own_netns = netns != NULL;
	oci->joins_netns = netns && oci_string(netns, "path");
	g_free(oci->power_cap);
	oci->power_cap = oci_power_cap(o);
	src = oci_resolv_mount(o);
	root = oci_string(oci_object(o, "root"), "path");
	g_clear_pointer(&oci->resolv_conf, g_free);
	g_clear_pointer(&oci->rootfs, g_free);
	if (src) {
		oci->resolv_conf = g_strdup(src);
		return true;
	}
	if (root && g_path_is_absolute(root))
		oci->rootfs = g_strdup(root);
	else if (root)
		oci->rootfs = g_build_filename(oci->bundle, root, NULL);
	if (oci->rootfs)
		oci->resolv_conf = g_build_filename(
			oci->rootfs, LP_HOOK_OCI_ROOTFS_RESOLV, NULL);
	return true;
}

/**
 * lp_hook_oci_read_config() - Read BUNDLE/config.json into @oci
 * @oci:	Container facts
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
bool lp_hook_oci_read_config(LpHookOci *oci, GError **error)
{
	g_autofree char *path =
		g_build_filename(oci->bundle, "config.json", NULL);
	g_autoptr(GError) local = NULL;
	g_autofree char *json = NULL;
	lp_autofd int fd = -1;
	size_t len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_INPUT,
			    "cannot open %s: %s", path, g_strerror(errno));
		return false;
	}
	json = lp_hook_oci_read_fd(fd, LP_HOOK_CONFIG_MAX,
				   LP_HOOK_STDIN_TIMEOUT_MS, &len, &local);
	if (!json) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_INPUT, "%s: %s",
			    path, local->message);
		return false;
	}
	return lp_hook_oci_parse_config(oci, json, len, error);
}
