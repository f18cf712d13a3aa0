#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sandbox.sh - a throwaway Debian system with rootless Podman (5.4, 5.8 or 6.x)
#
# The end-to-end tests and contrib/demo.sh run lowport against a real Podman
# inside this sandbox. It is a set of namespaces (network, mount, PID) whose
# root is an overlay: the lower layer is a cached Debian root file system
# built with mmdebstrap, the upper layer a tmpfs that dies with the sandbox,
# so runs never change the cache. Nothing here touches the host's network:
# the sandbox has its own network namespace, and its "outside client" is a
# second namespace joined to it by a veth pair (documentation prefixes only).
#
# Three Podman generations can be built, each cached in a root of its own:
#   trixie   Debian 13: Podman 5.4, pasta 2025-05, netavark 1.14
#   forky    Debian testing: Podman 5.8, pasta 2026-10 (with pesto)
#   sid      Debian unstable with podman and netavark from experimental:
#            Podman 6.1, netavark 2.0
#
# Usage (as root):
#   sandbox.sh build                   build or reuse the cached root, print its path
#   sandbox.sh start RUNDIR [LAYER...] start a sandbox (RUNDIR: an empty host dir;
#                                      LAYERs: cached upper dirs over the root,
#                                      e.g. contrib/sysboot.sh deps DEB)
#   sandbox.sh package OUTDIR          build (or reuse) lowport's .deb for this
#                                      generation into OUTDIR and the layer of
#                                      its dependencies; print DEB= and LAYER=
#   sandbox.sh install-deb RUNDIR DEB  install the .deb with dpkg (maintainer
#                                      scripts run), as a user would
#   sandbox.sh install RUNDIR BUILDDIR meson install a lowport build into it
#                                      (quick iteration without a .deb)
#   sandbox.sh image RUNDIR [FILE...]  import the busybox test image for every user
#                                      (FILEs are added to the image's /bin)
#   sandbox.sh exec RUNDIR [-u USER] [-o] -- CMD...
#                                      run CMD inside (-u: as USER, -o: in the
#                                      outside-client namespace)
#   sandbox.sh stop RUNDIR             kill the sandbox, remove RUNDIR
#
# Environment:
#   LOWPORT_SANDBOX_CACHE   cache directory (default /var/cache/lowport/sandbox)
#   LOWPORT_SANDBOX_MIRROR  Debian mirror (default http://deb.debian.org/debian)
#   LOWPORT_SANDBOX_SUITE   Podman generation: trixie (default), forky or sid
#
# Exit status 77 from "build" means the sandbox cannot be built here (no
# mmdebstrap, no route to the mirror): test harnesses report it as a skip.
#
# Copyright lowport authors

set -euo pipefail

# Bump when the root file system's contents change in a way the package
# list does not show (the cache key includes it).
SANDBOX_VERSION=2
# aardvark-dns, podman-compose, docker-compose: bridge networks, compose;
# dnsmasq: a DNS server for egress tests. libbpf1, which lowportd links for
# its BPF steering, comes with iproute2 (the .deb's Depends: name it too, for
# the deps layer of contrib/sysboot.sh); bpftool is only needed to build.
PACKAGES=(podman passt netavark aardvark-dns crun conmon uidmap nftables
	iproute2 curl busybox-static catatonit util-linux passwd iperf3
	podman-compose docker-compose dnsmasq procps
	libglib2.0-0t64 libjson-glib-1.0-0 libnftnl11 libmnl0 libsystemd0)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=contrib/sandbox/rootfs.sh
. "$here/rootfs.sh"
cache=${LOWPORT_SANDBOX_CACHE:-/var/cache/lowport/sandbox}
mirror=${LOWPORT_SANDBOX_MIRROR:-http://deb.debian.org/debian}
suite=${LOWPORT_SANDBOX_SUITE:-trixie}
inside=/usr/local/libexec/lowport-sandbox/inside.sh

die() {
	echo "sandbox: $*" >&2
	exit 1
}

skip() {
	echo "sandbox: $*" >&2
	exit 77
}

# generation: set the Debian suites, extra packages and apt options of
# $suite (the generation's name)
generation() {
	suites=("$suite")
	extra=()
	aptopts=()
	case $suite in
	trixie) ;;
	forky) aptopts=('Acquire::Check-Valid-Until "false"') ;;
	sid)
		# Podman 6 and netavark 2 are in experimental only.
		suites=(sid experimental)
		extra=(podman/experimental netavark/experimental)
		aptopts=('Acquire::Check-Valid-Until "false"')
		;;
	*) die "unknown generation '$suite' (trixie, forky or sid)" ;;
	esac
}

# cache_key: a short hash of everything that defines the root file system
cache_key() {
	printf '%s\n' "$SANDBOX_VERSION" "$suite" "${suites[@]}" "$mirror" \
		"$(dpkg --print-architecture 2>/dev/null || uname -m)" \
		"${PACKAGES[@]}" "${extra[@]}" "${aptopts[@]}" |
		sha256sum | cut -c1-16
}

# mirror_reachable: can we fetch each suite's Release file? (bounded)
mirror_reachable() {
	local s url
	for s in "${suites[@]}"; do
		url=$mirror/dists/$s/Release
		if command -v curl >/dev/null; then
			curl -fsS -o /dev/null --max-time 20 "$url" 2>/dev/null
		elif command -v wget >/dev/null; then
			timeout 20 wget -q -O /dev/null "$url"
		else
			timeout 20 python3 -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=15).read()' "$url" 2>/dev/null
		fi || return 1
	done
}

# mmdebstrap_root DIR LOG: build the generation's root into DIR
mmdebstrap_root() {
	local args=(--variant=minbase --mode=root) s o
	for o in "${aptopts[@]}"; do
		args+=("--aptopt=$o")
	done
	args+=("--include=$(
		IFS=,
		echo "${PACKAGES[*]}${extra[*]:+,${extra[*]}}"
	)")
	# The first suite is the root's; the others are extra sources.
	args+=("${suites[0]}" "$1")
	for s in "${suites[@]}"; do
		args+=("deb $mirror $s main")
	done
	timeout 1200 mmdebstrap "${args[@]}" >"$2" 2>&1
}

# cmd_build: print the path of a complete cached root, building it if needed
cmd_build() {
	local key root tmp t0
	key=$(cache_key)
	root=$cache/rootfs-$suite-$key
	if [ -e "$root.complete" ] && [ -d "$root" ]; then
		echo "$root"
		return 0
	fi
	command -v mmdebstrap >/dev/null ||
		skip "mmdebstrap is not installed (apt-get install mmdebstrap)"
	mirror_reachable || skip "cannot reach $mirror/dists/{${suites[*]}}/Release"
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock -w 1200 9 || die "timed out waiting for another build"
	if [ -e "$root.complete" ] && [ -d "$root" ]; then
		echo "$root"
		return 0
	fi
	tmp=$(mktemp -d "$cache/.build.XXXXXX")
	echo "sandbox: building $suite root (mmdebstrap, 1-3 minutes) in $root" >&2
	t0=$SECONDS
	if ! mmdebstrap_root "$tmp/root" "$tmp/log"; then
		tail -n 20 "$tmp/log" >&2
		rm -rf "$tmp"
		die "mmdebstrap failed"
	fi
	rm -rf "$root" "$root.complete"
	mv "$tmp/root" "$root"
	rm -rf "$tmp"
	touch "$root.complete"
	echo "sandbox: $suite root built in $((SECONDS - t0)) s" >&2
	# Older roots of this generation are stale: their key no longer
	# matches. Other generations' roots stay.
	for old in "$cache/rootfs-$suite-"*.complete; do
		[ "$old" = "$root.complete" ] && continue
		rm -f "$old" && rm -rf "${old%.complete}"
	done
	echo "$root"
}

# sandbox_pid RUNDIR: host PID of the sandbox's init (its PID 1)
sandbox_pid() {
	local pid
	[ -s "$1/pid" ] || die "no sandbox in $1"
	pid=$(cat "$1/pid")
	[ -d "/proc/$pid" ] || die "sandbox in $1 (pid $pid) is not running"
	echo "$pid"
}

# cmd_stage1 RUNDIR LOWERS: runs as PID 1 of the new namespaces, still on
# the host's root; builds the overlay (LOWERS: its lowerdir= list), pivots
# into it and execs inside.sh init
cmd_stage1() {
	local rundir=$1 root=$2 mnt hostpid
	# /proc is still the host's: this is our PID as the host sees it.
	read -r hostpid _ </proc/self/stat
	mnt=$rundir/mnt
	mkdir -p "$mnt"
	mount -t tmpfs -o mode=0755 lowport-sandbox "$mnt"
	mkdir "$mnt/upper" "$mnt/work" "$mnt/merged"
	mount -t overlay lowport-sandbox \
		-o "lowerdir=$root,upperdir=$mnt/upper,workdir=$mnt/work" \
		"$mnt/merged"
	install -D -m 0755 "$here/inside.sh" "$mnt/merged$inside"
	install -m 0644 "$here/rootfs.sh" "$mnt/merged${inside%/*}/rootfs.sh"
	mkdir -p "$mnt/merged/.oldroot"
	cd "$mnt/merged"
	pivot_root . .oldroot
	cd /
	echo "$hostpid" >"/.oldroot$rundir/pid.tmp"
	mv "/.oldroot$rundir/pid.tmp" "/.oldroot$rundir/pid"
	exec "$inside" init
}

# cmd_start RUNDIR [LAYER...]: start a sandbox in the background (LAYERs
# over the cached root, the first one on top), wait until it is ready
cmd_start() {
	local rundir=$1 root upid i layer
	shift
	[ -d "$rundir" ] || die "$rundir is not a directory"
	rundir=$(cd "$rundir" && pwd)
	root=$(cmd_build)
	for layer in "$@"; do
		[ -d "$layer" ] || die "no such layer: $layer"
		root=$layer:$root
	done
	rm -f "$rundir/pid"
	setsid unshare --net --mount --pid --fork --propagation private \
		--kill-child=SIGKILL -- "$here/sandbox.sh" _stage1 "$rundir" \
		"$root" </dev/null >"$rundir/console.log" 2>&1 &
	upid=$!
	echo "$upid" >"$rundir/unshare.pid"
	for ((i = 0; i < 1200; i++)); do
		if ! kill -0 "$upid" 2>/dev/null; then
			tail -n 30 "$rundir/console.log" >&2
			die "sandbox exited during setup"
		fi
		if [ -s "$rundir/pid" ] &&
			nsenter -t "$(cat "$rundir/pid")" -m -- \
				test -e /run/lowport-sandbox/ready 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	tail -n 30 "$rundir/console.log" >&2
	kill -KILL "$upid" 2>/dev/null || true
	die "sandbox not ready within 120 s"
}

# cmd_exec RUNDIR [-u USER] [-o] -- CMD...: run CMD in the sandbox
cmd_exec() {
	local rundir=$1 pid
	shift
	pid=$(sandbox_pid "$rundir")
	exec nsenter -t "$pid" -m -n -p -- "$inside" run "$@"
}

# cmd_install RUNDIR BUILDDIR: meson install BUILDDIR into the sandbox
cmd_install() {
	local rundir=$1 builddir=$2 pid dest
	pid=$(sandbox_pid "$rundir")
	dest=/proc/$pid/root
	meson install -C "$builddir" --no-rebuild --destdir "$dest" \
		>"$rundir/install.log" 2>&1 || {
		tail -n 20 "$rundir/install.log" >&2
		die "meson install failed"
	}
	# Where did things go? (the build's prefix decides)
	meson introspect "$builddir" --installed | python3 -c '
import json, os, sys
for src, dst in json.load(sys.stdin).items():
    name = os.path.basename(dst)
    key = {"lowportd": "LOWPORTD", "lowportctl": "LOWPORTCTL",
           "pasta": "PASTA_SHIM", "50-lowport.conf": "DROPIN"}.get(name)
    if key:
        print(f"{key}={dst}")
' >"$dest/etc/lowport-sandbox.paths"
	nsenter -t "$pid" -m -n -p -- "$inside" installed
}

# cmd_package OUTDIR: lowport's .deb for this generation (built in
# contrib/sysboot.sh's build layer, against the generation's own Debian
# release) and the cached layer holding its dependencies
cmd_package() {
	local deb layer
	deb=$("$here/../sysboot.sh" deb "$1" | tail -n 1)
	layer=$("$here/../sysboot.sh" deps "$deb")
	echo "DEB=$deb"
	echo "LAYER=$layer"
}

# cmd_install_deb RUNDIR DEB: install the .deb with dpkg inside (its
# maintainer scripts run there), then the sandbox's policy
cmd_install_deb() {
	local rundir=$1 deb=$2 pid dir
	pid=$(sandbox_pid "$rundir")
	[ -f "$deb" ] || die "no such .deb: $deb"
	dir=/proc/$pid/root/run/lowport-sandbox
	cp "$deb" "$dir/lowport.deb"
	nsenter -t "$pid" -m -n -p -- "$inside" installdeb \
		/run/lowport-sandbox/lowport.deb >"$rundir/install.log" 2>&1 || {
		tail -n 20 "$rundir/install.log" >&2
		die "installing $(basename "$deb") failed"
	}
}

# cmd_image RUNDIR [FILE...]: copy FILEs in, build and import the test image
cmd_image() {
	local rundir=$1 pid dir f
	shift
	pid=$(sandbox_pid "$rundir")
	dir=/proc/$pid/root/run/lowport-sandbox/image-extra
	mkdir -p "$dir"
	for f in "$@"; do
		install -m 0755 "$f" "$dir/"
	done
	nsenter -t "$pid" -m -n -p -- "$inside" image
}

# cmd_stop RUNDIR: kill the sandbox and remove RUNDIR (rootfs.sh)
cmd_stop() {
	rootfs_stop "$1"
}

[ $# -ge 1 ] || die "usage: sandbox.sh build|start|package|install-deb|install|image|exec|stop ..."
[ "$(id -u)" -eq 0 ] || skip "needs root"
generation
cmd=$1
shift
case $cmd in
build) cmd_build ;;
start) cmd_start "$@" ;;
package) cmd_package "$@" ;;
install-deb) cmd_install_deb "$@" ;;
install) cmd_install "$@" ;;
image) cmd_image "$@" ;;
exec) cmd_exec "$@" ;;
stop) cmd_stop "$@" ;;
_stage1) cmd_stage1 "$@" ;;
*) die "unknown command '$cmd'" ;;
esac
