#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# capture-helpers.sh - record how Podman runs rootlessport, pesto and pasta
#
# Starts a sandbox of one Podman generation (contrib/sandbox/sandbox.sh; no
# lowport installed), puts a logging wrapper in front of rootlessport, pesto
# and pasta through a containers.conf helper_binaries_dir drop-in, and runs
# as the rootless user alice every path that publishes ports on a bridge
# network: podman run --network NET / bridge, kube play, podman-compose,
# docker-compose against "podman system service", Quadlet .network +
# .container and .kube units, and on Podman 6 the pesto forwarder
# ([network] rootless_port_forwarder = "pasta"). Ports are unprivileged
# (8080-8099) so every path works without lowport; port 80 is tried once per
# forwarder to record the failure users see today. Each wrapper fails on
# purpose once, to record how Podman reports a helper's error.
#
# For every call the wrapper records argv, the full stdin (rootlessport
# only: the others get /dev/null), the open file descriptors with their
# flags, and the environment, then execs the real binary with everything
# unchanged.
#
# Usage (as root): capture-helpers.sh GENERATION OUTDIR
#   GENERATION: trixie, forky or sid (see sandbox.sh); OUTDIR gets one
#   directory per helper call (NNN-NAME/) and scenario.log (every command
#   with its output and exit status).
#
# Copyright lowport authors

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sandbox=$here/sandbox.sh
[ $# -eq 2 ] || {
	echo "usage: capture-helpers.sh trixie|forky|sid OUTDIR" >&2
	exit 2
}
export LOWPORT_SANDBOX_SUITE=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)
rundir=$(mktemp -d /var/tmp/lowport-capture-XXXXXX)
trap '"$sandbox" stop "$rundir"' EXIT

"$sandbox" start "$rundir"
"$sandbox" image "$rundir"
pid=$(cat "$rundir/pid")
root=/proc/$pid/root

# The wrapper: runs inside the sandbox as the user Podman runs as.
wrapdir=/usr/local/libexec/lowport-capture
mkdir -p "$root$wrapdir" "$root/run/lowport-capture"
chmod 1777 "$root/run/lowport-capture"
cat >"$root$wrapdir/wrap" <<'EOF'
#!/bin/sh
# wrap - record one helper call, then exec the real helper unchanged
name=${0##*/}
log=/run/lowport-capture
n=$(ls "$log" | grep -c '^[0-9]') || true
d=$log/$(printf '%03d' $((n + 1)))-$name-$$
mkdir -p "$d"
# Read /proc/$$ from command substitutions (the shell's own fds are not
# redirected there): what Podman passed, plus the shell's script fd (>= 10).
fds=$(ls -l /proc/$$/fd/)
flags=$(grep -H '^flags' /proc/$$/fdinfo/* 2>/dev/null)
printf '%s\n' "$fds" >"$d/fds"
printf '%s\n' "$flags" >"$d/fdflags"
date -u +%FT%T.%NZ >"$d/time"
for a in "$0" "$@"; do printf '%s\n' "$a"; done >"$d/argv"
env | sort >"$d/environ"
id >"$d/id"
readlink /proc/$$/ns/net >"$d/netns"
readlink /proc/$$/ns/user >"$d/userns"
case $name in
rootlessport) real=/usr/libexec/podman/rootlessport ;;
*) real=/usr/bin/$name ;;
esac
if [ "$name" = rootlessport ]; then
	cat >"$d/stdin"
	exec <"$d/stdin"
fi
if [ -e "$log/fail-$name" ]; then
	rm -f "$log/fail-$name"
	echo "capture: $name failing on purpose (stdout)"
	echo "capture: $name failing on purpose (stderr)" >&2
	echo 1 >"$d/failed"
	exit 1
fi
exec "$real" "$@"
EOF
chmod 0755 "$root$wrapdir/wrap"
for h in rootlessport pesto pasta; do
	ln -sf wrap "$root$wrapdir/$h"
done
mkdir -p "$root/etc/containers/containers.conf.d"
cat >"$root/etc/containers/containers.conf.d/90-capture.conf" <<EOF
[engine]
helper_binaries_dir = ["$wrapdir", "/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/libexec/podman", "/usr/lib/podman"]
EOF

# The scenario script runs inside as alice; its log goes to OUTDIR.
cat >"$root/run/lowport-capture-scenarios.sh" <<'EOF'
#!/bin/bash
# one Podman path after the other, each command echoed with its status
set -u
img=localhost/lowport-e2e:latest
log=/run/lowport-capture
export DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock
major=$(podman version --format '{{.Client.Version}}' | cut -d. -f1)
step() { echo "=== $*"; }
do_() {
	echo "\$ $*"
	"$@" 2>&1
	echo "[exit $?]"
}
get() { # PORT: the page on 127.0.0.1:PORT, retried for up to 3 s
	local i
	for i in $(seq 30); do
		curl -sS --max-time 1 "http://127.0.0.1:$1/" >/dev/null 2>&1 && break
		sleep 0.1
	done
	do_ curl -sS --max-time 3 "http://127.0.0.1:$1/"
}
mark() { # a directory NNN-mark-LABEL: scenario boundaries in the listing
	local n
	n=$(ls "$log" | grep -c '^[0-9]')
	mkdir -p "$log/$(printf '%03d' $((n + 1)))-mark-$1"
}
snap_rp() { # what the live rootlessport has open, and its children
	for p in $(pgrep -u "$(id -u)" -x rootlessport); do
		echo "rootlessport pid $p: $(tr '\0' ' ' </proc/$p/cmdline)"
		ls -l /proc/$p/fd | sed 1d
	done
	pgrep -a -u "$(id -u)" -f 'rootlessport-child|pasta' || true
}

step "versions"
do_ podman version
do_ ls -l /proc/self/fd/
do_ readlink /proc/self/ns/net /proc/self/ns/user
do_ podman unshare ls -l /proc/self/fd/
do_ podman info --format '{{.Host.NetworkBackend}} {{.Host.Pasta.Executable}}'

step "1 podman network create web; run --network web -p 8080:80"
mark 1
do_ podman network create web
do_ podman --log-level=debug run -d --name s1 --network web -p 8080:80 $img
get 8080
snap_rp
do_ podman ps --format '{{.Names}} {{.Ports}}'
do_ podman rm -f -t 0 s1

step "1b udp and a range: -p 8090-8091:80-81 -p 127.0.0.1:8092:53/udp"
mark 1b
do_ podman run -d --name s1b --network web -p 8090-8091:80-81 \
	-p 127.0.0.1:8092:53/udp -p '[::1]:8093:80' $img
do_ podman rm -f -t 0 s1b
mark 1b2
do_ podman run -d --name s1b2 --network web -p 8094:80/tcp -p 8094:80/udp \
	-p 8095:80/sctp $img
do_ podman run -d --name s1b3 --network web -p 8096:80/tcp -p 8096:80/udp $img
do_ podman rm -f -t 0 s1b2 s1b3

step "1c privileged port 80 on a bridge network (no lowport)"
mark 1c
do_ podman run -d --name s1c --network web -p 80:80 $img
do_ podman rm -f -t 0 s1c

step "1d rootlessport fails on purpose"
mark 1d
touch $log/fail-rootlessport
do_ podman run -d --name s1d --network web -p 8089:80 $img
do_ podman ps -a --format '{{.Names}} {{.Status}}'
do_ podman rm -f -t 0 s1d

step "2 podman run --network bridge -p 8081:80"
mark 2
do_ podman run -d --name s2 --network bridge -p 8081:80 $img
get 8081
do_ podman rm -f -t 0 s2

step "3 podman kube play (hostPort 8082)"
mark 3
cat >/tmp/kube.yaml <<'Y'
apiVersion: v1
kind: Pod
metadata:
  name: capkube
spec:
  containers:
  - name: web
    image: localhost/lowport-e2e:latest
    ports:
    - containerPort: 80
      hostPort: 8082
Y
do_ podman kube play /tmp/kube.yaml
get 8082
do_ podman kube down /tmp/kube.yaml

step "4 podman-compose (ports 8083:80)"
mark 4
mkdir -p /tmp/comp && cat >/tmp/comp/compose.yaml <<'Y'
services:
  web:
    image: localhost/lowport-e2e:latest
    ports:
      - "8083:80"
Y
do_ podman-compose -f /tmp/comp/compose.yaml -p capcomp up -d
get 8083
do_ podman-compose -f /tmp/comp/compose.yaml -p capcomp down

step "5 docker-compose against podman system service (ports 8083:80)"
mark 5
mkdir -p "$XDG_RUNTIME_DIR/podman"
podman system service --time=0 "$DOCKER_HOST" >/tmp/service.log 2>&1 &
svc=$!
for i in $(seq 50); do [ -S "$XDG_RUNTIME_DIR/podman/podman.sock" ] && break; sleep 0.1; done
do_ docker-compose -f /tmp/comp/compose.yaml -p dockcomp up -d
get 8083
do_ docker-compose -f /tmp/comp/compose.yaml -p dockcomp down
kill $svc; wait $svc

step "6 Quadlet .network + .container + .kube"
mark 6
q=$HOME/.config/containers/systemd
mkdir -p $q
printf '[Network]\n' >$q/qweb.network
printf '[Container]\nImage=%s\nContainerName=qctr\nNetwork=qweb.network\nPublishPort=8084:80\n' $img >$q/qctr.container
sed -e 's/capkube/qkube/' -e 's/8082/8085/' /tmp/kube.yaml >$q/qkube.yaml
printf '[Kube]\nYaml=qkube.yaml\n' >$q/qkube.kube
QUADLET_UNIT_DIRS=$q /usr/libexec/podman/quadlet -user -dryrun >/tmp/quadlet.out 2>&1
cat /tmp/quadlet.out
run_exec() { # UNIT KEY: run that Exec line of the generated unit
	awk -v u="---$1---" -v k="$2=" '$0 == u {on=1; next} /^---.*---$/ {on=0}
		on && index($0, k) == 1 {print substr($0, length(k) + 1)}' /tmp/quadlet.out |
		sed -e 's/^-//' -e "s|%t|$XDG_RUNTIME_DIR|g" -e "s|%N|${1%.service}|g" \
			-e "s|%n|$1|g" -e 's/--cgroups=split/--cgroups=disabled/' >/tmp/exec.cmd
	echo "\$ $(cat /tmp/exec.cmd)"
	eval "$(cat /tmp/exec.cmd)" 2>&1 </dev/null
	echo "[exit $?]"
}
run_exec qweb-network.service ExecStart
run_exec qctr.service ExecStart
get 8084
run_exec qctr.service ExecStop
run_exec qkube.service ExecStart
get 8085
run_exec qkube.service ExecStopPost
rm -rf $q

if [ "$major" -ge 6 ]; then
	step "7 Podman 6: rootless_port_forwarder = pasta (pesto)"
	do_ podman rm -a -f -t 0
	do_ podman pod rm -a -f -t 0
	c=$HOME/.config/containers/containers.conf.d
	mkdir -p $c
	printf '[network]\nrootless_port_forwarder = "pasta"\n' >$c/pesto.conf
	do_ pesto --help
	do_ pesto --version
	mark 7
	do_ podman --log-level=debug run -d --name s7 --network web -p 8086:80 -p 8087:53/udp $img
	get 8086
	do_ pesto -s "$XDG_RUNTIME_DIR/containers/networks/rootless-netns/pasta.sock"
	do_ podman ps --format '{{.Names}} {{.Ports}}'
	do_ podman --log-level=debug rm -f -t 0 s7
	mark 7a
	do_ podman run -d --name s7a --network web -p 8090-8091:80-81 \
		-p 127.0.0.1:8092:53/udp -p '[::1]:8093:80' -p 8096:80/tcp \
		-p 8096:80/udp $img
	do_ pesto -s "$XDG_RUNTIME_DIR/containers/networks/rootless-netns/pasta.sock"
	do_ podman rm -f -t 0 s7a
	mark 7b
	do_ podman run -d --name s7b --network web -p 80:80 $img
	get 80
	do_ pesto -s "$XDG_RUNTIME_DIR/containers/networks/rootless-netns/pasta.sock"
	do_ podman rm -f -t 0 s7b
	mark 7c
	touch $log/fail-pesto
	do_ podman run -d --name s7c --network web -p 8088:80 $img
	do_ podman ps -a --format '{{.Names}} {{.Status}}'
	do_ podman rm -f -t 0 s7c
	mark 7d
	do_ podman kube play /tmp/kube.yaml
	get 8082
	do_ podman kube down /tmp/kube.yaml
	rm -f $c/pesto.conf
fi
do_ podman rm -a -f -t 0
do_ podman pod rm -a -f -t 0
do_ podman network rm -f web
EOF
chmod 0755 "$root/run/lowport-capture-scenarios.sh"
"$sandbox" exec "$rundir" -- /usr/local/libexec/lowport-sandbox/inside.sh \
	versions >"$out/versions" || true
"$sandbox" exec "$rundir" -u alice -- /run/lowport-capture-scenarios.sh \
	>"$out/scenario.log" 2>&1 || true
cp -a "$root/run/lowport-capture/." "$out/"
echo "capture: $(find "$out" -maxdepth 1 -name '[0-9]*-*' | wc -l) helper" \
	"calls recorded in $out"
