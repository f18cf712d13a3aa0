#!/bin/sh
# install-sysusers.sh - create lowport's group, user and state directory
# Usage (meson install script): install-sysusers.sh SYSUSERS_CONF TMPFILES_CONF
#
# On "meson install" onto the running system (no DESTDIR) this does what a
# package's scripts do: systemd-sysusers creates the group lowport and the
# user lowportd that lowportd.service runs as, systemd-tmpfiles the state
# directory. Installs into a DESTDIR (package builds, staging) skip it.
set -eu
[ -z "${DESTDIR:-}" ] || exit 0
if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers "$1"
else
	echo "lowport: no systemd-sysusers; create the group lowport and the" \
		"system user lowportd yourself (see $1)" >&2
fi
if command -v systemd-tmpfiles >/dev/null 2>&1; then
	systemd-tmpfiles --create "$2" || true
fi
