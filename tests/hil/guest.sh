#!/usr/bin/env bash
# guest.sh — the HIL bench test cases, run INSIDE the bench guest by scripts/hil-test.sh.
#
# Each case is a function `case_<name>`; it runs under its own timeout with its output in
# $HIL_RESULTS/<name>.log, and its outcome goes to $HIL_RESULTS/summary.tsv:
#     name <TAB> PASS|FAIL|PENDING <TAB> seconds <TAB> one-line detail
# Return 0 = PASS, 77 = PENDING (the thing under test does not exist yet), anything else = FAIL.
# Adding a case = writing one function and naming it in CASES.
#
# Environment: the bench's HIL_* variables (scripts/hil-bench), and from scripts/hil-test.sh:
#   IOST_REPO        the repository (shared read-write with the host)
#   IOST_PYTHON      the venv Python with pymodbus and spacepackets
#   HIL_BIN          SwiftPM's build directory with iostd and the test bundle
#   HIL_IOSTD        the iostd the probe, absent_address and daemon cases run (scripts/hil-test.sh:
#                    the packaged one, unpacked from make deb's .deb; default $HIL_BIN/iostd)
#   HIL_GPIOD_CHECKS directory with gpiod-check-v1 and gpiod-check-v2 (tests/hil/gpiod_compat_check.c)
#   HIL_RESULTS      where logs and the summary go (inside the repository)
#   HIL_CASES        space-separated subset of CASES to run (default: all)
#   HIL_CASE_TIMEOUT seconds per case (default 300)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=${IOST_REPO:-$(cd "$here/../.." && pwd)}
python=${IOST_PYTHON:-$repo/.venv/bin/python}
bin=${HIL_BIN:-$repo/.build/debug}
iostd=${HIL_IOSTD:-$bin/iostd}
results=${HIL_RESULTS:?HIL_RESULTS must be set}
expected=$here/expected.json
case_timeout=${HIL_CASE_TIMEOUT:-300}
CASES="preload swift probe absent_address gpiod_v1 gpiod_v2 daemon"
mkdir -p "$results"
: > "$results/summary.tsv"
work=$(mktemp -d /tmp/iost-hil.XXXXXX)
export IOST_REPO=$repo IOST_PYTHON=$python

log() { echo "[hil] $*"; }

# ------------------------------------------------------------------ shared helpers

# Starts a socat pty pair and a pymodbus peer per entry of expected.json's peer_values, and
# writes $work/peers.sed (placeholder -> pty end the client uses). Stop with stop_peers.
start_peers() {
    : > "$work/peers.sed"; : > "$work/peers.pids"; : > "$work/peers.list"
    local name device placeholder baud values
    # Launch every pair and peer first, then wait: Python takes seconds to start under TCG.
    while IFS=$'\t' read -r name device placeholder baud values; do
        mkdir -p "$work/tty-$name"
        socat -d -d "pty,raw,echo=0,link=$work/tty-$name/A" "pty,raw,echo=0,link=$work/tty-$name/B" 2>"$work/socat-$name.log" &
        echo $! >> "$work/peers.pids"
        for _ in $(seq 100); do [[ -e $work/tty-$name/B ]] && break; sleep 0.1; done
        [[ -e $work/tty-$name/B ]] || { log "socat for $name did not start"; return 1; }
        "$python" "$repo/tests/peers/modbus_peer.py" --device "$device" --values "$values" --rtu "$work/tty-$name/B" \
            --baud "$baud" > "$work/peer-$name.log" 2>&1 &
        echo $! >> "$work/peers.pids"
        echo "s|$placeholder|$work/tty-$name/A|g" >> "$work/peers.sed"
        printf '%s %s %s\n' "$name" "$device" "$baud" >> "$work/peers.list"
    done < <("$python" -c '
import json, sys
for name, p in json.load(open(sys.argv[1]))["peer_values"].items():
    print("\t".join([name, p["device"], p["placeholder"], str(p["baud"]), json.dumps(p["values"])]))' "$expected")
    while read -r name device baud; do
        for _ in $(seq 600); do grep -q '^READY' "$work/peer-$name.log" && break; sleep 0.1; done
        grep -q '^READY' "$work/peer-$name.log" || { log "peer $name not ready after 60 s:"; cat "$work/peer-$name.log"; return 1; }
        log "peer $name ($device, ${baud} baud) on $work/tty-$name/B"
    done < "$work/peers.list"
}

stop_peers() {
    [[ -f $work/peers.pids ]] || return 0
    while read -r pid; do kill "$pid" 2>/dev/null; done < "$work/peers.pids"
    wait 2>/dev/null
    rm -f "$work/peers.pids"
}

# config/hil.toml with this guest's devices substituted -> $1
vehicle_config() {
    sed -e "s|@I2C_DEV@|$HIL_I2C_DEV|g" -e "s|@GPIOCHIP@|$HIL_GPIOCHIP|g" -f "$work/peers.sed" "$repo/config/hil.toml" > "$1"
    ! grep -n '@[A-Z0-9_]*@' "$1" || { log "unsubstituted placeholders in $1"; return 1; }
}

# gpio-sim offset of a named line
line_offset() { gpiofind "$1" | awk '{ print $2 }'; }

# Kernel tracing of GPIO level changes (tracepoint gpio:gpio_value): deterministic evidence of
# what a process drove on its lines, even after it released them (gpio-sim then shows the pull).
trace_dir=/sys/kernel/tracing
gpio_trace_start() {
    [[ -d $trace_dir/events ]] || mount -t tracefs nodev "$trace_dir" 2>/dev/null
    [[ -d $trace_dir/events/gpio/gpio_value ]] || { log "no gpio tracepoints"; return 1; }
    echo 0 > "$trace_dir/tracing_on"; : > "$trace_dir/trace"
    echo 1 > "$trace_dir/events/gpio/gpio_value/enable"; echo 1 > "$trace_dir/tracing_on"
}
gpio_trace_stop() {   # -> $1: "global-gpio value" per set, in order
    echo 0 > "$trace_dir/tracing_on"
    sed -n 's/.*gpio_value: *\([0-9]*\) *set *\([01]\).*/\1 \2/p' "$trace_dir/trace" > "$1"
    echo 0 > "$trace_dir/events/gpio/gpio_value/enable"
}
chip_base() { cat "$HIL_GPIO_SYSFS"/../gpio/gpiochip*/base 2>/dev/null | head -n1; }

# Checks that the last level traced on each actuator line is expected.json's actuator_lines.
check_actuator_trace() {   # $1 trace file
    local base; base=$(chip_base)
    [[ -n $base ]] || { log "cannot find the chip's GPIO base"; return 1; }
    local failures=0 name level offset last
    while read -r name level; do
        offset=$(line_offset "$name") || { log "no line $name"; failures=$((failures + 1)); continue; }
        last=$(awk -v g=$((base + offset)) '$1 == g { v = $2 } END { print v }' "$1")
        if [[ "$last" == "$level" ]]; then log "  ok    $name (offset $offset): last driven level $last"
        else log "  FAIL  $name (offset $offset): last driven level '${last:-none}', expected $level"; failures=$((failures + 1)); fi
    done < <("$python" -c '
import json, sys
for k, v in json.load(open(sys.argv[1]))["actuator_lines"].items():
    if not k.startswith("_"): print(k, v)' "$expected")
    return $((failures > 0))
}

# ------------------------------------------------------------------------- the cases

# i2c-stub banks: BME280, ADS1115 ×2, INA226 ×2, MPU-6050 (tests/hil/registers).
case_preload() {
    "$here/preload-registers.sh" "$HIL_I2C_BUS" "$here"/registers/*.regs
}

# The Swift HILBench suites (LinuxI2CBus on i2c-stub, LinuxGPIOChip/EdgeEventMonitor, Geiger
# counter and actuators on gpio-sim, Modbus drivers and a peer restart over RTU). The host's
# ModbusRTUPeerTests are not repeated here: their peers get 8 s to start, too short under TCG.
case_swift() {
    local bundle=$bin/iost-flightPackageTests.xctest
    [[ -x $bundle ]] || { log "no test bundle $bundle (swift build --build-tests)"; return 1; }
    NO_COLOR=1 "$bundle" --testing-library swift-testing --filter HILBench
}

# `iostd probe --json` on the whole bench vehicle reads the values the registers and peers encode;
# the actuator lines it opens are driven to their safe states (kernel GPIO trace).
case_probe() {
    start_peers || return 1
    local config=$work/hil.toml status
    vehicle_config "$config" || { stop_peers; return 1; }
    gpio_trace_start; local traced=$?
    local t0=$SECONDS
    timeout 180 "$iostd" probe --config "$config" --json > "$results/probe.jsonl" 2> "$results/probe.stderr"
    status=$?
    log "iostd probe: exit status $status in $((SECONDS - t0)) s"
    (( traced == 0 )) && gpio_trace_stop "$work/probe-trace.txt"
    stop_peers
    "$python" "$here/check_probe.py" "$expected" "$results/probe.jsonl" || status=1
    if (( traced == 0 )); then check_actuator_trace "$work/probe-trace.txt" || status=1
    else log "FAIL: kernel GPIO tracing unavailable: actuator levels not checked"; status=1; fi
    [[ -s $results/probe.stderr ]] && cat "$results/probe.stderr"
    (( status == 0 )) && log "probe: $(wc -l < "$results/probe.jsonl") devices read as expected; actuator lines driven to their safe levels"
    return $status
}

# A device at an address where nothing answers: the no-acknowledge error, promptly, not a hang.
case_absent_address() {
    local config=$work/absent.toml
    printf '[vehicle]\nname = "absent"\n\n[[bus]]\nname = "i2c-1"\nkind = "i2c"\ndevice = "%s"\n\n[[device]]\nname = "nobody"\ndriver = "bme280"\nbus = "i2c-1"\naddress = 0x77\n' \
        "$HIL_I2C_DEV" > "$config"
    local t0=$SECONDS status
    timeout 60 "$iostd" probe --config "$config" --json > "$work/absent.jsonl" 2>&1
    status=$?
    cat "$work/absent.jsonl"
    local seconds=$((SECONDS - t0))
    (( status == 124 )) && { log "FAIL: probe hung (killed after 60 s)"; return 1; }
    (( status == 1 )) || { log "FAIL: exit status $status, expected 1 (a device failed)"; return 1; }
    grep -q '"ok":false' "$work/absent.jsonl" && grep -q 'no acknowledge (address)' "$work/absent.jsonl" ||
        { log "FAIL: no 'no acknowledge (address)' error in the output"; return 1; }
    log "absent address: no acknowledge (address), exit 1 after ${seconds} s"
}

# CGPIODCompat's libgpiod v1 and v2 branches on gpio-sim (tests/hil/gpiod_compat_check.c).
case_gpiod_v1() { "$HIL_GPIOD_CHECKS/gpiod-check-v1" 1; }
case_gpiod_v2() {
    [[ -x $HIL_GPIOD_CHECKS/gpiod-check-v2 ]] || { log "gpiod-check-v2 was not built"; return 1; }
    "$HIL_GPIOD_CHECKS/gpiod-check-v2" 2
}

# ----------------------------------------------------------- the whole daemon (PENDING)
# `iostd run` for 20 s with the downlink captured: frames must decode with zero errors and the
# housekeeping must carry the preloaded values; the actuator lines must show their safe levels
# while it runs and be driven to them again on SIGTERM; it must exit 0 on SIGTERM.
# Enabled automatically once `iostd run` exists. What it assumes about the daemon (adjust here
# when the daemon lands): `iostd run --config FILE` sends TM frames as UDP datagrams to the
# address in HIL_DOWNLINK (127.0.0.1:HIL_DOWNLINK_PORT), configured by `--downlink HOST:PORT`.
case_daemon() {
    if ! "$iostd" --help 2>/dev/null | grep -qE '^[[:space:]]+run([[:space:]]|$)'; then
        log "PENDING: iostd has no 'run' subcommand yet; the harness (peers, downlink capture, decoder, GPIO trace) is ready"
        return 77
    fi
    local port=${HIL_DOWNLINK_PORT:-10025} config=$work/hil.toml status=0
    start_peers || return 1
    vehicle_config "$config" || { stop_peers; return 1; }
    "$python" "$here/downlink.py" capture --port "$port" --out "$results/downlink.bin" --seconds 30 > "$work/capture.log" 2>&1 &
    local capture=$!
    # The decoder expects every frame from the first (MC count 0): start the daemon only once the
    # capture listens (the release iostd sends its first frame within milliseconds of starting).
    local waited_capture=0
    until grep -q LISTENING "$work/capture.log" 2>/dev/null; do
        (( waited_capture < 600 )) || { log "FAIL: the downlink capture did not start"; cat "$work/capture.log"; stop_peers; return 1; }
        sleep 0.1; waited_capture=$((waited_capture + 1))
    done
    "$iostd" run --config "$config" --downlink "127.0.0.1:$port" > "$results/daemon.log" 2>&1 &
    local daemon=$!
    sleep 20
    kill -0 $daemon 2>/dev/null || { log "FAIL: iostd run exited early"; tail -20 "$results/daemon.log"; stop_peers; return 1; }
    # While it runs: every actuator line shows a driven level (safe state at boot).
    local name level offset
    while read -r name level; do
        offset=$(line_offset "$name")
        log "  $name: sim value $(cat "$HIL_GPIO_SYSFS/sim_gpio$offset/value") (safe level $level)"
    done < <("$python" -c 'import json,sys; [print(k, v) for k, v in json.load(open(sys.argv[1]))["actuator_lines"].items() if not k.startswith("_")]' "$expected")
    gpio_trace_start
    kill -TERM $daemon
    local waited=0
    while kill -0 $daemon 2>/dev/null && (( waited < 100 )); do sleep 0.1; waited=$((waited + 1)); done
    if kill -0 $daemon 2>/dev/null; then log "FAIL: iostd run still running 10 s after SIGTERM"; kill -KILL $daemon; status=1; fi
    wait $daemon; local exit_status=$?
    (( exit_status == 0 )) || { log "FAIL: iostd run exit status $exit_status after SIGTERM"; status=1; }
    gpio_trace_stop "$work/daemon-trace.txt"
    check_actuator_trace "$work/daemon-trace.txt" || status=1
    wait $capture
    stop_peers
    "$python" "$here/downlink.py" decode --in "$results/downlink.bin" --expected "$expected" || status=1
    return $status
}

# ----------------------------------------------------------------------------- runner
export -f log start_peers stop_peers vehicle_config line_offset gpio_trace_start gpio_trace_stop chip_base check_actuator_trace
export here repo python bin iostd results expected work trace_dir
overall=0
log "iostd: $iostd ($("$iostd" --version 2>/dev/null || echo 'no --version'))"
for name in ${HIL_CASES:-$CASES}; do
    declare -F "case_$name" > /dev/null || { log "unknown case $name"; overall=1; continue; }
    export -f "case_$name"
    log "=== $name"
    t0=$(date +%s.%N)
    timeout -k 10 "$case_timeout" bash -c "case_$name" < /dev/null 2>&1 | tee "$results/$name.log"
    status=${PIPESTATUS[0]}
    seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    case $status in
        0)   verdict=PASS ;;
        77)  verdict=PENDING ;;
        124) verdict=FAIL; echo "[hil] $name: timed out after ${case_timeout} s" | tee -a "$results/$name.log" ;;
        *)   verdict=FAIL ;;
    esac
    [[ $verdict == FAIL ]] && overall=1
    detail=$(sed 's/\x1b\[[0-9;]*m//g' "$results/$name.log" | grep -v '^\s*$' | tail -n1 | tr '\t' ' ' | cut -c1-160)
    printf '%s\t%s\t%s\t%s\n' "$name" "$verdict" "$seconds" "$detail" >> "$results/summary.tsv"
    log "=== $name: $verdict (${seconds} s)"
    # A failed register preload makes every I2C result meaningless: stop here.
    [[ $name == preload && $verdict == FAIL ]] && break
done
rm -rf "$work"
exit $overall
