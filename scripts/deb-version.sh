#!/bin/sh
# deb-version.sh - the software version, in Debian version syntax, from `git describe`.
#
#   scripts/deb-version.sh [REPO]        prints e.g. 1.2.0, 1.2.0+3.g1a2b3c4, 0.0.0+g1a2b3c4.dirty
#
# `git describe --tags --always --dirty` gives TAG[-N-gHASH][-dirty] or, with no tag, HASH[-dirty].
# A tag is read as v?MAJOR.MINOR[.PATCH]; the rest becomes a "+" suffix whose fields are separated by
# dots, so dpkg orders later commits after their tag and before the next one. No git, or not a
# work tree: 0.0.0+unknown. The same text is what `iostd --version` prints and what the `sw.*`
# housekeeping parameters encode (Sources/FlightCore/Core/SoftwareVersion.swift).
set -eu
repo=${1:-.}
describe=$(git -C "$repo" describe --tags --always --dirty 2>/dev/null) || { echo "0.0.0+unknown"; exit 0; }
dirty=""
case "$describe" in
  *-dirty) dirty=.dirty; describe=${describe%-dirty} ;;
esac
if printf '%s\n' "$describe" | grep -Eq '^v?[0-9]+(\.[0-9]+){1,2}-[0-9]+-g[0-9a-f]+$'; then
  tag=${describe%-*-g*}; rest=${describe#"$tag"-}
  count=${rest%%-g*}; hash=${rest#*-g}
  base=${tag#v}
  echo "$base+$count.g$hash$dirty"
elif printf '%s\n' "$describe" | grep -Eq '^v?[0-9]+(\.[0-9]+){1,2}$'; then
  base=${describe#v}
  if [ -n "$dirty" ]; then echo "$base+dirty"; else echo "$base"; fi
elif printf '%s\n' "$describe" | grep -Eq '^[0-9a-f]+$'; then
  echo "0.0.0+g$describe$dirty"
else
  # A tag that is not a version: keep only characters Debian allows, after 0.0.0+.
  echo "0.0.0+$(printf '%s' "$describe" | tr -c 'A-Za-z0-9.~' '.')$dirty"
fi
