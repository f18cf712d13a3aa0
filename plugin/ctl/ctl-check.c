// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl-check.c - lowportctl check: is this host and user set up for lowport
 *
 * Copyright lowport authors
 *
 * One line per finding on stdout: "ok", "FAIL" (with a "fix:" line after
 * it), "warn" (cannot tell, not counted as a failure) or "info". Checks:
 * ip_unprivileged_port_start, lowportd and its table, the policy's grants
 * for the calling user, the shim and the Podman drop-in, which pasta Podman
 * really runs (podman info), the Podman and pasta versions, which helper
 * publishes bridge-network ports and whether Podman picks lowport's shim
 * for pasta, rootlessport and pesto (containers.conf, ctl-podman-conf.c),
 * and whether lowportd's user can read firewalld.conf.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib.h>

#include "netutils/client.h"
#include "ctl/ctl-check.h"
#include "ctl/ctl-podman-conf.h"
#include "ctl/ctl.h"
#include "netutils/policy.h"
#include "netutils/procfs.h"
#include "netutils/protocol.h"

#define CTL_CHECK_SHIM		 LOWPORT_PKGLIBEXECDIR "/pasta"
#define CTL_CHECK_DROPIN	 "/etc/containers/containers.conf.d/50-lowport.conf"
#define CTL_CHECK_FIREWALLD_DIR	 "/etc/firewalld"
#define CTL_CHECK_FIREWALLD_CONF CTL_CHECK_FIREWALLD_DIR "/firewalld.conf"
/* The user lowportd.service runs as (contrib/sysusers.d/lowport.conf) */
#define CTL_CHECK_DAEMON_USER "lowportd"

/* Most supplementary groups looked at */
#define CTL_CHECK_GROUPS_MAX 65536

typedef enum {
	CHECK_OK,
	CHECK_FAIL,
	CHECK_WARN,
	CHECK_INFO,
} CheckLevel;

/**
 * check_line() - Print one finding, and its fix for a failure
 * @level:	What kind of finding
 * @fix:	How to fix a failure, or NULL
 * @fmt:	What was found, printf() style
 * @...:	Arguments for @fmt
 *
 * Return: FALSE for CHECK_FAIL, TRUE otherwise
 */
static gboolean G_GNUC_PRINTF(3, 4)
	check_line(CheckLevel level, const char *fix, const char *fmt, ...)
{
	static const char *const names[] = {"ok", "FAIL", "warn", "info"};
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	printf("%-6s%s\n", names[level], msg);
	if (fix)
		printf("      fix: %s\n", fix);
	return level != CHECK_FAIL;
}

/*
 * CheckRun - a command run with a time bound
 * @loop:	Loop waiting for it
 * @cancel:	Cancels the communication on timeout
 * @out:	Its stdout, once done
 * @err:	Its stderr, once done
 * @error:	Why communication failed
 * @done:	It finished
 */
typedef struct {
	GMainLoop *loop;
	GCancellable *cancel;
	char *out;
	char *err;
	GError *error;
	gboolean done;
} CheckRun;

/**
 * check_run_done() - GAsyncReadyCallback of the communication
 * @source:	The GSubprocess
 * @res:	Result
 * @data:	CheckRun
 */
static void check_run_done(GObject *source, GAsyncResult *res, gpointer data)
{
	CheckRun *r = data;

	g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), res, &r->out,
					     &r->err, &r->error);
	r->done = TRUE;
	g_main_loop_quit(r->loop);
}

/**
 * check_run_timeout() - GSourceFunc: give up waiting
 * @data:	CheckRun
 *
 * Return: G_SOURCE_REMOVE
 */
static gboolean check_run_timeout(gpointer data)
{
	CheckRun *r = data;

	g_main_loop_quit(r->loop);
	return G_SOURCE_REMOVE;
}

/**
 * check_run() - Run a command, capture its output, bounded in time
 * @argv:	Command
 * @timeout_ms:	Bound; the command is killed after it
 * @ret_out:	Its stdout (g_free() it)
 * @ret_err:	Its stderr (g_free() it)
 * @error:	G_SPAWN_ERROR if it could not start, G_IO_ERROR_TIMED_OUT, or
 *		G_SPAWN_EXIT_ERROR if it exited non-zero
 *
 * Return: TRUE if it ran and exited 0
 */
static gboolean check_run(const char *const *argv, unsigned int timeout_ms,
			  char **ret_out, char **ret_err, GError **error)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GSource) timer = g_timeout_source_new(timeout_ms);
	CheckRun r = {0};

	p = g_subprocess_newv(argv,
			      G_SUBPROCESS_FLAGS_STDOUT_PIPE |
				      G_SUBPROCESS_FLAGS_STDERR_PIPE |
				      G_SUBPROCESS_FLAGS_STDIN_INHERIT,
			      error);
	if (!p)
		return FALSE;
	g_main_context_push_thread_default(ctx);
	r.loop = g_main_loop_new(ctx, FALSE);
	g_source_set_callback(timer, check_run_timeout, &r, NULL);
	g_source_attach(timer, ctx);
	r.cancel = g_cancellable_new();
	g_subprocess_communicate_utf8_async(p, NULL, r.cancel, check_run_done,
					    &r);
	g_main_loop_run(r.loop);
	if (!r.done) {
		/* children of the command may keep its pipes open */
		g_cancellable_cancel(r.cancel);
		g_subprocess_force_exit(p);
		while (!r.done) /* let the cancelled read finish */
			g_main_context_iteration(ctx, TRUE);
		g_clear_error(&r.error);
		g_set_error(&r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
			    "'%s' did not finish within %u s", argv[0],
			    timeout_ms / 1000);
	}
	g_source_destroy(timer);
	g_main_loop_unref(r.loop);
	g_object_unref(r.cancel);
	g_main_context_pop_thread_default(ctx);
	*ret_out = r.out ? g_steal_pointer(&r.out) : g_strdup("");
	*ret_err = r.err ? g_steal_pointer(&r.err) : g_strdup("");
	if (r.error) {
		g_propagate_error(error, r.error);
		return FALSE;
	}
	return g_spawn_check_wait_status(g_subprocess_get_status(p), error);
}

/**
 * first_line() - First line of a text, trimmed and bounded
 * @text:	Text, may be NULL
 *
 * Return: the line (g_free() it), "" if none
 */
static char *first_line(const char *text)
{
	g_autofree char *line = NULL;

	if (!text)
		return g_strdup("");
	line = g_strndup(text, strcspn(text, "\n"));
	if (strlen(line) > 200)
		line[200] = '\0';
	return g_strdup(g_strstrip(line));
}

/**
 * check_unpriv() - Report net.ipv4.ip_unprivileged_port_start
 */
static void check_unpriv(void)
{
	unsigned int start;

	if (lp_procfs_unpriv_start(&start) < 0) {
		check_line(CHECK_WARN, NULL,
			   "cannot read net.ipv4.ip_unprivileged_port_start");
		return;
	}
	if (!start) {
		check_line(CHECK_INFO, NULL,
			   "net.ipv4.ip_unprivileged_port_start = 0: every "
			   "port is unprivileged here, lowport is not needed");
		return;
	}
	check_line(CHECK_INFO, NULL,
		   "net.ipv4.ip_unprivileged_port_start = %u: host ports below "
		   "%u go through lowport",
		   start, start);
}

/**
 * check_datapath() - Which data path lowportd gives TCP leases now, and why
 * @st:		Status reply
 *
 * A lowportd that predates the status's "datapath" member only has NAT.
 * Control characters of the reason are printed as '?'.
 */
static void check_datapath(const LpStatus *st)
{
	g_autofree char *reason = g_strdup(st->datapath_reason);
	char *p;

	for (p = reason; p && *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	if (st->datapath < 0)
		check_line(CHECK_INFO, NULL,
			   "data path: nat (lowportd %s does not report its "
			   "data path: it has no BPF steering)",
			   st->version);
	else if (st->datapath == LP_DATAPATH_STEER)
		check_line(CHECK_INFO, NULL, "data path: steer (%s)",
			   reason && *reason ? reason : "BPF sk_lookup");
	else
		check_line(CHECK_INFO, NULL, "data path: nat%s%s",
			   reason && *reason ? ": " : "", reason ? reason : "");
}

/**
 * check_helper() - Is lowportd reachable, and does its table exist
 * @ctl:	Invocation
 *
 * Return: FALSE if a check failed
 */
static gboolean check_helper(const LpCtl *ctl)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpReply) reply = lp_ctl_call(ctl, LP_OP_STATUS, NULL, &error);

	if (!reply) {
		/* the client's messages say how to start lowportd */
		if (g_error_matches(error, LP_CLIENT_ERROR,
				    LP_CLIENT_ERROR_NOT_RUNNING))
			check_line(CHECK_FAIL, NULL, "%s", error->message);
		else
			check_line(CHECK_FAIL,
				   "see 'systemctl status lowportd.service' "
				   "and 'journalctl -u lowportd.service'",
				   "lowportd: %s", error->message);
		check_line(CHECK_INFO, NULL,
			   "data path: decided by lowportd when it starts "
			   "(BPF steering or NAT, by the policy's datapath "
			   "setting and what the kernel allows)");
		return FALSE;
	}
	check_line(CHECK_OK, NULL,
		   "lowportd %s answers on %s (%u leases of yours)",
		   reply->status.version, ctl->socket_path,
		   reply->status.leases);
	check_datapath(&reply->status);
	if (reply->status.table_present)
		return check_line(CHECK_OK, NULL,
				  "table inet lowport is present");
	return check_line(CHECK_FAIL,
			  "restart lowportd (systemctl restart "
			  "lowportd.service); it builds its table at start",
			  "table inet lowport is missing");
}

/**
 * check_policy_load_failed() - Explain why the policy could not be read
 * @path:	Policy file
 * @error:	Error from lp_policy_load()
 *
 * Return: FALSE if it is a failure, TRUE for a mere warning
 */
static gboolean check_policy_load_failed(const char *path, const GError *error)
{
	g_autofree char *fix = NULL;

	if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_ACCES)) {
		return check_line(CHECK_WARN, NULL,
				  "policy %s is not readable by you: cannot "
				  "tell which ports you may publish (lowportd "
				  "can read it; it holds no secrets, mode 0644 "
				  "is fine)",
				  path);
	}
	if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		fix = g_strdup_printf("create %s (lowport installs a default "
				      "granting ports 80 and 443 to group "
				      "lowport)",
				      path);
		return check_line(CHECK_FAIL, fix, "no policy at %s", path);
	}
	fix = g_strdup_printf("correct %s; lowportd does not start with it",
			      path);
	return check_line(CHECK_FAIL, fix, "policy: %s", error->message);
}

/**
 * check_policy() - What the policy grants the calling user
 *
 * Return: FALSE if a check failed
 */
static gboolean check_policy(void)
{
	const char *env = g_getenv("LOWPORT_POLICY");
	const char *path = env && *env ? env : LOWPORT_POLICY_PATH;
	g_autofree gid_t *groups = g_new0(gid_t, CTL_CHECK_GROUPS_MAX);
	g_autoptr(GError) error = NULL;
	g_autoptr(LpPolicy) policy = lp_policy_load(path, &error);
	g_autofree char *text = NULL, *fix = NULL;
	g_auto(GStrv) lines = NULL;
	LpCred cred = {getuid(), getgid(), groups, 0};
	int n = getgroups(CTL_CHECK_GROUPS_MAX, groups);
	guint i;

	if (!policy)
		return check_policy_load_failed(path, error);
	cred.n_groups = n > 0 ? (size_t)n : 0;
	text = lp_policy_describe(policy, &cred);
	if (!text) {
		fix = g_strdup_printf(
			"ask the administrator to grant you ports "
			"in %s, e.g. add you to group lowport "
			"(usermod -aG lowport %s; log in again)",
			path, g_get_user_name());
		return check_line(CHECK_FAIL, fix,
				  "the policy grants you (%s, uid %u) no ports",
				  g_get_user_name(), (unsigned int)getuid());
	}
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i]; i++)
		check_line(CHECK_OK, NULL, "policy grants you %s", lines[i]);
	return TRUE;
}

/**
 * check_file() - Check an installed file
 * @path:	File
 * @what:	What it is
 * @mode:	access() mode it needs
 * @fix:	How to fix its absence
 *
 * Return: FALSE if missing
 */
static gboolean check_file(const char *path, const char *what, int mode,
			   const char *fix)
{
	if (!access(path, mode))
		return check_line(CHECK_OK, NULL, "%s: %s", what, path);
	return check_line(CHECK_FAIL, fix, "%s: %s: %s", what, path,
			  g_strerror(errno));
}

/**
 * user_may() - May a user, by a file's mode bits, access it?
 * @pw:		The user (its primary group only)
 * @st:		The file
 * @bit:	Access wanted, as the "other" bit (S_IROTH, S_IXOTH)
 *
 * Return: TRUE if the owner, group or other bits allow it
 */
static gboolean user_may(const struct passwd *pw, const struct stat *st,
			 mode_t bit)
{
	if (st->st_uid == pw->pw_uid)
		return !!(st->st_mode & (bit << 6));
	if (st->st_gid == pw->pw_gid)
		return !!(st->st_mode & (bit << 3));
	return !!(st->st_mode & bit);
}

/**
 * check_firewalld() - Can lowportd's user read firewalld.conf?
 *
 * lowportd checks StrictForwardPorts there; where /etc/firewalld is root's
 * only (0750 on Fedora and SUSE) it cannot, and assumes it off.
 */
static void check_firewalld(void)
{
	const struct passwd *pw = getpwnam(CTL_CHECK_DAEMON_USER);
	struct stat d, f;

	if (stat(CTL_CHECK_FIREWALLD_DIR, &d) < 0 || !pw || !pw->pw_uid)
		return;
	if (user_may(pw, &d, S_IXOTH) &&
	    (stat(CTL_CHECK_FIREWALLD_CONF, &f) < 0 ||
	     user_may(pw, &f, S_IROTH)))
		return;
	check_line(CHECK_WARN, NULL,
		   "firewalld: user %s cannot read %s (%s is %04o, owner "
		   "uid %u): lowportd cannot check StrictForwardPorts and "
		   "assumes it off; with StrictForwardPorts=yes firewalld "
		   "drops forwarded traffic (see lowportd(8))",
		   CTL_CHECK_DAEMON_USER, CTL_CHECK_FIREWALLD_CONF,
		   CTL_CHECK_FIREWALLD_DIR, (unsigned int)(d.st_mode & 07777),
		   (unsigned int)d.st_uid);
}

/**
 * same_file() - Tell whether two paths name the same file
 * @a:	Path
 * @b:	Path
 *
 * Return: TRUE if both exist and have the same st_dev and st_ino
 */
static gboolean same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/**
 * check_podman_pasta() - Does Podman run lowport's shim as its pasta
 *
 * Return: FALSE if a check failed
 */
static gboolean check_podman_pasta(void)
{
	const char *const argv[] = {"podman", "info", "--format",
				    "{{.Host.Pasta.Executable}}", NULL};
	const char *fix =
		"install " CTL_CHECK_DROPIN " (helper_binaries_dir "
		"with " LOWPORT_PKGLIBEXECDIR " first); a "
		"helper_binaries_dir set later (containers.rootless"
		".conf, ~/.config/containers/containers.conf) "
		"replaces it and must list " LOWPORT_PKGLIBEXECDIR " first too";
	g_autofree char *out = NULL, *err = NULL, *exe = NULL;
	g_autoptr(GError) error = NULL;

	if (!check_run(argv, LP_CTL_CHECK_PODMAN_TIMEOUT_MS, &out, &err,
		       &error)) {
		g_autofree char *why = first_line(err);

		return check_line(CHECK_FAIL, NULL,
				  "podman info failed: %s%s%s", error->message,
				  *why ? ": " : "", why);
	}
	exe = first_line(out);
	if (!*exe)
		return check_line(CHECK_FAIL, fix,
				  "Podman finds no pasta at all");
	if (same_file(exe, CTL_CHECK_SHIM))
		return check_line(CHECK_OK, NULL,
				  "Podman runs lowport's pasta shim (%s)", exe);
	return check_line(CHECK_FAIL, fix,
			  "Podman runs %s as pasta, not lowport's shim %s", exe,
			  CTL_CHECK_SHIM);
}

/**
 * check_helper_pick() - Does Podman pick lowport's shim for one helper
 * @conf:	Podman's configuration
 * @name:	"pasta", "rootlessport" or "pesto"
 * @used:	Podman uses this helper here (pasta; the bridge forwarder)
 *
 * Return: FALSE if a check failed (a helper in use that is not the shim,
 *	   when lowport installed one)
 */
static gboolean check_helper_pick(const LpCtlPodmanConf *conf, const char *name,
				  bool used)
{
	g_autofree char *shim =
		g_build_filename(LOWPORT_PKGLIBEXECDIR, name, NULL);
	g_autofree char *pick = lp_ctl_podman_conf_pick(
		conf, name, strcmp(name, "pasta") ? NULL : g_getenv("PATH"));
	g_autofree char *fix = NULL;
	bool installed = access(shim, X_OK) == 0;

	if (conf->dirs_file)
		fix = g_strdup_printf("list %s first in [engine] "
				      "helper_binaries_dir (set last by %s)",
				      LOWPORT_PKGLIBEXECDIR, conf->dirs_file);
	else
		fix = g_strdup_printf("install " CTL_CHECK_DROPIN
				      " (helper_binaries_dir with %s first)",
				      LOWPORT_PKGLIBEXECDIR);
	if (pick && same_file(pick, shim))
		return check_line(CHECK_OK, NULL,
				  "Podman picks lowport's %s shim (%s)", name,
				  pick);
	if (!installed)
		return check_line(CHECK_INFO, NULL,
				  "Podman picks %s for %s; lowport has no %s "
				  "shim installed",
				  pick ? pick : "nothing", name, name);
	return check_line(used ? CHECK_FAIL : CHECK_WARN, fix,
			  "Podman picks %s for %s, not lowport's shim %s%s",
			  pick ? pick : "nothing", name, shim,
			  used ? "" : " (not used by this configuration)");
}

/**
 * check_bridge() - Which forwarder Podman uses for bridge networks, and
 * whether it and pasta are lowport's shims
 * @major:	Podman's major version, 0 if unknown
 *
 * Return: FALSE if a check failed
 */
static gboolean check_bridge(unsigned int major)
{
	g_autoptr(GPtrArray) files = lp_ctl_podman_conf_default_files();
	g_auto(LpCtlPodmanConf) conf = {0};
	g_autoptr(GError) error = NULL;
	const char *bridge;
	gboolean ok = TRUE;

	if (!lp_ctl_podman_conf_load(&conf, files, &error))
		return check_line(CHECK_FAIL, NULL, "containers.conf: %s",
				  error->message);
	bridge = lp_ctl_podman_conf_bridge(&conf, major);
	if (conf.forwarder && !strcmp(conf.forwarder, "pasta") &&
	    !strcmp(bridge, "rootlessport"))
		check_line(CHECK_WARN, NULL,
			   "rootless_port_forwarder = \"pasta\" (%s) needs "
			   "Podman 6; this Podman uses rootlessport",
			   conf.forwarder_file);
	check_line(CHECK_INFO, NULL,
		   "bridge networks: Podman publishes ports with %s "
		   "([network] rootless_port_forwarder %s%s%s%s)",
		   bridge, conf.forwarder ? "= \"" : "unset",
		   conf.forwarder ? conf.forwarder : "",
		   conf.forwarder ? "\" in " : "",
		   conf.forwarder ? conf.forwarder_file : "");
	ok &= check_helper_pick(&conf, "pasta", true);
	ok &= check_helper_pick(&conf, "rootlessport",
				!strcmp(bridge, "rootlessport"));
	ok &= check_helper_pick(&conf, "pesto", !strcmp(bridge, "pesto"));
	return ok;
}

/**
 * check_podman() - Podman's version and its choice of pasta
 *
 * Return: FALSE if a check failed
 */
static gboolean check_podman(void)
{
	const char *const argv[] = {"podman", "--version", NULL};
	g_autofree char *out = NULL, *err = NULL, *line = NULL;
	g_autoptr(GError) error = NULL;
	unsigned int major = 0;

	if (!check_run(argv, LP_CTL_CHECK_VERSION_TIMEOUT_MS, &out, &err,
		       &error)) {
		if (g_error_matches(error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
			return check_line(CHECK_FAIL,
					  "install Podman 5 (lowport serves "
					  "its pasta network)",
					  "podman is not installed (not in "
					  "$PATH)");
		return check_line(CHECK_FAIL, NULL, "podman --version: %s",
				  error->message);
	}
	line = first_line(out);
	check_line(CHECK_INFO, NULL, "%s", line);
	if (sscanf(line, "podman version %u", &major) == 1 && major < 5)
		check_line(CHECK_WARN, NULL,
			   "lowport is made for Podman 5 (pasta by default); "
			   "older versions need --network pasta");
	return check_bridge(major) & check_podman_pasta();
}

/**
 * check_pasta() - The real pasta's version, as the shim finds it
 *
 * The shim passes --version through to the real pasta it would run.
 *
 * Return: FALSE if a check failed
 */
static gboolean check_pasta(void)
{
	const char *const argv[] = {CTL_CHECK_SHIM, "--version", NULL};
	g_autofree char *out = NULL, *err = NULL, *line = NULL;
	g_autofree char *why = NULL, *fix = NULL;
	g_autoptr(GError) error = NULL;

	if (check_run(argv, LP_CTL_CHECK_VERSION_TIMEOUT_MS, &out, &err,
		      &error)) {
		line = first_line(*out ? out : err);
		return check_line(CHECK_INFO, NULL, "real pasta: %s", line);
	}
	why = first_line(*err ? err : out);
	fix = g_strdup_printf("install passt (it provides pasta), or set "
			      "real-pasta in [lowport] of %s",
			      LOWPORT_POLICY_PATH);
	return check_line(CHECK_FAIL, fix, "real pasta: %s",
			  *why ? why : error->message);
}

/**
 * lp_ctl_check_host() - "lowportctl check": can this user publish low ports
 * @ctl:	Invocation
 * @error:	LP_CTL_USAGE_ERROR/LP_CTL_CHECK_FAILED if any check failed
 *		(already printed)
 *
 * Return: TRUE if no check failed
 */
gboolean lp_ctl_check_host(const LpCtl *ctl, GError **error)
{
	gboolean ok = TRUE;

	check_unpriv();
	ok &= check_helper(ctl);
	ok &= check_policy();
	ok &= check_file(CTL_CHECK_SHIM, "pasta shim", X_OK,
			 "install lowport (meson install)");
	ok &= check_file(CTL_CHECK_DROPIN, "Podman drop-in", R_OK,
			 "install lowport (meson install) or copy "
			 "contrib/containers.conf.d/50-lowport.conf there");
	if (access(CTL_CHECK_SHIM, X_OK) == 0)
		ok &= check_pasta();
	ok &= check_podman();
	check_firewalld();
	fflush(stdout);
	if (!ok)
		g_set_error(error, LP_CTL_USAGE_ERROR, LP_CTL_CHECK_FAILED,
			    "some checks failed");
	return ok;
}
