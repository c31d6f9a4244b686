#!/usr/bin/env bash
# make run: iostd on the simulated vehicle (config/sim.toml) in the background, and the
# operator's console in the foreground. Ctrl-C (or the console exiting) stops both.
#   CONFIG=config/sim.toml   the vehicle
#   BUILD=.build/debug       where the binaries are (make builds them first)
#   IOSTD_LOG=.cache/iostd.log   the daemon's log (journald-style lines)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-config/sim.toml}
BUILD=${BUILD:-.build/debug}
LOG=${IOSTD_LOG:-.cache/iostd.log}
mkdir -p "$(dirname "$LOG")" .cache

for binary in iostd iost-ground; do
  [ -x "$BUILD/$binary" ] || { echo "run-sim: $BUILD/$binary is missing: run 'make build' first" >&2; exit 1; }
done

# The mission database for the console, from the same configuration.
"$BUILD/iostd" mib --config "$CONFIG" > .cache/mib.json

"$BUILD/iostd" run --config "$CONFIG" 2> "$LOG" &
daemon=$!
stop() {
  if kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'exit 130' INT TERM

echo "iostd running (pid $daemon, log $LOG); starting the ground console — Ctrl-C stops both."
echo "In another terminal:  $BUILD/iost-ground send ping   |   send mode SAFE   |   send param get ls.ppo2_kpa"
sleep 0.5
kill -0 "$daemon" 2>/dev/null || { echo "iostd exited; its log:" >&2; cat "$LOG" >&2; exit 1; }
"$BUILD/iost-ground" --mib .cache/mib.json --listen 127.0.0.1:10025 "$@"
