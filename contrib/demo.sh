#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# demo.sh - lowport in five minutes: a rootless `podman run -p 80:80` on port 80
#
# Run as root on a Debian 12 (or newer) / Ubuntu machine:  sudo contrib/demo.sh
#
# It installs what it needs with apt-get (mmdebstrap), builds (or reuses,
# from /var/cache/lowport/sandbox) a small Debian trixie system with rootless
# Podman 5 and pasta, builds lowport's .deb against that release (in a cached
# build layer over it, contrib/sysboot.sh), and installs the .deb in the
# sandbox with dpkg, as a user would. In that sandbox, which has its own
# network namespace, it starts lowportd the way its unit does (user lowportd,
# two capabilities), and user alice runs `podman run -d -p 80:80`. The demo prints the page served on port 80,
# the lease lowportctl lists, the nftables rules, then stops the container
# and shows the lease gone. The host's own network configuration is never
# changed; everything lives in namespaces that end with the demo.
#
# Environment: the LOWPORT_SANDBOX_* variables of contrib/sandbox/sandbox.sh.
#
# Copyright lowport authors

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$top/contrib/sandbox/sandbox.sh
# The .deb is built inside the sandbox's root (contrib/sysboot.sh), not with
# the host's tools: git lists the source files to build from.
deps=(git python3 mmdebstrap debian-archive-keyring util-linux curl
	ca-certificates)
rundir=
pkgdir=

if [ -t 1 ]; then
	bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'
else
	bold='' dim='' off=''
fi

section() {
	printf '\n%s==> %s%s\n' "$bold" "$*" "$off"
}

# show PROMPT CMD...: print a command the way a user would type it
show() {
	local prompt=$1 a line=
	shift
	for a in "$@"; do
		case $a in
		*[[:space:]]*) line+=" '$a'" ;;
		*) line+=" $a" ;;
		esac
	done
	printf '%s%s%s%s\n' "$dim" "$prompt" "$off" "$line"
}

# as USER CMD...: run CMD in the sandbox as USER (root: no -u)
as() {
	local user=$1
	shift
	if [ "$user" = root ]; then
		show 'root#' "$@"
		"$sandbox" exec "$rundir" -- "$@"
	else
		show "$user\$" "$@"
		"$sandbox" exec "$rundir" -u "$user" -- "$@"
	fi
}

# outside CMD...: run CMD in the outside client's namespace
outside() {
	show 'client$' "$@"
	"$sandbox" exec "$rundir" -o -- "$@"
}

# wait_no_leases: pasta exits just after `podman stop`; wait (at most 5 s)
# until lowportd has ended its lease
wait_no_leases() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$("$sandbox" exec "$rundir" -- lowportctl list --json |
			tr -d ' \n')" = "[]" ] && return 0
		sleep 0.1
	done
}

cleanup() {
	if [ -n "$rundir" ]; then
		"$sandbox" stop "$rundir" || true
	fi
	if [ -n "$pkgdir" ]; then
		rm -rf "$pkgdir"
	fi
}

install_deps() {
	local p missing=()
	for p in "${deps[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "all present"
		return 0
	fi
	command -v apt-get >/dev/null ||
		{ echo "demo: missing ${missing[*]}; no apt-get" >&2 && exit 1; }
	echo "installing: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

main() {
	[ "$(id -u)" -eq 0 ] || { echo "demo: run me as root" >&2 && exit 1; }
	trap cleanup EXIT

	section "1. Build dependencies (apt-get, only what is missing)"
	install_deps

	section "2. Sandbox: Debian trixie with rootless Podman 5 + pasta"
	echo "root file system: $("$sandbox" build)"

	section "3. lowport's .deb, built against the sandbox's Debian release"
	pkgdir=$(mktemp -d /var/tmp/lowport-demo-deb.XXXXXX)
	eval "$("$sandbox" package "$pkgdir")"
	echo "package: ${DEB##*/}"
	rundir=$(mktemp -d /var/tmp/lowport-demo.XXXXXX)
	"$sandbox" start "$rundir" "$LAYER"
	show 'root#' dpkg -i "${DEB##*/}"
	"$sandbox" install-deb "$rundir" "$DEB"
	cat "$rundir/install.log"
	"$sandbox" image "$rundir"
	# shellcheck disable=SC2016 # for dpkg-query, not the shell
	"$sandbox" exec "$rundir" -- sh -c 'podman --version;
		dpkg-query -W -f "pasta (passt) \${Version}\n" passt'
	echo "users: alice and bob (group lowport), carol; an outside client" \
		"at 192.0.2.2 reaches this host at 192.0.2.1"

	section "4. The policy and the helper"
	as root cat /etc/lowport/lowport.conf
	"$sandbox" exec "$rundir" -- \
		/usr/local/libexec/lowport-sandbox/inside.sh lowportd start
	as root ps -o user,pid,args -C lowportd
	as root lowportctl status

	section "5. alice publishes port 80 from a rootless container"
	as alice podman run -d --name web -p 80:80 localhost/lowport-e2e
	as alice podman ps --format '{{.Names}}  {{.Ports}}  {{.Status}}'

	section "6. The page on port 80"
	as root curl -sS --max-time 5 http://127.0.0.1:80/
	outside curl -sS --max-time 5 http://192.0.2.1:80/
	outside curl -sS --max-time 5 http://192.0.2.1:80/cgi-bin/peer
	echo "(the container sees the client's real address)"

	section "7. The lease: port 80/tcp steered onto pasta's own socket"
	as root lowportctl list
	as root lowportctl check | grep 'data path' || true
	echo "(no NAT and no conntrack: lowport's table has no nat chain while" \
		"every lease is steered)"
	as root nft list table inet lowport

	section "8. carol is not granted port 80: Podman says why"
	as carol podman run -d -p 80:80 localhost/lowport-e2e || true

	section "9. alice stops the container: the lease is gone"
	as alice podman stop -t 2 web
	wait_no_leases
	as root lowportctl list
	as root curl -sS --max-time 3 http://127.0.0.1:80/ || true

	section "Done"
	echo "Everything ran in namespaces that end now; the host's network" \
		"was not changed."
}

main "$@"
