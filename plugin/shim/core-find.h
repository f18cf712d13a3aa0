/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core-find.h - shim core: find the real helper a front stands in for
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_CORE_FIND_H
#define LOWPORT_CORE_FIND_H

#include <stdbool.h>
#include <sys/types.h>

#include <glib.h>

#include "netutils/policy.h"

/* Podman's default engine.helper_binaries_dir on Linux, in order */
#define LP_CORE_PODMAN_HELPER_DIRS                                             \
	"/usr/local/libexec/podman", "/usr/local/lib/podman",                  \
		"/usr/libexec/podman", "/usr/lib/podman"

/* Real helper binary, overriding the policy and the search: + NAME in caps */
#define LP_CORE_ENV_REAL_PREFIX "LOWPORT_REAL_"
/* Policy file read for [lowport] real-NAME, default LOWPORT_POLICY_PATH */
#define LP_CORE_ENV_POLICY "LOWPORT_POLICY"
/*
 * "DEV:INO,..." of lowport shims already on this exec chain: a copy of the
 * shim earlier in the search path must not send us back to ourselves
 */
#define LP_CORE_ENV_SEEN "LOWPORT_SHIM_SEEN"

/*
 * LpCoreFileId - identity of an executable (stat() of it, symlinks followed)
 */
typedef struct {
	dev_t dev;
	ino_t ino;
} LpCoreFileId;

/*
 * LpCoreHelper - the real helper a front stands in for
 * @name:	Binary name: "pasta", "rootlessport", "pesto"
 * @package:	What to install when it is missing, for the message
 * @search_path: Look in $PATH after Podman's helper directories (Podman
 *		finds pasta there; rootlessport and pesto only in
 *		helper_binaries_dir)
 * @policy_key:	Key in the policy's [lowport] naming it, e.g. "real-pasta"
 * @policy_path: Reads that key from a loaded policy (NULL if unset)
 */
typedef struct {
	const char *name;
	const char *package;
	bool search_path;
	const char *policy_key;
	const char *(*policy_path)(const LpPolicy *policy);
} LpCoreHelper;

GArray *lp_core_find_self_ids(void);
char *lp_core_find_seen_env(const GArray *ids);
char *lp_core_find_env_name(const LpCoreHelper *helper);
char *lp_core_find_search(const char *name, const char *const *dirs,
			  const char *path_env, const GArray *skip);
char *lp_core_find_real(const LpCoreHelper *helper, const GArray *self,
			GError **error);

#endif /* LOWPORT_CORE_FIND_H */
