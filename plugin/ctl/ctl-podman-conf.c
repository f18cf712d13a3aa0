// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl-podman-conf.c - lowportctl check: which port forwarder and which
 * helper binaries Podman picks, from its containers.conf files
 *
 * Copyright lowport authors
 *
 * DOC: Theory of Operation
 *
 * Two settings decide whether lowport's shims publish a rootless
 * container's ports: [network] rootless_port_forwarder (Podman 6: "pasta"
 * publishes bridge-network ports with pesto through the rootless netns's
 * pasta; unset or "rootlessport": rootlessport, Podman 5 knows only that)
 * and [engine] helper_binaries_dir, whose first directory holding a helper
 * is where Podman takes it from (pasta also from $PATH after them).
 *
 * The files are read as containers-config(5) orders them, later ones
 * overriding earlier ones: /usr/share/containers/containers.conf and its
 * containers.conf.d/, containers.rootless.conf.d/ and
 * containers.rootless.conf.d/UID/, then the same under /etc/containers,
 * then the user's $XDG_CONFIG_HOME/containers/containers.conf and its
 * containers.conf.d/; drop-ins are the *.conf files of a directory in
 * name order. $CONTAINERS_CONF replaces that list, and
 * $CONTAINERS_CONF_OVERRIDE is read last. Only the TOML that these two
 * keys need is understood: tables, strings, arrays of strings (over several
 * lines too) and the {append=true} marker of an array; other keys are
 * skipped without being parsed.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "ctl/ctl-podman-conf.h"
#include "shim/core-find.h"

/**
 * lp_ctl_podman_conf_clear() - Free what a configuration holds
 * @conf:	Configuration, zeroed afterwards
 */
void lp_ctl_podman_conf_clear(LpCtlPodmanConf *conf)
{
	g_free(conf->forwarder);
	g_free(conf->forwarder_file);
	if (conf->dirs)
		g_ptr_array_unref(conf->dirs);
	g_free(conf->dirs_file);
	memset(conf, 0, sizeof(*conf));
}

/**
 * podman_conf_name_cmp() - Order file names for g_ptr_array_sort()
 * @a:		Pointer to a name
 * @b:		Pointer to a name
 *
 * Return: strcmp() of the names
 */
static int podman_conf_name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/**
 * podman_conf_add_dir() - Append the *.conf files of a drop-in directory
 * @files:	GPtrArray of paths
 * @dir:	Directory, need not exist
 */
static void podman_conf_add_dir(GPtrArray *files, const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	guint i;

	while (d && (name = g_dir_read_name(d))) {
		if (g_str_has_suffix(name, ".conf"))
			g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, podman_conf_name_cmp);
	for (i = 0; i < names->len; i++) {
		g_autofree char *p =
			g_build_filename(dir, names->pdata[i], NULL);

		if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(files, g_steal_pointer(&p));
	}
}

/**
 * podman_conf_add_level() - Append one level: top file and drop-ins
 * @files:	GPtrArray of paths
 * @dir:	Directory of the level (/usr/share/containers, ...)
 * @uid:	User; 0 adds no containers.rootless.conf.d
 */
static void podman_conf_add_level(GPtrArray *files, const char *dir, uid_t uid)
{
	g_autofree char *top = g_build_filename(dir, "containers.conf", NULL);
	g_autofree char *d = g_strconcat(top, ".d", NULL);
	g_autofree char *rl =
		g_build_filename(dir, "containers.rootless.conf.d", NULL);
	g_autofree char *rlu = g_strdup_printf("%s/%u", rl, (unsigned int)uid);

	if (g_file_test(top, G_FILE_TEST_IS_REGULAR))
		g_ptr_array_add(files, g_steal_pointer(&top));
	podman_conf_add_dir(files, d);
	if (uid) {
		podman_conf_add_dir(files, rl);
		podman_conf_add_dir(files, rlu);
	}
}

/**
 * lp_ctl_podman_conf_files() - The containers.conf files Podman reads
 * @share:	System defaults directory (/usr/share/containers)
 * @etc:	Admin directory (/etc/containers)
 * @user:	User directory ($XDG_CONFIG_HOME/containers), or NULL
 * @uid:	The user
 *
 * Return: GPtrArray of existing file paths, lowest precedence first
 */
GPtrArray *lp_ctl_podman_conf_files(const char *share, const char *etc,
				    const char *user, uid_t uid)
{
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);

	podman_conf_add_level(files, share, uid);
	podman_conf_add_level(files, etc, uid);
	if (user) {
		g_autofree char *top =
			g_build_filename(user, "containers.conf", NULL);
		g_autofree char *d = g_strconcat(top, ".d", NULL);

		if (g_file_test(top, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(files, g_steal_pointer(&top));
		podman_conf_add_dir(files, d);
	}
	return files;
}

/**
 * lp_ctl_podman_conf_default_files() - The files for the calling user,
 * with $CONTAINERS_CONF and $CONTAINERS_CONF_OVERRIDE
 *
 * Return: GPtrArray of paths, lowest precedence first
 */
GPtrArray *lp_ctl_podman_conf_default_files(void)
{
	const char *only = g_getenv("CONTAINERS_CONF");
	const char *over = g_getenv("CONTAINERS_CONF_OVERRIDE");
	g_autofree char *user =
		g_build_filename(g_get_user_config_dir(), "containers", NULL);
	GPtrArray *files;

	if (only && *only) {
		files = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(files, g_strdup(only));
	} else {
		files = lp_ctl_podman_conf_files("/usr/share/containers",
						 "/etc/containers", user,
						 getuid());
	}
	if (over && *over)
		g_ptr_array_add(files, g_strdup(over));
	return files;
}

/**
 * podman_conf_uncomment() - Cut a line at a '#' outside quotes
 * @line:	Line, changed in place
 */
static void podman_conf_uncomment(char *line)
{
	char quote = 0;
	char *p;

	for (p = line; *p; p++) {
		if (quote == '"' && *p == '\\' && p[1]) {
			p++;
		} else if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '#') {
			*p = '\0';
			return;
		}
	}
}

/**
 * podman_conf_open() - Tell whether an array value is still open
 * @v:		Value text so far
 *
 * Return: true if more '[' than ']' stand outside quotes
 */
static bool podman_conf_open(const char *v)
{
	char quote = 0;
	int depth = 0;

	for (; *v; v++) {
		if (quote == '"' && *v == '\\' && v[1])
			v++;
		else if (quote && *v == quote)
			quote = 0;
		else if (!quote && (*v == '"' || *v == '\''))
			quote = *v;
		else if (!quote && *v == '[')
			depth++;
		else if (!quote && *v == ']')
			depth--;
	}
	return depth > 0;
}

/**
 * podman_conf_string() - Read one TOML string
 * @p:		At its opening quote; moved past the closing one
 * @ret:	Newly allocated contents
 *
 * Return: true on success
 */
static bool podman_conf_string(const char **p, char **ret)
{
	char quote = **p;
	GString *s = g_string_new(NULL);
	const char *q;

	for (q = *p + 1; *q && *q != quote; q++) {
		if (quote == '"' && *q == '\\' && q[1])
			q++;
		g_string_append_c(s, *q);
	}
	if (*q != quote) {
		g_string_free(s, TRUE);
		return false;
	}
	*p = q + 1;
	*ret = g_string_free(s, FALSE);
	return true;
}

/**
 * podman_conf_array() - Read a TOML array of strings
 * @v:		Value text, '[' first
 * @ret_append:	Set if it ends in {append=true}
 *
 * Return: new GPtrArray of strings, NULL if it is not one
 */
static GPtrArray *podman_conf_array(const char *v, bool *ret_append)
{
	g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);
	const char *p = v + 1;

	*ret_append = false;
	for (;;) {
		char *s;

		while (g_ascii_isspace(*p) || *p == ',')
			p++;
		if (*p == ']')
			return g_steal_pointer(&a);
		if (*p == '{') {
			const char *end = strchr(p, '}');
			g_autofree char *t = NULL;

			if (!end)
				return NULL;
			t = g_strndup(p, end - p);
			*ret_append = strstr(t, "append") && strstr(t, "true");
			p = end + 1;
			continue;
		}
		if ((*p != '"' && *p != '\'') || !podman_conf_string(&p, &s) ||
		    a->len >= LP_CTL_PODMAN_CONF_DIRS_MAX)
			return NULL;
		g_ptr_array_add(a, s);
	}
}

/**
 * podman_conf_set() - Apply one key of a table
 * @conf:	Configuration
 * @path:	File, for the record and messages
 * @table:	Table name
 * @key:	Key
 * @v:		Value text
 * @error:	Set for a bad value of a key we read
 *
 * Return: TRUE on success
 */
static gboolean podman_conf_set(LpCtlPodmanConf *conf, const char *path,
				const char *table, const char *key,
				const char *v, GError **error)
{
	g_autoptr(GPtrArray) dirs = NULL;
	const char *p = v;
	bool append;
	char *s;
	guint i;

	if (!strcmp(table, "network") &&
	    !strcmp(key, "rootless_port_forwarder")) {
		if ((*p != '"' && *p != '\'') || !podman_conf_string(&p, &s))
			goto bad;
		g_free(conf->forwarder);
		conf->forwarder = s;
		g_free(conf->forwarder_file);
		conf->forwarder_file = g_strdup(path);
	} else if (!strcmp(table, "engine") &&
		   !strcmp(key, "helper_binaries_dir")) {
		if (*p != '[' || !(dirs = podman_conf_array(p, &append)))
			goto bad;
		if (!append || !conf->dirs) {
			g_clear_pointer(&conf->dirs, g_ptr_array_unref);
			conf->dirs = g_ptr_array_new_with_free_func(g_free);
		}
		for (i = 0; i < dirs->len &&
			    conf->dirs->len < LP_CTL_PODMAN_CONF_DIRS_MAX;
		     i++)
			g_ptr_array_add(conf->dirs, g_strdup(dirs->pdata[i]));
		g_free(conf->dirs_file);
		conf->dirs_file = g_strdup(path);
	}
	return TRUE;
bad:
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		    "%s: [%s] %s is not a %s", path, table, key,
		    *key == 'h' ? "list of directories" : "string");
	return FALSE;
}

/**
 * podman_conf_line() - Apply one logical line (a key or a table header)
 * @conf:	Configuration
 * @path:	File
 * @table:	Current table, replaced by a header
 * @line:	Line without its comment, arrays joined
 * @error:	Set for a bad value of a key we read
 *
 * Return: TRUE on success
 */
static gboolean podman_conf_line(LpCtlPodmanConf *conf, const char *path,
				 char **table, char *line, GError **error)
{
	char *eq, *key, *v;

	if (*line == '[') {
		char *end = strchr(line, ']');

		g_free(*table);
		*table = g_strstrip(
			g_strndup(line + 1, end ? end - line - 1 : 0));
		if (**table == '[')
			(*table)[0] = '\0'; /* [[array of tables]] */
		return TRUE;
	}
	eq = strchr(line, '=');
	if (!eq)
		return TRUE;
	*eq = '\0';
	key = g_strstrip(line);
	v = g_strstrip(eq + 1);
	return podman_conf_set(conf, path, *table, key, v, error);
}

/**
 * lp_ctl_podman_conf_parse() - Apply one containers.conf file
 * @conf:	Configuration so far; later settings override
 * @path:	File name, for the record and messages
 * @text:	Its contents
 * @error:	G_FILE_ERROR_INVAL for a bad value of a key we read
 *
 * Return: TRUE on success
 */
gboolean lp_ctl_podman_conf_parse(LpCtlPodmanConf *conf, const char *path,
				  const char *text, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autofree char *table = g_strdup("");
	guint i;

	for (i = 0; lines[i]; i++) {
		g_autoptr(GString) l = g_string_new(NULL);

		podman_conf_uncomment(lines[i]);
		g_string_append(l, g_strstrip(lines[i]));
		while (strchr(l->str, '=') && podman_conf_open(l->str) &&
		       lines[i + 1] && l->len < LP_CTL_PODMAN_CONF_VALUE_MAX) {
			i++;
			podman_conf_uncomment(lines[i]);
			g_string_append_c(l, ' ');
			g_string_append(l, g_strstrip(lines[i]));
		}
		if (l->len &&
		    !podman_conf_line(conf, path, &table, l->str, error))
			return FALSE;
	}
	return TRUE;
}

/**
 * lp_ctl_podman_conf_load() - Apply files in order
 * @conf:	Configuration, filled
 * @files:	GPtrArray of paths, lowest precedence first
 * @error:	The first file that cannot be read or has a bad value
 *
 * Return: TRUE if every file was applied
 */
gboolean lp_ctl_podman_conf_load(LpCtlPodmanConf *conf, const GPtrArray *files,
				 GError **error)
{
	guint i;

	for (i = 0; i < files->len; i++) {
		const char *path = files->pdata[i];
		g_autofree char *text = NULL;
		gsize len;

		if (!g_file_get_contents(path, &text, &len, error))
			return FALSE;
		if (len > LP_CTL_PODMAN_CONF_FILE_MAX || strlen(text) != len) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				    "%s: larger than %d bytes or not text",
				    path, LP_CTL_PODMAN_CONF_FILE_MAX);
			return FALSE;
		}
		if (!lp_ctl_podman_conf_parse(conf, path, text, error))
			return FALSE;
	}
	return TRUE;
}

/**
 * lp_ctl_podman_conf_bridge() - The helper that publishes bridge ports
 * @conf:	Configuration
 * @podman_major: Podman's major version, 0 if unknown
 *
 * Return: "pesto" if rootless_port_forwarder is "pasta" and Podman is 6 or
 *	   newer (or of unknown version), else "rootlessport"
 */
const char *lp_ctl_podman_conf_bridge(const LpCtlPodmanConf *conf,
				      unsigned int podman_major)
{
	if (conf->forwarder && !strcmp(conf->forwarder, "pasta") &&
	    (!podman_major || podman_major >= 6))
		return "pesto";
	return "rootlessport";
}

/**
 * podman_conf_exec() - Tell whether a path is an executable file
 * @path:	Path
 *
 * Return: true if it is a regular file we may execute
 */
static bool podman_conf_exec(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

/**
 * lp_ctl_podman_conf_pick() - The binary Podman runs for a helper
 * @conf:	Configuration (@dirs NULL: Podman's default directories)
 * @name:	"pasta", "rootlessport", "pesto"
 * @path_env:	$PATH to search after the directories (pasta), or NULL
 *
 * Return: newly allocated path, NULL if Podman finds none
 */
char *lp_ctl_podman_conf_pick(const LpCtlPodmanConf *conf, const char *name,
			      const char *path_env)
{
	static const char *const defaults[] = {LP_CORE_PODMAN_HELPER_DIRS};
	g_auto(GStrv) path = path_env ? g_strsplit(path_env, ":", -1) : NULL;
	guint i, n = conf->dirs ? conf->dirs->len : G_N_ELEMENTS(defaults);

	for (i = 0; i < n; i++) {
		const char *dir =
			conf->dirs ? conf->dirs->pdata[i] : defaults[i];
		g_autofree char *p = g_build_filename(dir, name, NULL);

		if (podman_conf_exec(p))
			return g_steal_pointer(&p);
	}
	for (i = 0; path && path[i]; i++) {
		g_autofree char *p = NULL;

		if (!*path[i])
			continue;
		p = g_build_filename(path[i], name, NULL);
		if (podman_conf_exec(p))
			return g_steal_pointer(&p);
	}
	return NULL;
}
