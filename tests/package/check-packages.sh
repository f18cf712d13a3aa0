#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-packages.sh - build the .deb and the .rpm, lint them, check contents
#
# Usage: check-packages.sh [WORKDIR]   (TAP on stdout; WORKDIR is kept)
#
# Builds from a copy of the working tree (tracked and untracked, not ignored
# files) so nothing is written next to the checkout:
#   - dpkg-buildpackage -us -uc -b, then lintian: errors and warnings fail
#     (every override lives in debian/ with its reason);
#   - rpmbuild -bb --nodeps contrib/lowport.spec with Fedora's meson macros
#     and stand-ins for its systemd/sysusers scriptlet macros
#     (tests/package/fedora-macros): this proves the spec's %prep, %build,
#     %install and %files (rpmbuild fails on a missing or unpackaged file),
#     not Fedora's dependency resolution or scriptlets;
#   - both packages hold every file a user needs, the policy as a conffile.
#
# Copyright lowport authors

set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d /tmp/lowport-packages.XXXXXX)}
version=$(sed -n "s/^  version : '\(.*\)',$/\1/p" "$top/meson.build")
n=0
failed=0

# ok COND-STATUS DESCRIPTION: one TAP line
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

# must_list LISTFILE PATH...: every PATH is a line of LISTFILE
must_list() {
	local list=$1 p rc=0
	shift
	for p in "$@"; do
		if ! grep -qxF "$p" "$list"; then
			echo "# missing: $p"
			rc=1
		fi
	done
	return $rc
}

# elapsed START: seconds since START (date +%s.%N)
elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

echo "TAP version 13"
echo "1..8"
rm -rf "$work/src" "$work/rpm"
mkdir -p "$work/src/lowport-$version"
git -C "$top" ls-files -co --exclude-standard -z |
	(cd "$top" && xargs -0 cp --parents -t "$work/src/lowport-$version")

# 1: the .deb
t0=$(date +%s.%N)
(cd "$work/src/lowport-$version" && dpkg-buildpackage -us -uc -b -j2) \
	>"$work/deb-build.log" 2>&1
rc=$?
deb=$(ls "$work/src"/lowport_"$version"*_*.deb 2>/dev/null | head -1)
[ $rc -eq 0 ] && [ -n "$deb" ] || { tail -20 "$work/deb-build.log" | sed 's/^/# /'; rc=1; }
ok $rc "dpkg-buildpackage -b builds lowport_*.deb ($(elapsed "$t0") s)"

# 2: lintian, no error or warning
t0=$(date +%s.%N)
changes=$(ls "$work/src"/lowport_"$version"*_*.changes 2>/dev/null | head -1)
lintian --fail-on error,warning --info ${changes:-/nonexistent} \
	>"$work/lintian.log" 2>&1
rc=$?
grep -v 'root privileges is not recommended' "$work/lintian.log" | sed 's/^/# /'
ok $rc "lintian: no errors or warnings ($(elapsed "$t0") s)"

# 3-5: what the .deb holds and does
dpkg-deb -c "${deb:-/nonexistent}" 2>/dev/null |
	awk '{sub(/^\./, "", $6); print $6}' >"$work/deb.files"
sed 's/^/# deb: /' "$work/deb.files" | grep -v '/$'
unitdir=$(grep -m1 -o '^/.*lib/systemd/system/' "$work/deb.files")
must_list "$work/deb.files" /usr/bin/lowportctl /usr/libexec/lowport/lowportd \
	/usr/libexec/lowport/pasta /usr/libexec/lowport/rootlessport \
	/usr/libexec/lowport/pesto "${unitdir}lowportd.socket" \
	"${unitdir}lowportd.service" /usr/lib/sysusers.d/lowport.conf \
	/usr/lib/tmpfiles.d/lowport.conf /etc/lowport/lowport.conf \
	/etc/containers/containers.conf.d/50-lowport.conf \
	/usr/share/man/man1/lowportctl.1.gz /usr/share/man/man5/lowport.conf.5.gz \
	/usr/share/man/man8/lowportd.8.gz /usr/share/doc/lowport/copyright
ok $? "deb holds binaries, units, sysusers, tmpfiles, drop-in, policy, man pages"
rm -rf "$work/ctl"
dpkg-deb -e "${deb:-/nonexistent}" "$work/ctl" 2>/dev/null
must_list "$work/ctl/conffiles" /etc/lowport/lowport.conf \
	/etc/containers/containers.conf.d/50-lowport.conf 2>/dev/null
ok $? "deb: policy and Podman drop-in are conffiles"
rc=0
grep -q 'systemd-sysusers.* lowport.conf' "$work/ctl/postinst" || { echo "# no sysusers call"; rc=1; }
grep -q 'systemd-tmpfiles.*--create lowport.conf' "$work/ctl/postinst" || { echo "# no tmpfiles call"; rc=1; }
grep -q "deb-systemd-helper enable 'lowportd.socket'" "$work/ctl/postinst" || { echo "# socket not enabled"; rc=1; }
grep -q "deb-systemd-invoke start 'lowportd.socket'" "$work/ctl/postinst" || { echo "# socket not started"; rc=1; }
if grep -q "deb-systemd-helper enable 'lowportd.service'" "$work/ctl/postinst" &&
	! grep -q "was-enabled 'lowportd.service'" "$work/ctl/postinst"; then
	echo "# service enabled on install"
	rc=1
fi
grep -q "deb-systemd-invoke start 'lowportd.service'" "$work/ctl/postinst" && { echo "# service started on install"; rc=1; }
grep -q 'try-restart lowportd.service' "$work/ctl/postinst" || { echo "# no try-restart on upgrade"; rc=1; }
# remove ends every lease: units stopped first, then the table deleted
awk '/deb-systemd-invoke stop lowportd.socket/ { s = NR }
	/nft delete table inet lowport/ && s { d = NR }
	END { exit !d }' "$work/ctl/prerm" 2>/dev/null ||
	{ echo "# prerm does not delete table inet lowport after stopping lowportd"; rc=1; }
grep -q '^Depends:.*nftables' "$work/ctl/control" 2>/dev/null || { echo "# no Depends: nftables (prerm runs nft)"; rc=1; }
ok $rc "deb scripts: group and state dir created, socket enabled+started, service neither, try-restart on upgrade, remove stops lowportd then deletes its table"

# 6-8: the .rpm
t0=$(date +%s.%N)
mkdir -p "$work/rpm/SOURCES"
tar -C "$work/src" --exclude="lowport-$version/debian/lowport" \
	--exclude="lowport-$version/debian/.debhelper" \
	--exclude="lowport-$version/obj-*" \
	-czf "$work/rpm/SOURCES/lowport-$version.tar.gz" "lowport-$version"
cp "$top/contrib/sysusers.d/lowport.conf" "$work/rpm/SOURCES/lowport.sysusers"
rpmbuild -bb --nodeps --define "_topdir $work/rpm" \
	--load "$top/tests/package/fedora-macros" "$top/contrib/lowport.spec" \
	>"$work/rpm-build.log" 2>&1
rc=$?
rpm=$(ls "$work/rpm/RPMS"/*/lowport-"$version"-*.rpm 2>/dev/null | head -1)
[ $rc -eq 0 ] && [ -n "$rpm" ] || { tail -20 "$work/rpm-build.log" | sed 's/^/# /'; rc=1; }
ok $rc "rpmbuild -bb --nodeps contrib/lowport.spec ($(elapsed "$t0") s)"
rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "${rpm:-/nonexistent}" \
	>"$work/rpm.flags" 2>/dev/null
cut -d' ' -f1 "$work/rpm.flags" >"$work/rpm.files"
sed 's/^/# rpm: /' "$work/rpm.flags"
must_list "$work/rpm.files" /usr/bin/lowportctl /usr/libexec/lowport/lowportd \
	/usr/libexec/lowport/pasta /usr/libexec/lowport/rootlessport \
	/usr/libexec/lowport/pesto /usr/lib/systemd/system/lowportd.socket \
	/usr/lib/systemd/system/lowportd.service /usr/lib/sysusers.d/lowport.conf \
	/usr/lib/tmpfiles.d/lowport.conf /etc/lowport/lowport.conf \
	/etc/containers/containers.conf.d/50-lowport.conf
ok $? "rpm holds binaries, units, sysusers, tmpfiles, drop-in, policy"
rc=0
grep -qx '/etc/lowport/lowport.conf cn' "$work/rpm.flags" || rc=1
grep -qx '/etc/containers/containers.conf.d/50-lowport.conf cn' "$work/rpm.flags" || rc=1
rpm -qp --scripts "${rpm:-/nonexistent}" >"$work/rpm.scripts" 2>/dev/null
grep -q 'systemd_post lowportd.socket lowportd.service' "$work/rpm.scripts" || rc=1
grep -q 'systemd_postun_with_restart lowportd.service' "$work/rpm.scripts" || rc=1
grep -q 'sysusers_create_compat: group lowport' "$work/rpm.scripts" || rc=1
# erase ends every lease: %preun stops the units, then deletes the table
awk '/^preuninstall scriptlet/ { p = 1; next } /scriptlet/ { p = 0 }
	p && /systemd_preun lowportd.socket/ { s = 1 }
	p && s && /nft delete table inet lowport/ { d = 1 }
	END { exit !d }' "$work/rpm.scripts" ||
	{ echo "# %preun does not delete table inet lowport after stopping lowportd"; rc=1; }
rpm -qpR "${rpm:-/nonexistent}" 2>/dev/null | grep -qx nftables ||
	{ echo "# no Requires: nftables"; rc=1; }
ok $rc "rpm: policy and drop-in %config(noreplace); scriptlets call the systemd and sysusers macros; erase deletes table inet lowport after stopping lowportd"
exit $failed
