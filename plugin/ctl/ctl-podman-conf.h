/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl-podman-conf.h - lowportctl check: which port forwarder and which
 * helper binaries Podman picks, from its containers.conf files
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CTL_PODMAN_CONF_H
#define LOWPORT_CTL_PODMAN_CONF_H

#include <stdbool.h>
#include <sys/types.h>

#include <glib.h>

/* Largest containers.conf file read, and longest value kept */
#define LP_CTL_PODMAN_CONF_FILE_MAX  (1024 * 1024)
#define LP_CTL_PODMAN_CONF_VALUE_MAX 65536
/* Most entries of helper_binaries_dir kept */
#define LP_CTL_PODMAN_CONF_DIRS_MAX 64

/*
 * LpCtlPodmanConf - the two settings of containers.conf that decide which
 * helpers publish ports
 * @forwarder:		[network] rootless_port_forwarder, NULL if unset
 * @forwarder_file:	File that set it last
 * @dirs:		[engine] helper_binaries_dir (char *), NULL if unset
 * @dirs_file:		File that set it last
 */
typedef struct {
	char *forwarder;
	char *forwarder_file;
	GPtrArray *dirs;
	char *dirs_file;
} LpCtlPodmanConf;

void lp_ctl_podman_conf_clear(LpCtlPodmanConf *conf);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LpCtlPodmanConf, lp_ctl_podman_conf_clear)
GPtrArray *lp_ctl_podman_conf_files(const char *share, const char *etc,
				    const char *user, uid_t uid);
GPtrArray *lp_ctl_podman_conf_default_files(void);
gboolean lp_ctl_podman_conf_parse(LpCtlPodmanConf *conf, const char *path,
				  const char *text, GError **error);
gboolean lp_ctl_podman_conf_load(LpCtlPodmanConf *conf, const GPtrArray *files,
				 GError **error);
const char *lp_ctl_podman_conf_bridge(const LpCtlPodmanConf *conf,
				      unsigned int podman_major);
char *lp_ctl_podman_conf_pick(const LpCtlPodmanConf *conf, const char *name,
			      const char *path_env);

#endif /* LOWPORT_CTL_PODMAN_CONF_H */
