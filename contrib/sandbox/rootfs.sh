# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# rootfs.sh - what the Podman sandbox (sandbox.sh, inside.sh) and the systemd
# boot (contrib/sysboot.sh) do alike: a private /dev, the test users, and
# stopping a run.
# Sourced, not run; the sourcing script defines die().
#
# Copyright lowport authors

# rootfs_dev NAME: a private /dev on a tmpfs named NAME-dev (the host's device
# nodes are never touched)
rootfs_dev() {
	mount -t tmpfs -o mode=0755,nosuid,size=1m "$1-dev" /dev
	mknod -m 0666 /dev/null c 1 3
	mknod -m 0666 /dev/zero c 1 5
	mknod -m 0666 /dev/full c 1 7
	mknod -m 0666 /dev/random c 1 8
	mknod -m 0666 /dev/urandom c 1 9
	mknod -m 0666 /dev/tty c 5 0
	mkdir -m 0755 /dev/net /dev/pts
	mknod -m 0666 /dev/net/tun c 10 200
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts
	ln -s pts/ptmx /dev/ptmx
	mkdir -m 1777 /dev/shm
	mount -t tmpfs -o mode=1777,nosuid,nodev "$1-shm" /dev/shm
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
}

# rootfs_users NAME:UID...: create the users (each with its own group) and
# give the Nth of them subordinate ids N*100000, 65536 of them, in place of
# any ranges useradd picked itself
rootfs_users() {
	local u i=1
	for u in "$@"; do
		useradd -m -u "${u#*:}" -U -s /bin/bash "${u%:*}"
	done
	: >/etc/subuid
	: >/etc/subgid
	for u in "$@"; do
		echo "${u%:*}:$((i * 100000)):65536" >>/etc/subuid
		echo "${u%:*}:$((i * 100000)):65536" >>/etc/subgid
		i=$((i + 1))
	done
}

# rootfs_stop RUNDIR: kill a run (its PID 1 takes every process inside
# along, and the overlay and tmpfs mounts die with its mount namespace),
# then remove RUNDIR
rootfs_stop() {
	local rundir=$1 pid upid i
	[ -d "$rundir" ] || return 0
	pid=$(cat "$rundir/pid" 2>/dev/null || true)
	upid=$(cat "$rundir/unshare.pid" 2>/dev/null || true)
	if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
	if [ -n "$upid" ]; then kill -KILL "$upid" 2>/dev/null || true; fi
	for ((i = 0; i < 100; i++)); do
		{ [ -z "$upid" ] || ! kill -0 "$upid" 2>/dev/null; } &&
			{ [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; } && break
		sleep 0.1
	done
	if mountpoint -q "$rundir/mnt" 2>/dev/null; then
		die "$rundir/mnt is still mounted on the host"
	fi
	rm -rf "$rundir"
}
