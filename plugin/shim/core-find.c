// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core-find.c - shim core: find the real helper a front stands in for
 *
 * Copyright lowport authors
 *
 * The shim is installed as $libexecdir/lowport/NAME and found by Podman
 * first; the real NAME is the next one in Podman's helper directories (and
 * $PATH for pasta) that is not a lowport shim, unless the environment or
 * the policy names one. Shims are told apart by file identity: this
 * executable, and every shim earlier on the exec chain ($LOWPORT_SHIM_SEEN).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/policy.h"
#include "shim/core.h"
#include "shim/core-find.h"

/* Longest LOWPORT_SHIM_SEEN value read, and most entries in it */
#define FIND_SEEN_MAX	  4096
#define FIND_SEEN_IDS_MAX 16
/* $PATH when unset (what most shells default to) */
#define FIND_DEFAULT_PATH                                                      \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/**
 * find_id_of() - Identity of a file, symlinks followed
 * @path:	Path
 * @ret:	Identity
 *
 * Return: 0 on success, negative errno on failure
 */
static int find_id_of(const char *path, LpCoreFileId *ret)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	*ret = (LpCoreFileId){st.st_dev, st.st_ino};
	return 0;
}

/**
 * find_id_in() - Tell whether an identity is in a list
 * @ids:	GArray of LpCoreFileId
 * @id:		Identity
 *
 * Return: true if found
 */
static bool find_id_in(const GArray *ids, const LpCoreFileId *id)
{
	guint i;

	for (i = 0; i < ids->len; i++) {
		const LpCoreFileId *x = &g_array_index(ids, LpCoreFileId, i);

		if (x->dev == id->dev && x->ino == id->ino)
			return true;
	}
	return false;
}

/**
 * find_parse_seen() - Add the identities in LOWPORT_SHIM_SEEN to a list
 * @ids:	GArray of LpCoreFileId to append to
 * @text:	"DEV:INO,DEV:INO,...", malformed entries ignored
 */
static void find_parse_seen(GArray *ids, const char *text)
{
	g_auto(GStrv) items = NULL;
	guint i;

	if (strnlen(text, FIND_SEEN_MAX + 1) > FIND_SEEN_MAX)
		return;
	items = g_strsplit(text, ",", FIND_SEEN_IDS_MAX + 1);
	for (i = 0; items[i] && i < FIND_SEEN_IDS_MAX; i++) {
		guint64 dev, ino;
		LpCoreFileId id;

		if (sscanf(items[i], "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
			   &dev, &ino) != 2)
			continue;
		id = (LpCoreFileId){(dev_t)dev, (ino_t)ino};
		if (!find_id_in(ids, &id))
			g_array_append_val(ids, id);
	}
}

/**
 * lp_core_find_self_ids() - Binaries that must not be run as the real helper
 *
 * Return: GArray of LpCoreFileId: this executable (/proc/self/exe) first if
 *	   it can be found, then those in $LOWPORT_SHIM_SEEN; free with
 *	   g_array_unref()
 */
GArray *lp_core_find_self_ids(void)
{
	GArray *ids = g_array_new(FALSE, TRUE, sizeof(LpCoreFileId));
	const char *seen = g_getenv(LP_CORE_ENV_SEEN);
	LpCoreFileId self;

	if (find_id_of("/proc/self/exe", &self) == 0)
		g_array_append_val(ids, self);
	if (seen)
		find_parse_seen(ids, seen);
	return ids;
}

/**
 * lp_core_find_seen_env() - Value of LOWPORT_SHIM_SEEN for the real helper
 * @ids:	GArray of LpCoreFileId, from lp_core_find_self_ids()
 *
 * Return: "DEV:INO,..." of at most FIND_SEEN_IDS_MAX entries; g_free() it
 */
char *lp_core_find_seen_env(const GArray *ids)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < ids->len && i < FIND_SEEN_IDS_MAX; i++) {
		const LpCoreFileId *x = &g_array_index(ids, LpCoreFileId, i);

		g_string_append_printf(
			s, "%s%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
			i ? "," : "", (guint64)x->dev, (guint64)x->ino);
	}
	return g_string_free(s, FALSE);
}

/**
 * find_usable() - Tell whether a file can be run as the real helper
 * @path:	Candidate
 * @skip:	GArray of LpCoreFileId that are lowport shims
 *
 * Return: 0 if it is an executable regular file and no shim, -ELOOP if it
 *	   is a shim, other negative errno if it cannot be run
 */
static int find_usable(const char *path, const GArray *skip)
{
	LpCoreFileId id;
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (access(path, X_OK) < 0)
		return -errno;
	id = (LpCoreFileId){st.st_dev, st.st_ino};
	return find_id_in(skip, &id) ? -ELOOP : 0;
}

/**
 * find_search_dir() - Look for an executable @name in one directory
 * @dir:	Directory, absolute (others are ignored, as Go's LookPath
 *		refuses relative results)
 * @name:	Binary name
 * @skip:	GArray of LpCoreFileId to pass over
 *
 * Return: path of the binary (g_free() it), or NULL
 */
static char *find_search_dir(const char *dir, const char *name,
			     const GArray *skip)
{
	g_autofree char *path = NULL;

	if (!dir || dir[0] != '/')
		return NULL;
	path = g_build_filename(dir, name, NULL);
	return find_usable(path, skip) == 0 ? g_steal_pointer(&path) : NULL;
}

/**
 * lp_core_find_search() - Find the next @name that is not a lowport shim
 * @name:	Binary name, e.g. "pasta"
 * @dirs:	NULL-terminated directories searched first (Podman's helper
 *		directories); empty and relative entries are skipped
 * @path_env:	$PATH-style list searched next, may be NULL
 * @skip:	GArray of LpCoreFileId that are lowport shims
 *
 * Return: path of the first executable regular file named @name whose
 *	   identity is not in @skip (g_free() it), or NULL
 */
char *lp_core_find_search(const char *name, const char *const *dirs,
			  const char *path_env, const GArray *skip)
{
	g_auto(GStrv) path_dirs = NULL;
	char *found;
	guint i;

	for (i = 0; dirs && dirs[i]; i++) {
		if ((found = find_search_dir(dirs[i], name, skip)))
			return found;
	}
	if (!path_env)
		return NULL;
	path_dirs = g_strsplit(path_env, ":", -1);
	for (i = 0; path_dirs[i]; i++) {
		if ((found = find_search_dir(path_dirs[i], name, skip)))
			return found;
	}
	return NULL;
}

/**
 * find_configured() - Check a real helper named by the environment or policy
 * @helper:	The helper
 * @path:	Configured path
 * @where:	Where it was configured, for the message
 * @self:	GArray of LpCoreFileId that are lowport shims
 * @error:	LP_CORE_ERROR_REAL if it cannot be used
 *
 * Return: copy of @path, NULL on error
 */
static char *find_configured(const LpCoreHelper *helper, const char *path,
			     const char *where, const GArray *self,
			     GError **error)
{
	int r = find_usable(path, self);

	if (r == 0)
		return g_strdup(path);
	if (r == -ELOOP) {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
			    "real %s '%s' (%s) is the lowport %s shim itself",
			    helper->name, path, where, helper->name);
	} else {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
			    "real %s '%s' (%s) %s", helper->name, path, where,
			    g_strerror(-r));
	}
	return NULL;
}

/**
 * find_policy_path() - The policy's [lowport] real-NAME, if readable
 * @helper:	The helper
 *
 * A missing, unreadable or broken policy is no error here: lowportd
 * reports those.
 *
 * Return: the path (g_free() it), or NULL
 */
static char *find_policy_path(const LpCoreHelper *helper)
{
	const char *path = g_getenv(LP_CORE_ENV_POLICY);
	g_autoptr(LpPolicy) policy = NULL;
	const char *real;

	if (!helper->policy_path)
		return NULL;
	policy = lp_policy_load(path && *path ? path : LOWPORT_POLICY_PATH,
				NULL);
	if (!policy || !(real = helper->policy_path(policy)))
		return NULL;
	return g_strdup(real);
}

/**
 * lp_core_find_env_name() - Environment variable naming the real helper
 * @helper:	The helper
 *
 * Return: LOWPORT_REAL_ and the name in capitals, '-' as '_' (g_free() it)
 */
char *lp_core_find_env_name(const LpCoreHelper *helper)
{
	g_autofree char *up = g_ascii_strup(helper->name, -1);

	g_strdelimit(up, "-", '_');
	return g_strconcat(LP_CORE_ENV_REAL_PREFIX, up, NULL);
}

/**
 * lp_core_find_real() - Find the real helper
 * @helper:	The helper
 * @self:	GArray of LpCoreFileId that are lowport shims
 * @error:	LP_CORE_ERROR_REAL if none is found or the configured one
 *		cannot be run
 *
 * Order: $LOWPORT_REAL_NAME; [lowport] real-NAME in the policy; NAME in
 * $CONTAINERS_HELPER_BINARY_DIR and Podman's four default helper
 * directories, then $PATH if @helper->search_path, skipping lowport shims.
 *
 * Return: path (g_free() it), NULL on error
 */
char *lp_core_find_real(const LpCoreHelper *helper, const GArray *self,
			GError **error)
{
	const char *dirs[] = {g_getenv("CONTAINERS_HELPER_BINARY_DIR"),
			      LP_CORE_PODMAN_HELPER_DIRS, NULL};
	g_autofree char *env_name = lp_core_find_env_name(helper);
	const char *env = g_getenv(env_name);
	const char *path_env = g_getenv("PATH");
	g_autofree char *configured = NULL;
	g_autofree char *where = NULL;
	char *found;

	if (env && *env) {
		where = g_strconcat("from $", env_name, NULL);
		return find_configured(helper, env, where, self, error);
	}
	if ((configured = find_policy_path(helper))) {
		where = g_strdup_printf("from [lowport] %s",
					helper->policy_key);
		return find_configured(helper, configured, where, self, error);
	}
	if (!path_env)
		path_env = FIND_DEFAULT_PATH;
	found = lp_core_find_search(helper->name, dirs[0] ? dirs : dirs + 1,
				    helper->search_path ? path_env : NULL,
				    self);
	if (found)
		return found;
	g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
		    "cannot find the real %s (no other '%s' in Podman's "
		    "helper directories%s); install %s, or set %s in "
		    "[lowport] of %s",
		    helper->name, helper->name,
		    helper->search_path ? " or $PATH" : "", helper->package,
		    helper->policy_key, LOWPORT_POLICY_PATH);
	return NULL;
}
