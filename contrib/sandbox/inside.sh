#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# inside.sh - the sandbox's side of sandbox.sh: setup, users, image, lowportd
#
# Installed into the sandbox as /usr/local/libexec/lowport-sandbox/inside.sh
# and only ever run there (sandbox.sh enters the namespaces first).
#
#   inside.sh init               PID 1: mounts, network, users, Podman config
#   inside.sh run [-u USER] [-o] -- CMD...
#                                run CMD with a clean environment (-u: as USER,
#                                with XDG_RUNTIME_DIR; -o: in the outside netns)
#   inside.sh installed          finish a meson install: drop-in, test policy
#   inside.sh installdeb DEB     install lowport's .deb (dpkg), test policy
#   inside.sh image              build and import the busybox test image
#   inside.sh policy             write the test policy again (undo a test's
#                                edit; lowportd reads it on SIGHUP)
#   inside.sh lowportd start|stop|kill9|pid
#   inside.sh versions           package versions of the Podman stack
#
# Copyright lowport authors

set -euo pipefail

state=/run/lowport-sandbox
users=(alice:1000 bob:1001 carol:1002)
image=localhost/lowport-e2e:latest
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Sandbox addresses (documentation prefixes): sandbox host, outside client
host_if=lp-host
out_if=lp-out
host4=192.0.2.1
out4=192.0.2.2
host6=2001:db8:1::1
out6=2001:db8:1::2

die() {
	echo "inside: $*" >&2
	exit 1
}

# shellcheck source=contrib/sandbox/rootfs.sh
. "$(dirname "${BASH_SOURCE[0]}")/rootfs.sh"

# dev_setup: a private /dev (rootfs.sh)
dev_setup() {
	rootfs_dev lowport
}

# fs_setup: fresh proc, sysfs, cgroup2, tmpfs; drop the host's root
fs_setup() {
	mount -t proc -o nosuid,nodev,noexec proc /proc
	mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
	mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
	# The sandbox's own BPF filesystem (this mount namespace only), as
	# systemd mounts one on a host: lowportd pins its steering program there
	mount -t bpf -o mode=0700 bpf /sys/fs/bpf
	dev_setup
	mount -t tmpfs -o mode=0755,nosuid,nodev lowport-run /run
	mount -t tmpfs -o mode=1777,nosuid,nodev lowport-tmp /tmp
	# Podman's storage wants a file system that can be an overlay upper
	# layer; the sandbox's root is itself an overlay, so give it tmpfs.
	mount -t tmpfs -o mode=0755,nosuid,nodev lowport-home /home
	umount -l /.oldroot
	rmdir /.oldroot
	mount --make-rshared /
	mkdir -p "$state"
}

# net_setup: loopback, and a veth pair to the "outside" client namespace
net_setup() {
	ip link set lo up
	ip netns add outside
	ip link add "$host_if" type veth peer name "$out_if" netns outside
	ip addr add "$host4/24" dev "$host_if"
	ip -6 addr add "$host6/64" dev "$host_if" nodad
	ip link set "$host_if" up
	ip -n outside link set lo up
	ip -n outside addr add "$out4/24" dev "$out_if"
	ip -n outside -6 addr add "$out6/64" dev "$out_if" nodad
	ip -n outside link set "$out_if" up
	# pasta copies the host's default routes; without an IPv6 one it
	# leaves IPv6 off in the container.
	ip route add default via "$out4" dev "$host_if"
	ip -6 route add default via "$out6" dev "$host_if"
}

# podman_conf USER HOME: rootless Podman settings that work without systemd
podman_conf() {
	mkdir -p "$2/.config/containers"
	cat >"$2/.config/containers/containers.conf" <<-'EOF'
		# lowport sandbox: no systemd, no cgroup delegation
		[containers]
		cgroups = "disabled"

		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
	EOF
	chown -R "$1:$1" "$2/.config"
}

# users_setup: alice, bob and carol, with subordinate ids (alice and bob
# join the group lowport once lowport is installed: grant_users)
users_setup() {
	local u name uid
	rootfs_users "${users[@]}"
	for u in "${users[@]}"; do
		name=${u%:*}
		uid=${u#*:}
		install -d -m 0700 -o "$uid" -g "$uid" "/run/user/$uid"
		podman_conf "$name" "/home/$name"
	done
}

# grant_users: alice and bob join the group lowport (the sandbox policy's)
grant_users() {
	usermod -aG lowport alice
	usermod -aG lowport bob
}

# sandbox_policy: the policy the tests expect, in place of the default
sandbox_policy() {
	mkdir -p /etc/lowport
	cat >/etc/lowport/lowport.conf <<-'EOF'
		# lowport sandbox policy: alice and bob (group lowport) may
		# publish these ports; carol is granted nothing.
		[allow sandbox]
		groups = lowport
		ports = 80, 443, 53, 1020-1030
		protocols = tcp, udp
		max-forwards = 64
	EOF
}

cmd_init() {
	[ $$ -eq 1 ] || die "init must be PID 1 of the sandbox"
	fs_setup
	net_setup
	users_setup
	# (pasta --version prints nothing into a pipe: it exits unflushed)
	echo "lowport sandbox ready: $(podman --version), passt" \
		"$(dpkg-query -W -f '${Version}' passt)"
	touch "$state/ready"
	# Reap orphans (daemonized pasta, conmon) like a real init.
	exec catatonit -P
}

# cmd_run [-u USER] [-o] -- CMD...
cmd_run() {
	local user="" outside=0 uid home pre=()
	while [ $# -gt 0 ]; do
		case $1 in
		-u) user=$2 && shift 2 ;;
		-o) outside=1 && shift ;;
		--) shift && break ;;
		*) break ;;
		esac
	done
	[ $# -gt 0 ] || die "run: no command"
	[ $outside -eq 1 ] && pre=(ip netns exec outside)
	if [ -z "$user" ]; then
		exec "${pre[@]}" env -i PATH="$path" HOME=/root USER=root \
			LOGNAME=root TERM="${TERM:-dumb}" "$@"
	fi
	uid=$(id -u "$user")
	home=$(getent passwd "$user" | cut -d: -f6)
	# shellcheck disable=SC2016 # expanded by the inner sh
	exec "${pre[@]}" setpriv --reuid="$uid" --regid="$(id -g "$user")" \
		--init-groups env -i PATH="$path" HOME="$home" USER="$user" \
		LOGNAME="$user" XDG_RUNTIME_DIR="/run/user/$uid" \
		TERM="${TERM:-dumb}" sh -c 'cd "$HOME" && exec "$@"' sh "$@"
}

# cmd_installed: after "meson install": Podman drop-in and the test policy
cmd_installed() {
	local d=/etc/containers/containers.conf.d
	# shellcheck source=/dev/null
	. /etc/lowport-sandbox.paths
	[ -x "${LOWPORTD:-}" ] || die "lowportd was not installed"
	[ -x "${LOWPORTCTL:-}" ] || die "lowportctl was not installed"
	"$LOWPORTD" --help >/dev/null || die "lowportd does not run here"
	command -v lowportctl >/dev/null ||
		ln -s "$LOWPORTCTL" /usr/local/bin/lowportctl
	# A prefix other than /usr puts the drop-in under PREFIX/etc, where
	# Podman does not look.
	if [ -n "${DROPIN:-}" ] && [ "$DROPIN" != "$d/50-lowport.conf" ]; then
		install -D -m 0644 "$DROPIN" "$d/50-lowport.conf"
	elif [ -z "${DROPIN:-}" ] && [ -n "${PASTA_SHIM:-}" ]; then
		echo "inside: the build installs no 50-lowport.conf;" \
			"writing one for ${PASTA_SHIM%/*}" >&2
		mkdir -p "$d"
		cat >"$d/50-lowport.conf" <<-EOF
			[engine]
			helper_binaries_dir = ["${PASTA_SHIM%/*}", "/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/libexec/podman", "/usr/lib/podman"]
		EOF
	fi
	# A meson install creates no users: lowportd runs as root
	getent group lowport >/dev/null || groupadd --system lowport
	grant_users
	sandbox_policy
}

# cmd_installdeb DEB: install lowport's .deb as a user would (dpkg runs the
# maintainer scripts: sysusers creates the group lowport and the user
# lowportd, tmpfiles the state directory), check what it set up, then the
# sandbox policy (an edit of the conffile) and the paths lowportd start uses
cmd_installdeb() {
	local f
	DEBIAN_FRONTEND=noninteractive dpkg -i "$1" || die "dpkg -i failed"
	getent group lowport >/dev/null ||
		die "the package created no group lowport"
	getent passwd lowportd >/dev/null ||
		die "the package created no user lowportd"
	dpkg-query -W -f '${Conffiles}\n' lowport |
		grep -q ' /etc/lowport/lowport.conf ' ||
		die "/etc/lowport/lowport.conf is not a conffile"
	{
		echo "INSTALL=deb"
		echo "LOWPORTD_USER=lowportd"
		dpkg -L lowport | while read -r f; do
			[ -f "$f" ] || continue
			case ${f##*/} in
			lowportd) echo "LOWPORTD=$f" ;;
			lowportctl) echo "LOWPORTCTL=$f" ;;
			pasta) echo "PASTA_SHIM=$f" ;;
			50-lowport.conf) echo "DROPIN=$f" ;;
			esac
		done
	} >/etc/lowport-sandbox.paths
	# shellcheck source=/dev/null
	. /etc/lowport-sandbox.paths
	"$LOWPORTD" --help >/dev/null || die "lowportd does not run here"
	grant_users
	sandbox_policy
}

# image_serve: the image's entry point; HTTP on TCP ports, echo on UDP
image_serve() {
	cat <<-'EOF'
		#!/bin/sh
		# serve [PORT|FIRST-LAST|udp:PORT]... - what the test image runs
		trap 'exit 0' TERM INT
		[ $# -gt 0 ] || set -- 80 443 udp:5353
		web() {
			mkdir -p /www/$1
			echo "lowport-e2e page from $(hostname) port $1" \
				>/www/$1/index.html
			ln -sfn /www/cgi-bin /www/$1/cgi-bin
			httpd -f -p $1 -h /www/$1 &
		}
		for spec; do
			case $spec in
			udp:*) udp-echo ${spec#udp:} & ;;
			*-*) for p in $(seq ${spec%-*} ${spec#*-}); do web $p; done ;;
			*) web $spec ;;
			esac
		done
		wait
	EOF
}

# cmd_image: a busybox image (httpd, nc, a peer-address CGI) for every user
cmd_image() {
	local d=$state/image a u
	rm -rf "$d"
	mkdir -p "$d/bin" "$d/www/cgi-bin" "$d/tmp" "$d/etc" "$d/proc" \
		"$d/sys" "$d/dev" "$d/run"
	chmod 1777 "$d/tmp"
	cp /usr/bin/busybox "$d/bin/busybox"
	for a in sh httpd nc cat echo sleep hostname seq mkdir ln ls ps \
		wget kill true false env id; do
		ln -s busybox "$d/bin/$a"
	done
	if [ -d "$state/image-extra" ]; then
		cp -a "$state/image-extra/." "$d/bin/"
	fi
	image_serve >"$d/bin/serve"
	cat >"$d/www/cgi-bin/peer" <<-'EOF'
		#!/bin/sh
		printf 'Content-Type: text/plain\r\n\r\npeer %s\n' "$REMOTE_ADDR"
	EOF
	chmod 0755 "$d/bin/serve" "$d/www/cgi-bin/peer"
	echo "root:x:0:0:root:/:/bin/sh" >"$d/etc/passwd"
	echo "root:x:0:" >"$d/etc/group"
	tar -C "$d" --owner=0 --group=0 -cf "$state/image.tar" .
	chmod 0644 "$state/image.tar"
	for u in "${users[@]}"; do
		cmd_run -u "${u%:*}" -- podman import --quiet \
			--change 'CMD ["/bin/serve"]' "$state/image.tar" \
			"$image" >/dev/null &
	done
	wait_all "image import"
}

# wait_all WHAT: wait for every background job, fail if any failed
wait_all() {
	local pid rc=0
	for pid in $(jobs -p); do
		wait "$pid" || rc=1
	done
	[ $rc -eq 0 ] || die "$1 failed"
}

# lowportd_paths: source the installed paths
lowportd_paths() {
	# shellcheck source=/dev/null
	. /etc/lowport-sandbox.paths
}

# lowportd_spawn: start lowportd in the background ($! is its PID). As
# root after a meson install; after the .deb, the way its unit
# (contrib/systemd/lowportd.service.in) runs it, as far as a sandbox
# without systemd can: User=lowportd with only CAP_NET_ADMIN,
# CAP_NET_BIND_SERVICE and CAP_BPF (ambient, bounding set),
# NoNewPrivileges=, UMask=0077, RuntimeDirectory= owned by lowportd, its
# pin directory /sys/fs/bpf/lowport bound to /run/lowport/bpf. The socket
# is lowportd's own (--socket) instead of the socket unit's.
lowportd_spawn() {
	local caps=+net_admin,+net_bind_service,+bpf pre=()
	local bpfdir=/sys/fs/bpf/lowport
	if [ -n "${LOWPORTD_USER:-}" ]; then
		install -d -m 0755 -o "$LOWPORTD_USER" -g "$LOWPORTD_USER" \
			/run/lowport
		install -d -m 0700 -o "$LOWPORTD_USER" -g "$LOWPORTD_USER" \
			/sys/fs/bpf/lowport /run/lowport/bpf
		mountpoint -q /run/lowport/bpf ||
			mount --bind /sys/fs/bpf/lowport /run/lowport/bpf
		bpfdir=/run/lowport/bpf
		pre=(setpriv --reuid="$LOWPORTD_USER" --regid="$LOWPORTD_USER"
			--clear-groups --inh-caps="-all,$caps"
			--ambient-caps="-all,$caps" --bounding-set="-all,$caps"
			--no-new-privs)
	else
		mkdir -p /run/lowport
		chmod 0755 /run/lowport
	fi
	(
		umask 0077
		exec setsid "${pre[@]}" "$LOWPORTD" \
			--socket /run/lowport/lowportd.sock \
			--config /etc/lowport/lowport.conf \
			--state-dir /run/lowport --bpf-dir "$bpfdir" \
			--foreground
	) </dev/null >>"$state/lowportd.log" 2>&1 &
}

# lowportd_check PID: a packaged lowportd runs as $LOWPORTD_USER holding
# exactly CAP_NET_ADMIN, CAP_NET_BIND_SERVICE and CAP_BPF (bits 12, 10 and
# 39), no more
lowportd_check() {
	local want
	[ -n "${LOWPORTD_USER:-}" ] || return 0
	want=$(id -u "$LOWPORTD_USER")
	grep -q "^Uid:[[:space:]]*${want}[[:space:]]" "/proc/$1/status" ||
		die "lowportd does not run as $LOWPORTD_USER"
	grep -qx 'CapEff:[[:space:]]*0000008000001400' "/proc/$1/status" ||
		die "lowportd's capabilities: $(grep ^Cap "/proc/$1/status")"
}

# cmd_lowportd start|stop|kill9|pid
cmd_lowportd() {
	local pid i
	lowportd_paths
	pid=$(cat "$state/lowportd.pid" 2>/dev/null || true)
	case $1 in
	pid) echo "$pid" ;;
	start)
		lowportd_spawn
		pid=$!
		echo "$pid" >"$state/lowportd.pid"
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null ||
				die "lowportd exited: $(tail -n 5 "$state/lowportd.log")"
			timeout 2 "$LOWPORTCTL" --socket /run/lowport/lowportd.sock \
				status >/dev/null 2>&1 && break
			sleep 0.1
		done
		[ "$i" -lt 100 ] || die "lowportd not ready within 10 s"
		lowportd_check "$pid"
		;;
	stop | kill9)
		[ -n "$pid" ] || return 0
		kill "$([ "$1" = kill9 ] && echo -KILL || echo -TERM)" "$pid" \
			2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && die "lowportd $pid did not stop"
		rm -f "$state/lowportd.pid"
		;;
	*) die "lowportd: start|stop|kill9|pid" ;;
	esac
}

# cmd_versions: one "package version" line per part of the Podman stack
cmd_versions() {
	dpkg-query -W -f '${Package} ${Version}\n' podman passt netavark \
		aardvark-dns crun conmon podman-compose docker-compose \
		golang-github-containers-common 2>/dev/null || true
}

[ $# -ge 1 ] || die "usage: inside.sh init|run|installed|installdeb|image|policy|lowportd|versions"
cmd=$1
shift
case $cmd in
init) cmd_init ;;
run) cmd_run "$@" ;;
installed) cmd_installed ;;
installdeb) cmd_installdeb "$@" ;;
image) cmd_image ;;
policy) sandbox_policy ;;
lowportd) cmd_lowportd "$@" ;;
versions) cmd_versions ;;
*) die "unknown command '$cmd'" ;;
esac
