#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sysboot.sh - boot systemd as PID 1 in a throwaway Debian root, lowport's .deb
#
# The e2e sandbox (contrib/sandbox/sandbox.sh) runs lowportd by hand. This
# boots a real systemd instead, so lowport's package, units, hardening and
# socket activation run the way they do on a user's machine. The root is an
# overlay of three layers:
#   - the sandbox's cached root of one generation (sandbox.sh build;
#     $LOWPORT_SANDBOX_SUITE: trixie by default, forky or sid),
#   - a cached "boot" layer adding systemd (built once, in a chroot),
#   - a tmpfs that dies with the run.
# A second cached layer, "build", adds lowport's build dependencies to the
# same root: the .deb installed in the booted root is built there, against
# that generation's Debian release, with dpkg-buildpackage. Every layer and
# every built .deb is cached per generation; a source change rebuilds the
# .deb, not the layers.
#
# The e2e sandbox (sandbox.sh install-deb) installs the same .deb. Its
# sandbox has no network, so a third cached layer, "deps", holds what the
# .deb depends on (apt-get satisfy of its Depends:), and goes under the
# sandbox's own upper layer (sandbox.sh start RUNDIR LAYER).
#
# The booted system has its own PID, mount, network, cgroup (a fresh cgroup2
# mounted for it), UTS and IPC namespaces. Its network is a veth pair to a
# second namespace "outside" (documentation prefixes only), as in the e2e
# sandbox: 192.0.2.1 is the booted host, 192.0.2.2 the outside client.
#
# Usage (as root):
#   sysboot.sh layers              build or reuse the cached layers, print them
#   sysboot.sh deb OUTDIR [VERSION]
#                                  build lowport_*.deb from this source tree in
#                                  the build layer into OUTDIR (VERSION: a
#                                  Debian version to build instead of
#                                  debian/changelog's, e.g. for an upgrade)
#   sysboot.sh deps DEB            build or reuse the layer holding DEB's
#                                  dependencies, print its path
#   sysboot.sh start RUNDIR        boot (RUNDIR: an empty host directory)
#   sysboot.sh exec RUNDIR [-u USER] [-o] -- CMD...
#                                  run CMD inside (-u: as USER with runuser
#                                  and XDG_RUNTIME_DIR; -o: in "outside")
#   sysboot.sh stop RUNDIR         kill it, remove RUNDIR
#
# Environment: LOWPORT_SYSBOOT_CACHE (default /var/cache/lowport/sysboot),
# and sandbox.sh's LOWPORT_SANDBOX_* for the lower layer.
# Exit status 77: cannot be done here (no sandbox root, no mirror, not root).
#
# Copyright lowport authors

set -euo pipefail

# Bump when a layer's contents change in a way the package lists do not show.
LAYER_VERSION=1
BOOT_PACKAGES=(systemd systemd-sysv dbus strace)
# The build layer: what dpkg-buildpackage needs on every package, and
# debian/control's Build-Depends (build_depends), so that a new build
# dependency there (clang, libbpf-dev, bpftool for netutils/steer/) needs no
# edit here and rebuilds the layer
BUILD_TOOLS="build-essential, dpkg-dev"
# Units that must not run in the booted root: they would touch the
# machine's kernel settings or hardware, or only fail without them. Masked
# with links under /run (nothing in the cached layers changes).
MASK=(systemd-sysctl.service systemd-timesyncd.service
	systemd-random-seed.service systemd-pstore.service
	proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount
	systemd-binfmt.service tpm-udev.service tpm-udev.path
	console-getty.service getty@tty1.service systemd-udevd.service
	systemd-udev-trigger.service systemd-udev-settle.service
	systemd-udevd-control.socket systemd-udevd-kernel.socket
	systemd-hwdb-update.service systemd-modules-load.service
	modprobe@.service kmod-static-nodes.service
	systemd-networkd.service systemd-resolved.service
	systemd-firstboot.service systemd-machine-id-commit.service
	systemd-logind.service nginx.service
	apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer
	e2scrub_all.timer fstrim.timer man-db.timer systemd-tmpfiles-clean.timer
	podman-auto-update.timer podman-clean-transient.timer)
users=(alice:1000 carol:1002)
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
# shellcheck source=contrib/sandbox/rootfs.sh
. "$here/sandbox/rootfs.sh"
cache=${LOWPORT_SYSBOOT_CACHE:-/var/cache/lowport/sysboot}
suite=${LOWPORT_SANDBOX_SUITE:-trixie}

die() {
	echo "sysboot: $*" >&2
	exit 1
}

# base_root: the e2e sandbox's cached root of $suite (exit 77 passes through)
base_root() {
	local root rc=0
	root=$("$here/sandbox/sandbox.sh" build) || rc=$?
	[ $rc -eq 0 ] || exit $rc
	echo "$root"
}

# chroot_setup MERGED: proc, a few device nodes, run, tmp for apt in MERGED
# (called in a private mount namespace)
chroot_setup() {
	local m=$1 d
	mount -t proc proc "$m/proc"
	mount -t tmpfs -o mode=0755 sysboot-dev "$m/dev"
	for d in null zero full random urandom tty; do
		touch "$m/dev/$d"
		mount --bind "/dev/$d" "$m/dev/$d"
	done
	mount -t tmpfs sysboot-run "$m/run"
	mount -t tmpfs -o mode=1777 sysboot-tmp "$m/tmp"
}

# layer NAME PACKAGE...: print the upper dir of a cached layer over the
# sandbox root holding PACKAGEs, installing them in a chroot if needed
# (PACKAGE... may be "--satisfy DEPENDS": apt-get satisfy). Layers are per
# generation: SUITE-NAME-KEY (a cache shared with older trees, which clean
# up NAME-*, keeps them apart).
layer() {
	local name=$suite-$1 base key dir tmp t0
	shift
	base=$(base_root)
	key=$(printf '%s\n' "$LAYER_VERSION" "$base" "$@" | sha256sum | cut -c1-16)
	dir=$cache/$name-$key
	if [ -e "$dir.complete" ] && [ -d "$dir" ]; then
		echo "$dir"
		return 0
	fi
	mkdir -p "$cache"
	exec 8>"$cache/.lock-$name"
	flock -w 1200 8 || die "timed out waiting for another $name layer build"
	if [ ! -e "$dir.complete" ]; then
		tmp=$(mktemp -d "$cache/.$name.XXXXXX")
		mkdir "$tmp/upper" "$tmp/work" "$tmp/merged"
		echo "sysboot: building the $name layer (apt-get, a minute or two)" >&2
		t0=$SECONDS
		if ! timeout 1200 unshare --mount --pid --fork --propagation private \
			-- "$here/sysboot.sh" _layer "$base" "$tmp" "$@" >"$tmp.log" 2>&1; then
			tail -n 20 "$tmp.log" >&2
			rm -rf "$tmp" "$tmp.log"
			die "building the $name layer failed"
		fi
		rm -rf "$dir"
		mv "$tmp/upper" "$dir"
		rm -rf "$tmp" "$tmp.log"
		touch "$dir.complete"
		echo "sysboot: $name layer built in $((SECONDS - t0)) s" >&2
		for old in "$cache/$name"-*.complete; do
			[ "$old" = "$dir.complete" ] && continue
			rm -f "$old" && rm -rf "${old%.complete}"
		done
	fi
	exec 8>&-
	echo "$dir"
}

# cmd_layer_inner BASE TMP PACKAGE...: (private mount namespace) install
# PACKAGEs into an overlay whose upper dir is TMP/upper
cmd_layer_inner() {
	local base=$1 tmp=$2 m resolv
	shift 2
	m=$tmp/merged
	mount -t overlay sysboot-layer \
		-o "lowerdir=$base,upperdir=$tmp/upper,workdir=$tmp/work" "$m"
	chroot_setup "$m"
	resolv=$(cat "$m/etc/resolv.conf" 2>/dev/null || true)
	cp /etc/resolv.conf "$m/etc/resolv.conf"
	printf '#!/bin/sh\nexit 101\n' >"$m/usr/sbin/policy-rc.d"
	chmod 0755 "$m/usr/sbin/policy-rc.d"
	chroot "$m" env -i PATH="$path" apt-get update -qq
	if [ "$1" = --satisfy ]; then
		chroot "$m" env -i PATH="$path" DEBIAN_FRONTEND=noninteractive \
			apt-get satisfy -y -qq --no-install-recommends "$2"
	else
		chroot "$m" env -i PATH="$path" DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends "$@"
	fi
	chroot "$m" apt-get clean
	rm -rf "$m/var/lib/apt/lists/"* "$m/usr/sbin/policy-rc.d"
	printf '%s\n' "$resolv" >"$m/etc/resolv.conf"
}

# build_depends: debian/control's Build-Depends field on one line (its
# continuation lines joined; comment lines skipped)
build_depends() {
	awk '/^#/ { next }
		/^Build-Depends:/ { sub(/^Build-Depends:/, ""); on = 1; print; next }
		on && /^[ \t]/ { print; next }
		{ on = 0 }' "$top/debian/control" | tr -s ' \t\n' ' ' |
		sed 's/^ //; s/ $//'
}

# build_layer: build or reuse the build layer, print its path
build_layer() {
	local deps
	deps=$(build_depends)
	[ -n "$deps" ] || die "no Build-Depends in $top/debian/control"
	layer build --satisfy "$BUILD_TOOLS, $deps"
}

# cmd_layers: build or reuse both layers, print their paths
cmd_layers() {
	echo "base=$(base_root)"
	echo "boot=$(layer boot "${BOOT_PACKAGES[@]}")"
	echo "build=$(build_layer)"
}

# src_key: a hash of this source tree's files (tracked and untracked, not
# ignored) and of the build layer
src_key() {
	(
		cd "$top"
		git ls-files -co --exclude-standard -z | sort -z |
			xargs -0 sha256sum
		echo "$1"
	) | sha256sum | cut -c1-16
}

# cmd_deb OUTDIR [VERSION]: build the .deb in the build layer; a build of
# the same tree in the same layer is reused from the cache
cmd_deb() {
	local out=$1 version=${2:-} base build tmp key debs t0
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	base=$(base_root)
	build=$(build_layer)
	key=$(src_key "$build:$version")
	debs=$cache/$suite-debs-$key
	# One build per generation at a time (e2e suites may ask at once)
	exec 7>"$cache/.lock-debs-$suite"
	flock -w 1200 7 || die "timed out waiting for another .deb build"
	if [ -e "$debs.complete" ]; then
		cp "$debs"/lowport_*.deb "$out/"
		ls "$out"/lowport_*.deb
		return 0
	fi
	echo "sysboot: building lowport's .deb against $suite" \
		"(dpkg-buildpackage, a minute or two)" >&2
	t0=$SECONDS
	tmp=$(mktemp -d /tmp/lowport-sysboot-deb.XXXXXX)
	mkdir -p "$tmp/src/lowport"
	git -C "$top" ls-files -co --exclude-standard -z |
		(cd "$top" && xargs -0 cp --parents -t "$tmp/src/lowport")
	if ! unshare --mount --pid --fork --propagation private -- \
		"$here/sysboot.sh" _deb "$base" "$build" "$tmp" "$version" >"$tmp/log" 2>&1; then
		tail -n 30 "$tmp/log" >&2
		rm -rf "$tmp"
		die "dpkg-buildpackage in the build layer failed"
	fi
	rm -rf "$cache/$suite-debs-"*
	mkdir -p "$debs"
	cp "$tmp/src"/lowport_*.deb "$debs/"
	touch "$debs.complete"
	echo "sysboot: .deb for $suite built in $((SECONDS - t0)) s" >&2
	cp "$tmp/src"/lowport_*.deb "$out/"
	rm -rf "$tmp"
	ls "$out"/lowport_*.deb
}

# cmd_deb_inner BASE BUILD TMP VERSION: (private mount namespace) build
cmd_deb_inner() {
	local base=$1 build=$2 tmp=$3 version=$4 m
	mkdir "$tmp/upper" "$tmp/work" "$tmp/merged"
	m=$tmp/merged
	mount -t overlay sysboot-build \
		-o "lowerdir=$build:$base,upperdir=$tmp/upper,workdir=$tmp/work" "$m"
	chroot_setup "$m"
	mkdir -p "$m/build"
	mount --bind "$tmp/src" "$m/build"
	if [ -n "$version" ]; then
		sed -i "1s/(.*)/($version)/" "$tmp/src/lowport/debian/changelog"
	fi
	chroot "$m" env -i PATH="$path" HOME=/root sh -c \
		'cd /build/lowport && dpkg-buildpackage -us -uc -b -j2'
}

# cmd_deps DEB: build or reuse the layer over the sandbox root holding what
# DEB depends on (the sandbox has no network to fetch it), print its path
cmd_deps() {
	local depends
	[ -f "$1" ] || die "no such .deb: $1"
	depends=$(dpkg-deb -f "$1" Depends)
	layer deps --satisfy "$depends"
}

# sysboot_pid RUNDIR: host PID of the booted systemd
sysboot_pid() {
	local pid
	[ -s "$1/pid" ] || die "nothing booted in $1"
	pid=$(cat "$1/pid")
	[ -d "/proc/$pid" ] || die "the system in $1 (pid $pid) is not running"
	echo "$pid"
}

# dev_setup CONSOLE: a private /dev (contrib/sandbox/rootfs.sh); /dev/console
# is the run's console.log
dev_setup() {
	local console=$1
	rootfs_dev sysboot
	touch /dev/console
	mount --bind "$console" /dev/console
}

# net_setup: loopback, and a veth pair to the "outside" client namespace
net_setup() {
	ip link set lo up
	ip netns add outside
	ip link add lp-host type veth peer name lp-out netns outside
	ip addr add 192.0.2.1/24 dev lp-host
	ip -6 addr add 2001:db8:1::1/64 dev lp-host nodad
	ip link set lp-host up
	ip -n outside link set lo up
	ip -n outside addr add 192.0.2.2/24 dev lp-out
	ip -n outside -6 addr add 2001:db8:1::2/64 dev lp-out nodad
	ip -n outside link set lp-out up
	# pasta copies the host's default routes
	ip route add default via 192.0.2.2 dev lp-host
	ip -6 route add default via 2001:db8:1::2 dev lp-host
}

# users_setup: alice and carol, rootless Podman without a user session
users_setup() {
	local u name
	rootfs_users "${users[@]}"
	for u in "${users[@]}"; do
		name=${u%:*}
		mkdir -p "/home/$name/.config/containers"
		# No systemd --user, no delegated cgroup: what Podman needs
		# without a login session
		cat >"/home/$name/.config/containers/containers.conf" <<-'EOF'
			[containers]
			cgroups = "disabled"

			[engine]
			cgroup_manager = "cgroupfs"
			events_logger = "file"
		EOF
		chown -R "$name:$name" "/home/$name/.config"
	done
}

# cmd_stage1 RUNDIR LOWERS: PID 1 of the new namespaces, still on the host's
# root: overlay, pivot_root, mounts, network, users, then exec systemd
cmd_stage1() {
	local rundir=$1 lowers=$2 mnt hostpid u
	read -r hostpid _ </proc/self/stat
	mnt=$rundir/mnt
	mkdir -p "$mnt"
	mount -t tmpfs -o mode=0755 sysboot "$mnt"
	mkdir "$mnt/upper" "$mnt/work" "$mnt/merged"
	mount -t overlay sysboot \
		-o "lowerdir=$lowers,upperdir=$mnt/upper,workdir=$mnt/work" \
		"$mnt/merged"
	mkdir -p "$mnt/merged/.oldroot"
	cd "$mnt/merged"
	pivot_root . .oldroot
	cd /
	mount -t proc -o nosuid,nodev,noexec proc /proc
	mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
	mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
	# The BPF filesystem systemd mounts on a host (lowportd pins its
	# steering program there, contrib/systemd/lowportd.service.in); in a
	# container ($container set) systemd leaves it out. This one is the
	# booted system's own (its mount namespace only).
	mount -t bpf -o nosuid,nodev,noexec,mode=0700 bpf /sys/fs/bpf
	dev_setup "/.oldroot$rundir/console.log"
	mount -t tmpfs -o mode=0755,nosuid,nodev sysboot-run /run
	mount -t tmpfs -o mode=1777,nosuid,nodev sysboot-tmp /tmp
	# Podman's storage needs a file system that can be an overlay upper
	# layer; the root is itself an overlay
	mount -t tmpfs -o mode=0755,nosuid,nodev sysboot-home /home
	echo "$hostpid" >"/.oldroot$rundir/pid.tmp"
	mv "/.oldroot$rundir/pid.tmp" "/.oldroot$rundir/pid"
	umount -l /.oldroot
	rmdir /.oldroot
	mount --make-rshared /
	hostname lowport-sysboot
	net_setup
	users_setup
	mkdir -p /run/systemd/system
	for u in "${MASK[@]}"; do
		ln -sf /dev/null "/run/systemd/system/$u"
	done
	systemd-machine-id-setup >/dev/null 2>&1 || true
	exec env -i container=lowport-sysboot PATH="$path" \
		/lib/systemd/systemd --system --log-target=console
}

# cmd_start RUNDIR: boot in the background, wait until systemd is up
cmd_start() {
	local rundir=$1 base boot upid i state=""
	[ -d "$rundir" ] || die "$rundir is not a directory"
	rundir=$(cd "$rundir" && pwd)
	base=$(base_root)
	boot=$(layer boot "${BOOT_PACKAGES[@]}")
	rm -f "$rundir/pid"
	: >"$rundir/console.log"
	setsid unshare --net --mount --pid --cgroup --uts --ipc --fork \
		--propagation private --kill-child=SIGKILL -- \
		"$here/sysboot.sh" _stage1 "$rundir" "$boot:$base" \
		</dev/null >"$rundir/stage1.log" 2>&1 &
	upid=$!
	echo "$upid" >"$rundir/unshare.pid"
	for ((i = 0; i < 600; i++)); do
		if ! kill -0 "$upid" 2>/dev/null; then
			tail -n 30 "$rundir/stage1.log" "$rundir/console.log" >&2
			die "the system exited while booting"
		fi
		if [ -s "$rundir/pid" ]; then
			state=$(nsenter -t "$(cat "$rundir/pid")" -a -- \
				systemctl is-system-running 2>/dev/null || true)
			case $state in
			running | degraded) return 0 ;;
			esac
		fi
		sleep 0.1
	done
	tail -n 30 "$rundir/console.log" >&2
	die "systemd not up within 60 s (state: ${state:-none})"
}

# cmd_exec RUNDIR [-u USER] [-o] -- CMD...: run CMD in the booted system
cmd_exec() {
	local rundir=$1 user="" outside=0 pid uid pre=()
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		-u) user=$2 && shift 2 ;;
		-o) outside=1 && shift ;;
		--) shift && break ;;
		*) break ;;
		esac
	done
	pid=$(sysboot_pid "$rundir")
	[ $outside -eq 1 ] && pre=(ip netns exec outside)
	if [ -z "$user" ]; then
		exec nsenter -t "$pid" -a -- env -i PATH="$path" HOME=/root \
			"${pre[@]}" "$@"
	fi
	uid=$(nsenter -t "$pid" -a -- id -u "$user")
	# A hand-made /run/user/UID: a login session would remove it on
	# logout, out from under Podman
	nsenter -t "$pid" -a -- install -d -m 0700 -o "$uid" -g "$uid" \
		"/run/user/$uid"
	exec nsenter -t "$pid" -a -- env -i PATH="$path" "${pre[@]}" \
		runuser -u "$user" -- env XDG_RUNTIME_DIR="/run/user/$uid" \
		HOME="/home/$user" sh -c 'cd "$HOME" && exec "$@"' sh "$@"
}

# cmd_stop RUNDIR: kill the booted system and remove RUNDIR
cmd_stop() {
	rootfs_stop "$1"
}

[ $# -ge 1 ] || die "usage: sysboot.sh layers|deb|deps|start|exec|stop ..."
if [ "$(id -u)" -ne 0 ]; then
	echo "sysboot: needs root" >&2
	exit 77
fi
cmd=$1
shift
case $cmd in
layers) cmd_layers ;;
deb) cmd_deb "$@" ;;
deps) cmd_deps "$@" ;;
start) cmd_start "$@" ;;
exec) cmd_exec "$@" ;;
stop) cmd_stop "$@" ;;
_layer) cmd_layer_inner "$@" ;;
_deb) cmd_deb_inner "$@" ;;
_stage1) cmd_stage1 "$@" ;;
*) die "unknown command '$cmd'" ;;
esac
