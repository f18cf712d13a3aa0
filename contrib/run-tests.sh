#!/bin/bash
# run-tests.sh - build lowport and run its whole test suite
#
# On a fresh Debian/Ubuntu machine as root this installs what it needs, builds
# with --werror, runs every suite (unit, fuzz corpus replay, integration in
# network namespaces it creates), runs them again in an address+undefined
# sanitizer build, checks formatting, and prints one closing line:
#   cases: N passed, N failed, N skipped
# Tests that need root skip (and say so) when run as a normal user.
# The e2e suite runs once per Podman generation (e2e-trixie: Podman 5.4,
# e2e-forky: 5.8, e2e-sid: 6.x), each in a cached sandbox root;
# LOWPORT_E2E_GENERATIONS="trixie" runs only the ones named. Each installs
# lowport's .deb built against its own Debian release (contrib/sysboot.sh deb;
# the build layer and the .deb are cached per generation).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

deps=(meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev
      libjson-glib-dev libnftnl-dev libmnl-dev libsystemd-dev nftables
      clang libbpf-dev bpftool
      iproute2 python3 util-linux procps clang-format passt
      mmdebstrap debian-archive-keyring
      dpkg-dev debhelper lintian rpm)

install_deps() {
	local missing=()
	for p in "${deps[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
		echo "run-tests: missing packages: ${missing[*]} (install them as root)" >&2
		exit 1
	fi
	echo "run-tests: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# count_cases BUILDDIR: add TAP case results of the last run to the totals
count_cases() {
	python3 - "$1/meson-logs/testlog.json" <<'PY' >>"$tally"
import json, re, sys
# A TAP test counts its cases; any other test counts as one case.
p = f = s = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    cases = re.findall(r"^(?:not ok|ok)\b.*$", t.get("stdout") or "", re.M)
    if not cases:
        r = t["result"]
        p += r == "OK"
        s += r == "SKIP"
        f += r not in ("OK", "SKIP", "EXPECTEDFAIL")
        continue
    for c in cases:
        if c.startswith("not ok"):
            f += 1
        elif re.search(r"#\s*skip", c, re.I):
            s += 1
        else:
            p += 1
    if t["result"] not in ("OK", "SKIP") and not any(c.startswith("not ok") for c in cases):
        f += 1  # crashed or timed out after its last case
print(p, f, s)
PY
}

run_suite() { # BUILDDIR [meson setup args...]
	local dir=$1
	shift
	if [ ! -d "$dir" ]; then
		meson setup "$dir" --werror --fatal-meson-warnings "$@"
	else
		meson setup --reconfigure "$dir" --werror "$@" >/dev/null
	fi
	meson compile -C "$dir"
	local rc=0
	meson test -C "$dir" --print-errorlogs --num-processes 2 || rc=$?
	count_cases "$dir"
	return $rc
}

install_deps
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
status=0

echo "run-tests: === build (--werror) and all suites ==="
run_suite build-tests || status=1

echo "run-tests: === address+undefined sanitizer build, all suites ==="
run_suite build-tests-asan -Db_sanitize=address,undefined || status=1

echo "run-tests: === clang-format check ==="
fmt=$(git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run 2>&1 || true)
bad=$(grep -c 'warning:' <<<"$fmt" || true)
if [ "$bad" -gt 0 ]; then
	echo "run-tests: clang-format would change $bad place(s): run clang-format -i"
	head -20 <<<"$fmt"
	echo "0 1 0" >>"$tally"
	status=1
else
	echo "run-tests: formatting ok"
	echo "1 0 0" >>"$tally"
fi

echo "run-tests: === packages: .deb + lintian, .rpm (rpmbuild --nodeps) ==="
pkgwork=$(mktemp -d /tmp/lowport-packages.XXXXXX)
tests/package/check-packages.sh "$pkgwork" | tee "$pkgwork/tap.txt" ||
	status=1
awk '/^ok /{p++} /^not ok /{f++} END {print p+0, f+0, 0}' \
	"$pkgwork/tap.txt" >>"$tally"
rm -rf "$pkgwork"

read -r P F S < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$tally")
echo "cases: $P passed, $F failed, $S skipped"
exit $status
