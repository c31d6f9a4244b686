#!/usr/bin/env bash
# hil-test.sh — the hardware-in-the-loop tests of `make test` (target test-hil).
#
# Real Linux backends — LinuxHAL over i2c-dev/libi2c, libgpiod v1 and v2 through CGPIODCompat,
# libmodbus RTU — against the kernel's i2c-stub and gpio-sim and against pymodbus serial peers,
# inside one throw-away QEMU guest (scripts/hil-bench). On the host this script
#   1. builds what the guest runs: the Swift test bundle (swift build --build-tests), the Debian
#      package (scripts/deb-build.sh) whose unpacked iostd the probe and daemon cases run,
#      and tests/hil/gpiod_compat_check.c linked twice, against the system libgpiod (v1) and
#      against libgpiod 2.x from the PyPI sdist that scripts/test-gpiod-v2.sh fetches;
#   2. boots the guest once with tests/hil/guest.sh inside (cases: preload, swift, probe,
#      absent_address, gpiod_v1, gpiod_v2, daemon — see that file);
#   3. prints the summary and exits non-zero if any case failed or the bench itself failed.
#
# Must run as root (the bench installs its packages and builds a kernel-module cache). Not root:
# the tests FAIL with a message. IOST_SKIP_HIL=1 skips them explicitly, with a loud notice.
#
# Environment: IOST_HIL_CACHE, HIL_TIMEOUT (default 1500 s for the whole guest), HIL_CASES,
#   HIL_CASE_TIMEOUT (default 420 s), and the other variables of scripts/hil-bench.
# Results: .build/hil/results/ (summary.tsv, one log per case, probe.jsonl, console.log).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
say()  { printf '[test-hil] %s\n' "$*"; }
banner() { printf '[test-hil] ******************************************************************\n[test-hil] %s\n[test-hil] ******************************************************************\n' "$*"; }

if [[ "${IOST_SKIP_HIL:-0}" == 1 ]]; then
    banner "SKIPPED: hardware-in-the-loop tests NOT RUN (IOST_SKIP_HIL=1)"
    exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
    banner "FAIL: the hardware-in-the-loop tests need root (QEMU guest, packages, kernel module cache). Run as root, or set IOST_SKIP_HIL=1 to skip them explicitly."
    exit 1
fi
started=$SECONDS

# ------------------------------------------------------------ 1. host-side builds
swift=${SWIFT:-swift}
say "building iostd and the test bundle"
"$swift" build --build-tests 2>&1 | grep -E "error|warning: unre|Compiling|Linking" | grep -v "^\[" | tail -n 20
bin=$("$swift" build --show-bin-path)
[[ -x $bin/iostd && -x $bin/iost-flightPackageTests.xctest ]] || { say "FAIL: $bin/iostd or the test bundle is missing after the build"; exit 1; }

python=${IOST_PYTHON:-$repo/.venv/bin/python}
if ! "$python" -c 'import pymodbus, serial, spacepackets' 2>/dev/null; then
    say "installing the Python test peers (make py-deps)"
    make --no-print-directory py-deps >/dev/null || { say "FAIL: make py-deps"; exit 1; }
fi

out=$repo/.build/hil
checks=$out/gpiod
results=$out/results
rm -rf "$results"; mkdir -p "$checks" "$results"
# The daemon the guest runs is the packaged one: make deb's .deb, unpacked with dpkg-deb, so the
# artefact a user installs is the one proven against i2c-stub, gpio-sim and the Modbus peers.
say "building the Debian package (scripts/deb-build.sh; log in ${out#"$repo"/}/deb-build.log)"
scripts/deb-build.sh > "$out/deb-build.log" 2>&1 || { tail -n 30 "$out/deb-build.log"; say "FAIL: scripts/deb-build.sh"; exit 1; }
deb=$(ls -t "$repo"/.build/deb/iost-flight_*_"$(dpkg --print-architecture)".deb | head -n 1)
rm -rf "$out/package"; dpkg-deb -x "$deb" "$out/package" || { say "FAIL: dpkg-deb -x $deb"; exit 1; }
iostd=$out/package/usr/bin/iostd
[[ "$("$iostd" --version)" == "$(dpkg-deb -f "$deb" Version)" ]] || { say "FAIL: $iostd --version is not the package's version"; exit 1; }
say "the guest runs $iostd from $(basename "$deb")"
cc=${CC:-cc}
compat=$repo/Sources/CGPIODCompat
say "building tests/hil/gpiod_compat_check.c against the system libgpiod (v1)"
# shellcheck disable=SC2046
"$cc" -std=gnu11 -O1 -g -Wall -Wextra -Werror $(pkg-config --cflags libgpiod) -I"$compat/include" \
    -o "$checks/gpiod-check-v1" "$repo/tests/hil/gpiod_compat_check.c" "$compat/gpiod_compat.c" $(pkg-config --libs libgpiod) ||
    { say "FAIL: building gpiod-check-v1"; exit 1; }
v2src=$(ls -d "$repo"/.cache/gpiod-src/gpiod-*/ 2>/dev/null | sort -V | tail -n1)
if [[ -z $v2src || ! -f $v2src/include/gpiod.h ]]; then
    say "fetching the libgpiod v2 sources (scripts/test-gpiod-v2.sh)"
    IOST_PYTHON=$python scripts/test-gpiod-v2.sh > "$out/test-gpiod-v2.log" 2>&1 || { cat "$out/test-gpiod-v2.log"; say "FAIL: scripts/test-gpiod-v2.sh"; exit 1; }
    v2src=$(ls -d "$repo"/.cache/gpiod-src/gpiod-*/ 2>/dev/null | sort -V | tail -n1)
fi
v2version=$(tr -d '[:space:]' < "$v2src/libgpiod-version.txt" 2>/dev/null || echo 2.x)
say "building tests/hil/gpiod_compat_check.c against libgpiod $v2version (v2) from $(basename "$v2src")"
rm -rf "$checks/v2"; mkdir -p "$checks/v2"
for source in "$v2src"/lib/*.c; do
    "$cc" -std=gnu11 -O1 -g -D_GNU_SOURCE -DGPIOD_VERSION_STR="\"$v2version\"" -I"$v2src/include" -I"$v2src/lib" \
        -c "$source" -o "$checks/v2/$(basename "$source" .c).o" || { say "FAIL: compiling $source"; exit 1; }
done
"$cc" -std=gnu11 -O1 -g -Wall -Wextra -Werror -I"$v2src/include" -I"$compat/include" -o "$checks/gpiod-check-v2" \
    "$repo/tests/hil/gpiod_compat_check.c" "$compat/gpiod_compat.c" "$checks"/v2/*.o || { say "FAIL: building gpiod-check-v2"; exit 1; }
say "host builds done ($((SECONDS - started)) s)"

# ----------------------------------------------------------------- 2. the guest
# gpio-sim lines: hil0..hil7 for the generic GPIO tests, then the vehicle's lines by name
# (config/hil.toml finds them with line_name). i2c-stub: 0x50 scratch for the bus tests, then
# the vehicle's sensors (tests/hil/registers). SMBus block reads are not used (I2C block only).
export HIL_GPIO_LINE_NAMES="hil0,hil1,hil2,hil3,hil4,hil5,hil6,hil7,geiger,o2-valve,scrubber-fan-1,scrubber-fan-2,cabin-heater,payload-switch,radio-switch,heaters-switch,crew-alarm"
export HIL_GPIO_LINES=17
export HIL_I2C_ADDRS=0x50,0x76,0x48,0x49,0x40,0x41,0x68
export HIL_TIMEOUT=${HIL_TIMEOUT:-1500}
export HIL_CASE_TIMEOUT=${HIL_CASE_TIMEOUT:-420}
export HIL_RW_DIR=$repo HIL_LOG=$results/console.log HIL_QUIET=${HIL_QUIET:-0}
export IOST_REPO=$repo IOST_PYTHON=$python HIL_BIN=$bin HIL_IOSTD=$iostd HIL_GPIOD_CHECKS=$checks HIL_RESULTS=$results
export HIL_CASES=${HIL_CASES:-}
export HIL_ENV="IOST_REPO IOST_PYTHON HIL_BIN HIL_IOSTD HIL_GPIOD_CHECKS HIL_RESULTS HIL_CASES HIL_CASE_TIMEOUT"
say "running the bench guest (timeout ${HIL_TIMEOUT} s)"
guest_started=$SECONDS
"$repo/scripts/hil-bench" -- "$repo/tests/hil/guest.sh"
status=$?
guest_seconds=$((SECONDS - guest_started))

# --------------------------------------------------------------- 3. the summary
echo
say "hardware-in-the-loop summary (guest ${guest_seconds} s, total $((SECONDS - started)) s; logs in ${results#"$repo"/}/)"
failed=0
if [[ -s $results/summary.tsv ]]; then
    while IFS=$'\t' read -r name verdict seconds detail; do
        printf '[test-hil]   %-8s %-15s %7s s   %s\n' "$verdict" "$name" "$seconds" "$detail"
        [[ $verdict == FAIL ]] && failed=1
    done < "$results/summary.tsv"
else
    say "  no results: the guest did not run the cases"
    failed=1
fi
case $status in
    0) ;;
    124) say "FAIL: the bench guest timed out after ${HIL_TIMEOUT} s"; failed=1 ;;
    125) say "FAIL: the bench itself failed (see above; console in ${results#"$repo"/}/console.log)"; failed=1 ;;
    *) failed=1 ;;
esac
if grep -q $'\tPENDING\t' "$results/summary.tsv" 2>/dev/null; then
    say "PENDING cases wait for code that does not exist yet (see their logs); they do not fail the run"
fi
if (( failed )); then say "FAIL"; exit 1; fi
say "PASS"
