#!/usr/bin/env bash
# test-gpiod-v2.sh — compile, link and run CGPIODCompat against libgpiod v2 and the system libgpiod.
#
# The host runs one libgpiod (Debian 12: 1.6.3, the v1 API), but flight computers on newer
# distributions run 2.x, whose API is entirely different. This script keeps both branches of
# Sources/CGPIODCompat/gpiod_compat.c honest:
#   1. fetches the PyPI source package `gpiod` (pinned, checksum-verified; cached in
#      .cache/gpiod-src, so later runs work offline), which bundles the libgpiod v2 C sources;
#   2. builds those sources into a throw-away static library;
#   3. compiles gpiod_compat.c against the bundled v2 header, links a check program and runs it:
#      it must report API version 2, and opening a chip that does not exist must fail with ENOENT;
#   4. does the same against the system header and library (version 1 on Debian 12).
#
# Environment: IOST_PYTHON (python with pip; default python3), CC (default cc, clang or gcc),
#   IOST_GPIOCHIP (optional: a chip that exists, e.g. in the HIL bench: it must open, and lines 0
#   and 1 must take an output, a refused second request and an edge request).
# Exit status: 0 when every check passed.
set -euo pipefail

GPIOD_PY_VERSION="2.4.0"   # bundles libgpiod 2.2.2
GPIOD_PY_SHA256="9243a1a59d084ec749d1df4a1e2f238ffb9d94515b0d9f5335460175143c3aa1"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo/.cache/gpiod-src"
archive="$cache/gpiod-$GPIOD_PY_VERSION.tar.gz"
sources="$cache/gpiod-$GPIOD_PY_VERSION"
compat_dir="$repo/Sources/CGPIODCompat"

say()  { printf '[test-gpiod-v2] %s\n' "$*"; }
fail() { printf '[test-gpiod-v2] FAIL: %s\n' "$*" >&2; exit 1; }

python="${IOST_PYTHON:-}"
if [[ -z "$python" || ! -x "$python" ]]; then python="python3"; fi

cc="${CC:-}"
if [[ -z "$cc" ]]; then
    for candidate in cc clang gcc; do
        if command -v "$candidate" >/dev/null 2>&1; then cc="$candidate"; break; fi
    done
fi
[[ -n "$cc" ]] || fail "no C compiler (cc, clang or gcc) found"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# 1. The pinned sdist, downloaded once.
mkdir -p "$cache"
if [[ -f "$archive" && "$(sha256_of "$archive")" != "$GPIOD_PY_SHA256" ]]; then
    say "cached $archive has the wrong checksum; downloading it again"
    rm -rf "$archive" "$sources"
fi
if [[ ! -f "$archive" ]]; then
    say "downloading gpiod==$GPIOD_PY_VERSION (source package) with $python -m pip"
    download="$(mktemp -d "$cache/download.XXXXXX")"
    if ! "$python" -m pip download --quiet --disable-pip-version-check --no-binary :all: --no-deps \
            --dest "$download" "gpiod==$GPIOD_PY_VERSION"; then
        rm -rf "$download"
        fail "could not download gpiod==$GPIOD_PY_VERSION from PyPI (and no cached copy in $cache)"
    fi
    [[ -f "$download/gpiod-$GPIOD_PY_VERSION.tar.gz" ]] || { rm -rf "$download"; fail "pip did not produce gpiod-$GPIOD_PY_VERSION.tar.gz"; }
    mv "$download/gpiod-$GPIOD_PY_VERSION.tar.gz" "$archive"
    rm -rf "$download"
    [[ "$(sha256_of "$archive")" == "$GPIOD_PY_SHA256" ]] || { rm -f "$archive"; fail "checksum mismatch for gpiod-$GPIOD_PY_VERSION.tar.gz"; }
fi
if [[ ! -f "$sources/include/gpiod.h" ]]; then
    rm -rf "$sources"
    tar -xzf "$archive" -C "$cache"
fi
[[ -f "$sources/include/gpiod.h" && -d "$sources/lib" ]] || fail "$archive does not hold include/gpiod.h and lib/"
libgpiod_version="$(tr -d '[:space:]' < "$sources/libgpiod-version.txt" 2>/dev/null || echo 2.x)"

work="$(mktemp -d "${TMPDIR:-/tmp}/iost-gpiod-v2.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The check program: the API version, and a clean ENOENT for chips that do not exist.
cat > "$work/check.c" <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gpiod_compat.h"

static int failures;

static void expect_enoent(const char *what)
{
    errno = 0;
    iost_gpiod_chip *chip = iost_gpiod_chip_open(what);
    int error = errno;
    if (chip) {
        printf("  FAIL  opening %s succeeded\n", what);
        iost_gpiod_chip_close(chip);
        failures++;
    } else if (error != ENOENT) {
        printf("  FAIL  opening %s: errno %d (%s), expected ENOENT\n", what, error, strerror(error));
        failures++;
    } else {
        printf("  ok    opening %s fails with ENOENT\n", what);
    }
}

int main(int argc, char **argv)
{
    int expected = argc > 1 ? atoi(argv[1]) : 0;
    int version = iost_gpiod_api_version();
    if (version != expected) {
        printf("  FAIL  iost_gpiod_api_version() = %d, expected %d\n", version, expected);
        failures++;
    } else {
        printf("  ok    iost_gpiod_api_version() = %d\n", version);
    }
    /* v2 asks the kernel for a larger edge-event buffer; v1 is stuck with 16 per line. */
    unsigned int buffer = iost_gpiod_event_buffer_size();
    unsigned int wanted = version == 2 ? IOST_GPIOD_V2_EVENT_BUFFER_SIZE : IOST_GPIOD_V1_EVENT_BUFFER_SIZE;
    if (buffer != wanted) {
        printf("  FAIL  iost_gpiod_event_buffer_size() = %u, expected %u\n", buffer, wanted);
        failures++;
    } else {
        printf("  ok    iost_gpiod_event_buffer_size() = %u\n", buffer);
    }
    expect_enoent("/dev/iost-no-such-gpiochip");
    expect_enoent("iost-no-such-gpiochip");

    errno = 0;
    if (iost_gpiod_chip_open("") != NULL || errno != EINVAL) {
        printf("  FAIL  opening \"\" should fail with EINVAL (errno %d)\n", errno);
        failures++;
    } else {
        printf("  ok    opening \"\" fails with EINVAL\n");
    }
    iost_gpiod_chip_close(NULL);
    iost_gpiod_line_release(NULL);

    const char *real = getenv("IOST_GPIOCHIP");
    if (real && *real) {
        iost_gpiod_chip *chip = iost_gpiod_chip_open(real);
        if (!chip) {
            printf("  FAIL  opening %s: %s\n", real, strerror(errno));
            failures++;
        } else {
            printf("  ok    %s: name %s, label %s, %u lines\n", real, iost_gpiod_chip_name(chip),
                   iost_gpiod_chip_label(chip), iost_gpiod_chip_num_lines(chip));
            /* A request of each kind on lines 0 and 1 (gpio-sim in the HIL bench). */
            iost_gpiod_line *out = iost_gpiod_request_output(chip, 0, "iost-check", IOST_GPIOD_BIAS_AS_IS, false, 1);
            int high = out ? iost_gpiod_line_get(out) : -1;
            int set = out ? iost_gpiod_line_set(out, 0) : -1;
            int low = out ? iost_gpiod_line_get(out) : -1;
            if (!out || high != 1 || set != 0 || low != 0) {
                printf("  FAIL  output line 0: request %s, get %d, set %d, get %d (%s)\n", out ? "ok" : "failed",
                       high, set, low, strerror(errno));
                failures++;
            } else {
                printf("  ok    output line 0 requested, driven high then low\n");
            }
            iost_gpiod_line *busy = iost_gpiod_request_input(chip, 0, "iost-check", IOST_GPIOD_BIAS_AS_IS, false);
            if (busy || errno != EBUSY) {
                printf("  FAIL  a second request of line 0 should fail with EBUSY (errno %d)\n", errno);
                failures++;
                iost_gpiod_line_release(busy);
            } else {
                printf("  ok    a second request of line 0 fails with EBUSY\n");
            }
            iost_gpiod_line_release(out);
            iost_gpiod_line *edges = iost_gpiod_request_edge_events(chip, 1, "iost-check", IOST_GPIOD_BIAS_PULL_DOWN,
                                                                    false, IOST_GPIOD_EDGE_BOTH);
            iost_gpiod_event events[4];
            int count = edges ? iost_gpiod_line_wait_events(edges, 1000000, events, 4) : -1;
            if (count != 0) {
                printf("  FAIL  edge line 1: wait gave %d (%s), expected a timeout\n", count, strerror(errno));
                failures++;
            } else {
                printf("  ok    edge line 1 requested, a 1 ms wait times out\n");
            }
            iost_gpiod_line_release(edges);
            iost_gpiod_chip_close(chip);
        }
    }
    return failures == 0 ? 0 : 1;
}
EOF

cflags=(-std=gnu11 -O1 -g)
warnings=(-Wall -Wextra -Werror)

# 2-3. libgpiod v2 from the bundled sources.
say "building libgpiod $libgpiod_version from $(basename "$sources") with $cc"
mkdir -p "$work/v2"
for source in "$sources"/lib/*.c; do
    "$cc" "${cflags[@]}" -D_GNU_SOURCE -DGPIOD_VERSION_STR="\"$libgpiod_version\"" \
        -I"$sources/include" -I"$sources/lib" -c "$source" -o "$work/v2/$(basename "$source" .c).o" \
        || fail "compiling $source"
done
ar rcs "$work/v2/libgpiod-v2.a" "$work"/v2/*.o

say "compiling gpiod_compat.c against the v2 header"
"$cc" "${cflags[@]}" "${warnings[@]}" -I"$sources/include" -I"$compat_dir/include" \
    -c "$compat_dir/gpiod_compat.c" -o "$work/v2/gpiod_compat.o" || fail "gpiod_compat.c does not compile against libgpiod v2"
"$cc" "${cflags[@]}" -I"$compat_dir/include" -c "$work/check.c" -o "$work/check.o"
"$cc" -o "$work/check-v2" "$work/check.o" "$work/v2/gpiod_compat.o" "$work/v2/libgpiod-v2.a" \
    || fail "linking the v2 check program"
say "running the v2 check"
"$work/check-v2" 2 || fail "the v2 check failed"

# 4. The system libgpiod (v1 on Debian 12).
system_header=""
for dir in $(pkg-config --cflags-only-I libgpiod 2>/dev/null | sed 's/-I//g') /usr/include /usr/local/include; do
    if [[ -f "$dir/gpiod.h" ]]; then system_header="$dir/gpiod.h"; break; fi
done
[[ -n "$system_header" ]] || fail "no system <gpiod.h> (apt-get install libgpiod-dev)"
if grep -q 'GPIOD_LINE_BULK_MAX_LINES' "$system_header"; then system_version=1; else system_version=2; fi
system_libs="$(pkg-config --libs libgpiod 2>/dev/null || echo -lgpiod)"
say "compiling gpiod_compat.c against the system header $system_header (libgpiod v$system_version)"
mkdir -p "$work/system"
# shellcheck disable=SC2046
"$cc" "${cflags[@]}" "${warnings[@]}" $(pkg-config --cflags libgpiod 2>/dev/null) -I"$compat_dir/include" \
    -c "$compat_dir/gpiod_compat.c" -o "$work/system/gpiod_compat.o" || fail "gpiod_compat.c does not compile against the system libgpiod"
# shellcheck disable=SC2086
"$cc" -o "$work/check-system" "$work/check.o" "$work/system/gpiod_compat.o" $system_libs \
    || fail "linking the system check program"
say "running the system check"
"$work/check-system" "$system_version" || fail "the system libgpiod check failed"

say "PASS: CGPIODCompat builds and runs against libgpiod $libgpiod_version (v2) and the system libgpiod (v$system_version)"
