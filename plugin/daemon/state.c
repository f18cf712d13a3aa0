// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state.c - lease state files in the state directory
 *
 * Each lease lives in STATE_DIR/leases/<id>.json, written to a temporary file
 * and renamed into place, so a crash leaves either the old or the new file.
 * lowportd reads them back on start to keep live leases across restarts.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "netutils/protocol.h"
#include "daemon/state.h"

/**
 * state_lease_dir() - Directory of the lease files
 * @state_dir:	State directory
 *
 * Return: newly allocated path
 */
static char *state_lease_dir(const char *state_dir)
{
	return g_build_filename(state_dir, "leases", NULL);
}

/**
 * state_lease_path() - Path of one lease file
 * @state_dir:	State directory
 * @id:		Lease ID
 *
 * Return: newly allocated path
 */
static char *state_lease_path(const char *state_dir, const char *id)
{
	g_autofree char *name = g_strconcat(id, ".json", NULL);

	return g_build_filename(state_dir, "leases", name, NULL);
}

/**
 * lp_state_prepare() - Create the state directories, root-only
 * @state_dir:	State directory
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
bool lp_state_prepare(const char *state_dir, GError **error)
{
	g_autofree char *dir = state_lease_dir(state_dir);

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		int e = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
			    "cannot create state directory %s: %s", dir,
			    g_strerror(e));
		return false;
	}
	return true;
}

/**
 * state_lease_to_json() - Serialise a lease for its state file
 * @lease:	Lease
 *
 * Return: newly allocated JSON text
 */
static char *state_lease_to_json(const LpLease *lease)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	guint i;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_string_value(b, lease->id);
	json_builder_set_member_name(b, "uid");
	json_builder_add_int_value(b, lease->uid);
	json_builder_set_member_name(b, "gid");
	json_builder_add_int_value(b, lease->gid);
	json_builder_set_member_name(b, "groups");
	json_builder_begin_array(b);
	for (i = 0; i < lease->groups->len; i++)
		json_builder_add_int_value(
			b, g_array_index(lease->groups, gid_t, i));
	json_builder_end_array(b);
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, lease->pid);
	json_builder_set_member_name(b, "starttime");
	json_builder_add_int_value(b, (gint64)lease->starttime);
	json_builder_set_member_name(b, "netns");
	json_builder_add_string_value(b, lease->netns ? lease->netns : "");
	json_builder_set_member_name(b, "created");
	json_builder_add_int_value(b, lease->created);
	lp_mappings_add_json(b, lease->mappings);
	json_builder_end_object(b);

	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

/**
 * lp_state_save() - Write a lease's state file atomically
 * @state_dir:	State directory
 * @lease:	Lease
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
bool lp_state_save(const char *state_dir, const LpLease *lease, GError **error)
{
	g_autofree char *path = state_lease_path(state_dir, lease->id);
	g_autofree char *text = state_lease_to_json(lease);

	return g_file_set_contents_full(
		path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/**
 * lp_state_remove() - Delete a lease's state file
 * @state_dir:	State directory
 * @id:		Lease ID
 * @error:	Return location for a GError
 *
 * Return: true on success or if the file was already gone
 */
bool lp_state_remove(const char *state_dir, const char *id, GError **error)
{
	g_autofree char *path = state_lease_path(state_dir, id);

	if (g_unlink(path) < 0 && errno != ENOENT) {
		int e = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
			    "cannot remove %s: %s", path, g_strerror(e));
		return false;
	}
	return true;
}

/**
 * state_get_int() - Read a bounded integer member
 * @o:		Object
 * @name:	Member name
 * @min:	Smallest valid value
 * @max:	Largest valid value
 * @ret:	Value
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool state_get_int(JsonObject *o, const char *name, gint64 min,
			  gint64 max, gint64 *ret, GError **error)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_INT64 ||
	    json_node_get_int(n) < min || json_node_get_int(n) > max) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "'%s' missing or out of range", name);
		return false;
	}
	*ret = json_node_get_int(n);
	return true;
}

/**
 * state_lease_scalars() - Read the scalar members of a state file
 * @o:		Root object
 * @lease:	Lease to fill
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool state_lease_scalars(JsonObject *o, LpLease *lease, GError **error)
{
	const char *id =
		json_object_get_string_member_with_default(o, "id", "");
	const char *netns =
		json_object_get_string_member_with_default(o, "netns", "");
	gint64 v;

	if (!lp_lease_id_valid(id)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "invalid lease id");
		return false;
	}
	g_strlcpy(lease->id, id, sizeof(lease->id));
	lease->netns = g_strndup(netns, LP_NETNS_MAX);
	if (!state_get_int(o, "uid", 0, G_MAXUINT32 - 1, &v, error))
		return false;
	lease->uid = v;
	if (!state_get_int(o, "gid", 0, G_MAXUINT32 - 1, &v, error))
		return false;
	lease->gid = v;
	if (!state_get_int(o, "pid", 1, G_MAXINT32, &v, error))
		return false;
	lease->pid = v;
	if (!state_get_int(o, "starttime", 0, G_MAXINT64, &v, error))
		return false;
	lease->starttime = v;
	if (!state_get_int(o, "created", 0, G_MAXINT64, &v, error))
		return false;
	lease->created = v;
	return true;
}

/**
 * state_lease_arrays() - Read groups and mappings of a state file
 * @o:		Root object
 * @lease:	Lease to fill
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool state_lease_arrays(JsonObject *o, LpLease *lease, GError **error)
{
	g_autoptr(GArray) maps = NULL;
	JsonNode *node = json_object_get_member(o, "groups");
	JsonArray *groups;
	guint i;

	if (!node || !JSON_NODE_HOLDS_ARRAY(node) ||
	    json_array_get_length(json_node_get_array(node)) > NGROUPS_MAX) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "groups missing or too long");
		return false;
	}
	groups = json_node_get_array(node);
	for (i = 0; i < json_array_get_length(groups); i++) {
		gid_t g = json_array_get_int_element(groups, i);

		g_array_append_val(lease->groups, g);
	}
	maps = lp_mappings_parse_json(o, "state file", error);
	if (!maps)
		return false;
	g_array_append_vals(lease->mappings, maps->data, maps->len);
	return true;
}

/**
 * state_load_one() - Read one state file
 * @path:	File
 * @error:	Return location for a GError
 *
 * Return: the lease (no pidfd yet), or NULL
 */
static LpLease *state_load_one(const char *path, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(LpLease) lease = lp_lease_new();
	g_autofree char *text = NULL;
	JsonNode *root;
	struct stat st;
	size_t len;

	if (g_stat(path, &st) == 0 && st.st_size > LP_STATE_FILE_MAX) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "file too large");
		return NULL;
	}
	if (!g_file_get_contents(path, &text, &len, error) ||
	    !json_parser_load_from_data(parser, text, len, error))
		return NULL;
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "not a JSON object");
		return NULL;
	}
	if (!state_lease_scalars(json_node_get_object(root), lease, error) ||
	    !state_lease_arrays(json_node_get_object(root), lease, error))
		return NULL;
	return g_steal_pointer(&lease);
}

/**
 * state_name_matches() - Is @name the file name of lease @id?
 * @name:	File name in the lease directory
 * @id:		Lease ID read from it
 *
 * Return: true if @name is "<id>.json"
 */
static bool state_name_matches(const char *name, const char *id)
{
	g_autofree char *want = g_strconcat(id, ".json", NULL);

	return !strcmp(name, want);
}

/**
 * lp_state_load_all() - Read every lease state file
 * @state_dir:	State directory
 * @error:	Return location for a GError
 *
 * Unreadable or invalid files are logged, moved aside as NAME.bad, and
 * skipped: one bad file must not keep the helper from starting.
 *
 * Return: GPtrArray of LpLease (owned), or NULL if the directory cannot be
 *	   read
 */
GPtrArray *lp_state_load_all(const char *state_dir, GError **error)
{
	g_autoptr(GPtrArray) leases =
		g_ptr_array_new_with_free_func((GDestroyNotify)lp_lease_free);
	g_autofree char *dir = state_lease_dir(state_dir);
	g_autoptr(GDir) d = g_dir_open(dir, 0, error);
	const char *name;

	if (!d)
		return NULL;
	while ((name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_autoptr(GError) local = NULL;
		LpLease *lease;

		if (!g_str_has_suffix(name, ".json"))
			continue;
		if (leases->len >= LP_LEASE_MAX_HELD) {
			g_warning("more than %u lease files in %s, ignoring %s",
				  LP_LEASE_MAX_HELD, dir, name);
			continue;
		}
		lease = state_load_one(path, &local);
		if (lease && !state_name_matches(name, lease->id)) {
			g_set_error(
				&local, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				"lease id '%s' does not match the file name",
				lease->id);
			g_clear_pointer(&lease, lp_lease_free);
		}
		if (!lease) {
			g_autofree char *bad = g_strconcat(path, ".bad", NULL);

			g_warning("invalid lease file %s, moved to %s: %s",
				  path, bad, local->message);
			g_rename(path, bad);
			continue;
		}
		g_ptr_array_add(leases, lease);
	}
	return g_steal_pointer(&leases);
}
