// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state.c - lease state files in the state directory
 *
 * Each lease lives in STATE_DIR/leases/<id>.json, written to a temporary file
 * and renamed into place, so a crash leaves either the old or the new file.
 * lowportd reads them back on start to keep live leases across restarts.
 * What a file holds is the business of state-format.c; a file in an older
 * format version is rewritten in the current one as it is read.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "daemon/state-format.h"
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
	g_autofree char *text = lp_state_format_encode(lease);

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
 * state_load_one() - Read one state file
 * @path:	File
 * @ret_version: Format version the file is in
 * @error:	Return location for a GError
 *
 * Return: the lease (no pidfd yet), or NULL
 */
static LpLease *state_load_one(const char *path, unsigned int *ret_version,
			       GError **error)
{
	g_autofree char *text = NULL;
	struct stat st;
	size_t len;

	if (g_stat(path, &st) == 0 && st.st_size > LP_STATE_FILE_MAX) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "file too large");
		return NULL;
	}
	if (!g_file_get_contents(path, &text, &len, error))
		return NULL;
	return lp_state_format_decode(text, len, ret_version, error);
}

/**
 * state_migrate() - Rewrite a lease's file in the current format version
 * @state_dir:	State directory
 * @lease:	Lease read from it
 * @version:	Format version the file was in
 */
static void state_migrate(const char *state_dir, const LpLease *lease,
			  unsigned int version)
{
	g_autoptr(GError) error = NULL;

	if (version == LP_STATE_FORMAT_VERSION)
		return;
	if (lp_state_save(state_dir, lease, &error))
		g_message("lease %s: state file rewritten from format version "
			  "%u to %u",
			  lease->id, version, LP_STATE_FORMAT_VERSION);
	else
		g_warning("lease %s: cannot rewrite its state file in format "
			  "version %u: %s",
			  lease->id, LP_STATE_FORMAT_VERSION, error->message);
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
 * skipped: one bad file must not keep the helper from starting. Files in
 * an older format version are rewritten in the current one.
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
		unsigned int version = 0;
		LpLease *lease;

		if (!g_str_has_suffix(name, ".json"))
			continue;
		if (leases->len >= LP_LEASE_MAX_HELD) {
			g_warning("more than %u lease files in %s, ignoring %s",
				  LP_LEASE_MAX_HELD, dir, name);
			continue;
		}
		lease = state_load_one(path, &version, &local);
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
		state_migrate(state_dir, lease, version);
		g_ptr_array_add(leases, lease);
	}
	return g_steal_pointer(&leases);
}
