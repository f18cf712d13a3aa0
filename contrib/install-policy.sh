#!/bin/sh
# install-policy.sh - install the default policy, never over an existing one
# Usage (meson install script): install-policy.sh SOURCE SYSCONFDIR
set -eu
src=$1
dir=${DESTDIR:-}$2/lowport
mkdir -p "$dir"
if [ -e "$dir/lowport.conf" ]; then
	echo "lowport: keeping existing $dir/lowport.conf"
else
	install -m 0644 "$src" "$dir/lowport.conf"
fi
