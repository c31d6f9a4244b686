#!/usr/bin/env bash
# deb-test.sh — the Debian package as a user installs it (make test-deb, part of make test).
#
#   scripts/deb-test.sh [PACKAGE.deb]     default: .build/deb/iost-flight_*_<arch>.deb (make deb)
#   scripts/deb-test.sh --prepare         only build (or check) the cached Debian root
#
# In a minimal Debian 12 root (debootstrap --variant=minbase bookworm: no Swift toolchain, no
# compiler, no systemd), cached as a tarball and unpacked fresh for every run:
#   A. `apt-get install ./PACKAGE.deb` (its Depends come from Debian); no Swift runtime anywhere
#      in the root and every library of both binaries resolves; the files are where the package
#      says; `iostd --version` is the package version; the user and groups exist (the
#      maintainer scripts' fallback without systemd-sysusers); the service is not enabled;
#      `iostd probe` on the shipped sim.toml reads every device; `iostd sim` on a shipped
#      scenario finds its configuration from the examples folder; `iostd run` on sim.toml, with
#      NOTIFY_SOCKET and --downlink to this script's sockets, sends READY=1, STATUS= and
#      STOPPING=1, and TM frames that spacepackets and puslib decode (tests/peers/
#      downlink_check.py), among them housekeeping reports; the packaged iost-ground decodes
#      the `software` housekeeping structure and its sw.* values are the package version's.
#   B. Debian's systemd installed in the same root: reinstalled, the maintainer scripts create
#      the user and groups through systemd-sysusers; `systemd-analyze verify` passes on the
#      installed unit; still not enabled; `dpkg -r` keeps /etc/iost/iostd.toml (edited, to be
#      sure it is the operator's file that stays), `dpkg -P` removes it.
#   C. The root booted with systemd as PID 1 (systemd-nspawn --boot), the service enabled on the
#      simulated vehicle: it becomes active (READY=1) as user iost with only its two ambient
#      capabilities, `systemctl status` shows its STATUS= line, `systemd-analyze security` on the
#      running unit is <= 2.0, kill -9 is followed by a restart, and --inject-stall makes the
#      watchdog kill it and systemd restart it.
# Prints one PASS/FAIL line per check and a summary; exit status 0 only if every check passed.
# Every check's output goes to .build/deb/test-deb.log.
#
# Must run as root (debootstrap, chroot, mounts). Not root: FAIL with a message, exit 1.
# Environment: IOST_DEB_CACHE (/var/cache/iost-deb-root), IOST_DEB_MIRROR
#   (http://deb.debian.org/debian), IOST_PYTHON (the venv's python, with spacepackets and
#   puslib), IOST_DEB_KEEP=1 keeps the unpacked root (its path is printed).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
say() { printf '[test-deb] %s\n' "$*"; }
banner() { printf '[test-deb] ******************************************************************\n[test-deb] %s\n[test-deb] ******************************************************************\n' "$*"; }

if [[ "$(id -u)" != 0 ]]; then
    banner "FAIL: the package test needs root (debootstrap, chroot, mounts). Run as root: sudo make test-deb"
    exit 1
fi
started=$SECONDS
arch=$(dpkg --print-architecture)
cache=${IOST_DEB_CACHE:-/var/cache/iost-deb-root}
mirror=${IOST_DEB_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
tarball=$cache/$suite-minbase-$arch.tar
python=${IOST_PYTHON:-$repo/.venv/bin/python}

# ------------------------------------------------------------ the cached root
# debootstrap once (1–3 min), then apt lists and systemd's packages downloaded into the root's
# apt cache, so part B installs systemd without the network. Kept as a tarball; a run unpacks
# a fresh copy. Two first runs at once serialise on the lock.
prepare_root() {
    mkdir -p "$cache"
    exec 9>"$cache/.lock"
    flock 9
    if [[ -s $tarball ]]; then flock -u 9; return 0; fi
    command -v debootstrap >/dev/null || {
        say "installing debootstrap"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap; } >/dev/null || return 1
    }
    local build=$cache/build.$$
    rm -rf "$build"; mkdir -p "$build"
    say "debootstrap --variant=minbase $suite ($mirror) — first run only"
    debootstrap --variant=minbase --arch="$arch" "$suite" "$build" "$mirror" > "$cache/debootstrap.log" 2>&1 \
        || { tail -n 20 "$cache/debootstrap.log"; rm -rf "$build"; return 1; }
    cp /etc/resolv.conf "$build/etc/resolv.conf"
    mount -t proc proc "$build/proc"
    chroot "$build" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --download-only systemd' \
        >> "$cache/debootstrap.log" 2>&1
    local rc=$?
    umount "$build/proc"
    [[ $rc == 0 ]] || { tail -n 20 "$cache/debootstrap.log"; rm -rf "$build"; return 1; }
    tar -C "$build" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$build"
    flock -u 9
    say "cached $tarball ($(du -h "$tarball" | cut -f1))"
}

if [[ ${1:-} == --prepare ]]; then
    prepare_root || { say "FAIL: could not build the Debian root"; exit 1; }
    exit 0
fi

deb=${1:-$(ls -t .build/deb/iost-flight_*_"$arch".deb 2>/dev/null | head -n 1)}
if [[ -z $deb || ! -f $deb ]]; then
    banner "FAIL: no package to test: run make deb first (looked for .build/deb/iost-flight_*_$arch.deb)"
    exit 1
fi
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
version=$(dpkg-deb -f "$deb" Version)
say "package $deb ($version, $(du -h "$deb" | cut -f1))"
[[ -x $python ]] || { banner "FAIL: $python missing (make py-deps)"; exit 1; }

prepare_root || { banner "FAIL: could not build the Debian root (see $cache/debootstrap.log)"; exit 1; }

# ------------------------------------------------------------ a fresh copy of the root
work=$(mktemp -d /var/tmp/iost-deb-test.XXXXXX)
root=$work/root
mounted=()
ground=
cleanup() {
    local m
    [[ -n $ground ]] && kill "$ground" 2>/dev/null
    for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[i]}" 2>/dev/null; done
    if [[ ${IOST_DEB_KEEP:-0} == 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$root"
tar -C "$root" -xf "$tarball" || { banner "FAIL: unpacking $tarball"; exit 1; }
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount --bind /dev "$root/dev" && mounted+=("$root/dev")
mount -t tmpfs tmpfs "$root/run" && mounted+=("$root/run")
mount -t tmpfs tmpfs "$root/tmp" && mounted+=("$root/tmp")
cp "$deb" "$root/tmp/"
pkgfile=/tmp/$(basename "$deb")
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"; }
export root; export -f in_root

passed=0; failed=0; failures=()
details=$repo/.build/deb/test-deb.log     # every check's output, passed or not
mkdir -p "$(dirname "$details")"; : > "$details"
check() {  # check NAME COMMAND...: PASS if COMMAND succeeds
    local name=$1; shift
    local ok=0
    "$@" > "$work/check.log" 2>&1 || ok=1
    { echo "=== $name: $([[ $ok == 0 ]] && echo PASS || echo FAIL)"; cat "$work/check.log"; } >> "$details"
    if [[ $ok == 0 ]]; then
        passed=$((passed+1)); say "PASS  $name"
    else
        failed=$((failed+1)); failures+=("$name"); say "FAIL  $name"; sed 's/^/[test-deb]       /' "$work/check.log" | tail -n 25
    fi
}

# ------------------------------------------------------------ A. a root without systemd
say "A. minimal Debian 12 root, no systemd, no Swift"
install_started=$SECONDS
check "apt-get install ./$(basename "$deb") (Depends from Debian)" \
    in_root sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgfile"
say "      install took $((SECONDS-install_started)) s"
check "no Swift toolchain or runtime in the root" \
    bash -c "! in_root sh -c 'command -v swift swiftc' && [ -z \"\$(find '$root' -xdev -name 'libswift*.so*' -print -quit)\" ]"
check "every library of iostd and iost-ground resolves (ldd in the root)" \
    bash -c "for b in /usr/bin/iostd /usr/bin/iost-ground; do out=\$(in_root ldd \$b) || exit 1; echo \"\$out\"; ! echo \"\$out\" | grep -q 'not found'; done"
check "Depends names only Debian runtime packages, each installed" \
    bash -c "deps=\$(dpkg-deb -f '$deb' Depends); echo \"\$deps\"; ! echo \"\$deps\" | grep -qi swift; for p in \$(echo \"\$deps\" | tr ',|' '\n\n' | sed 's/(.*)//; s/ //g'); do in_root dpkg-query -W -f='\${Status}\n' \$p | grep -q 'ok installed' || exit 1; done"
check "files in place (binaries, unit, sysusers, udev rules, man pages, examples)" \
    bash -c "for f in /usr/bin/iostd /usr/bin/iost-ground /usr/lib/systemd/system/iostd.service /usr/lib/sysusers.d/iostd.conf \
        /usr/lib/udev/rules.d/60-iost-devices.rules /etc/iost/iostd.toml /usr/share/man/man1/iostd.1.gz /usr/share/man/man1/iostd-run.1.gz \
        /usr/share/man/man1/iost-ground.1.gz /usr/share/doc/iost/examples/sim.toml /usr/share/doc/iost/examples/bench.toml \
        /usr/share/doc/iost/examples/scenarios/nominal-orbit.toml /usr/share/doc/iost/README.md; do test -s '$root'\$f || { echo missing \$f; exit 1; }; done"
check "the unit runs /usr/bin/iostd on /etc/iost/iostd.toml" \
    grep -qx 'ExecStart=/usr/bin/iostd run --config /etc/iost/iostd.toml' "$root/usr/lib/systemd/system/iostd.service"
check "/etc/iost/iostd.toml is config/bench.toml and a conffile" \
    bash -c "cmp config/bench.toml '$root/etc/iost/iostd.toml' && in_root dpkg-query -W -f='\${Conffiles}\n' iost-flight | grep -q '/etc/iost/iostd.toml'"
check "iostd --version is the package version ($version)" \
    bash -c "v=\$(in_root iostd --version); echo \"iostd --version: \$v\"; [ \"\$v\" = '$version' ]"
check "user iost in groups gpio, i2c, dialout (without systemd-sysusers)" \
    bash -c "in_root id iost; g=\$(in_root id -nG iost); for x in gpio i2c dialout; do echo \" \$g \" | grep -q \" \$x \" || exit 1; done"
check "the service is installed, not enabled" \
    bash -c "[ -z \"\$(find '$root/etc/systemd' -name 'iostd.service' 2>/dev/null)\" ]"
check "man pages render (man -l on the host)" \
    bash -c "MANWIDTH=80 man -l '$root/usr/share/man/man1/iostd-run.1.gz' | grep -q -- '--downlink' && MANWIDTH=80 man -l '$root/usr/share/man/man1/iostd.1.gz' | grep -qi 'probe'"

devices=$(grep -c '^\[\[device\]\]' "$root/usr/share/doc/iost/examples/sim.toml")
check "iostd probe --config /usr/share/doc/iost/examples/sim.toml: all $devices devices ok" \
    bash -c "in_root iostd probe --json --config /usr/share/doc/iost/examples/sim.toml > '$work/probe.jsonl'; rc=\$?; cat '$work/probe.jsonl'; [ \$rc = 0 ] && \
      [ \$(grep -c '\"ok\":true' '$work/probe.jsonl') = $devices ] && ! grep -q '\"ok\":false' '$work/probe.jsonl'"
check "iostd sim on examples/scenarios/nominal-orbit.toml finds examples/sim.toml" \
    bash -c "in_root iostd sim --scenario /usr/share/doc/iost/examples/scenarios/nominal-orbit.toml --duration 10min --quiet && \
      in_root iostd sim --scenario /usr/share/doc/iost/examples/scenarios/nominal-orbit.toml --duration 2min | grep -E '^vehicle /usr/share/doc/iost/examples/(scenarios/\\.\\./)?sim\\.toml'"

# iostd run: 12 s, so the 10 s `software` housekeeping structure is reported once. Two downlinks:
# this script's UDP socket (frames for downlink_check.py) and the packaged iost-ground --json.
in_root sh -c 'iostd mib --config /usr/share/doc/iost/examples/sim.toml > /tmp/mib.json'
free_port() { $python -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ground_port=$(free_port)
uplink_port=$(free_port)     # not the configuration's 10026: other runs on this machine may hold it
# chroot execs env, which execs iost-ground: $! is iost-ground itself (no shell in between).
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin iost-ground console --json --listen 127.0.0.1:"$ground_port" \
    --mib /tmp/mib.json > "$work/ground.jsonl" 2> "$work/ground.err" &
ground=$!
sleep 0.5
NOTIFY_SOCKET_IN_ROOT=/run/iostd-notify.sock $python tests/deb/supervise.py "$root/run/iostd-notify.sock" "$work/frames.bin" 40 -- \
    chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin NOTIFY_SOCKET=/run/iostd-notify.sock \
    iostd run --config /usr/share/doc/iost/examples/sim.toml --duration 12s \
    --downlink '127.0.0.1:{udp_port}' --downlink 127.0.0.1:"$ground_port" --uplink 127.0.0.1:"$uplink_port" \
    > "$work/run.json" 2> "$work/run.log"
sleep 0.5
kill "$ground" 2>/dev/null; wait "$ground" 2>/dev/null; ground=
cat "$work/run.json"
check "iostd run exits 0 after --duration 12s" \
    bash -c "grep -q '\"exit\": 0,' '$work/run.json' || { tail -n 20 '$work/run.log'; exit 1; }"
check "READY=1, STATUS= and STOPPING=1 on NOTIFY_SOCKET" \
    $python -c "
import json, sys
r = json.load(open('$work/run.json')); lines = [l for m in r['notify'] for l in m.split('\n')]
print(r['notify'])
assert 'READY=1' in lines and 'STOPPING=1' in lines and any(l.startswith('STATUS=') for l in lines)
assert lines.index('READY=1') < lines.index('STOPPING=1')
"
check "TM frames decoded by spacepackets and puslib, housekeeping among them" \
    bash -c "$python tests/peers/downlink_check.py '$work/frames.bin' 1024 42 > '$work/downlink.json'; cat '$work/downlink.json'; \
      $python -c \"import json; d = json.load(open('$work/downlink.json')); assert d['frames'] > 10 and d['packets'] > 5 and not d['errors'] and d['kinds'].get('3,25', 0) > 0, d\""
expected=$($python - "$version" <<'PY'
import re, sys
v = sys.argv[1]
base, _, rest = v.partition("+")
nums = [int(x) for x in base.split(".")] + [0, 0, 0]
commits, commit, dirty = 0, 0, 0
for f in rest.split(".") if rest else []:
    if f == "dirty": dirty = 1
    elif re.fullmatch(r"g[0-9a-f]+", f): commit = int(f[1:9], 16)
    elif f.isdigit(): commits = int(f)
print(f"{nums[0]} {nums[1]} {nums[2]} {commits} {commit} {dirty}")
PY
)
check "the software housekeeping report carries the package version (iost-ground --json): $expected" \
    $python - "$work/ground.jsonl" "$expected" <<'PY'
import json, sys
names = ["sw.version_major", "sw.version_minor", "sw.version_patch", "sw.commits_since_tag", "sw.commit", "sw.dirty"]
want = [int(x) for x in sys.argv[2].split()]
seen = None
for line in open(sys.argv[1]):
    try:
        packet = json.loads(line)
    except ValueError:
        continue
    if packet.get("kind") != "housekeeping" or packet.get("structure") != "software":
        continue
    seen = packet["values"]
    print("report:", json.dumps(packet))
    got = [int(seen[n]) for n in names]
    assert got == want, (got, want)
    break
assert seen is not None, "no housekeeping report with sw.version_major decoded by iost-ground"
PY

# ------------------------------------------------------------ B. with Debian's systemd
say "B. the same root with Debian's systemd (from the cached downloads)"
check "apt-get install systemd" \
    in_root sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends systemd"
check "reinstalled without user and groups: systemd-sysusers creates them" \
    bash -c "in_root dpkg -P iost-flight && in_root userdel iost; in_root groupdel gpio; in_root groupdel i2c; \
      ! in_root id iost 2>/dev/null && in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgfile' | tee /dev/stderr | grep -q 'systemd-sysusers' && \
      g=\$(in_root id -nG iost) && echo \"iost: \$g\" && for x in gpio i2c dialout; do echo \" \$g \" | grep -q \" \$x \" || exit 1; done"
check "systemd-analyze verify iostd.service (in the root)" \
    in_root systemd-analyze verify /usr/lib/systemd/system/iostd.service
check "systemctl is-enabled iostd: disabled" \
    bash -c "s=\$(in_root systemctl is-enabled iostd 2>&1); echo \"\$s\"; [ \"\$s\" = disabled ]"
echo '# edited by the operator' >> "$root/etc/iost/iostd.toml"
check "dpkg -r keeps the edited /etc/iost/iostd.toml, removes the binaries" \
    bash -c "in_root dpkg -r iost-flight && grep -q 'edited by the operator' '$root/etc/iost/iostd.toml' && [ ! -e '$root/usr/bin/iostd' ]"
check "dpkg -P removes /etc/iost/iostd.toml" \
    bash -c "in_root dpkg -P iost-flight && [ ! -e '$root/etc/iost/iostd.toml' ] && [ ! -e '$root/etc/iost' ]"

# ------------------------------------------------------------ C. under systemd as PID 1
# The same root booted by systemd-nspawn (--register=no --keep-unit: this machine has no system
# D-Bus or machined; --private-network: the daemon's default link ports stay inside), the service
# enabled on the simulated vehicle (a drop-in overriding ExecStart), inspected with nsenter.
say "C. the unit under a real systemd as PID 1 (systemd-nspawn --boot)"
if ! command -v systemd-nspawn >/dev/null; then
    say "installing systemd-container (systemd-nspawn)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd-container; } >/dev/null 2>&1
fi
check "reinstalled and enabled on the simulated vehicle" \
    bash -c "in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgfile' && \
      mkdir -p '$root/etc/systemd/system/iostd.service.d' && \
      printf '[Service]\nExecStart=\nExecStart=/usr/bin/iostd run --config /usr/share/doc/iost/examples/sim.toml\n' > '$root/etc/systemd/system/iostd.service.d/sim.conf' && \
      in_root systemctl enable iostd.service"
for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[i]}"; done
mounted=()
box=; box_init=
# nspawn's default capability set lacks CAP_IPC_LOCK, which a board's systemd has: grant it.
boot_started=$SECONDS
systemd-nspawn -D "$root" --boot --register=no --keep-unit --private-network --capability=CAP_IPC_LOCK \
    --machine=iost-deb-test --console=pipe \
    < /dev/null > "$work/nspawn.log" 2>&1 &
box=$!
stop_box() {
    [[ -n $box ]] || return 0
    kill -TERM "$box" 2>/dev/null
    for _ in $(seq 60); do kill -0 "$box" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$box" 2>/dev/null; wait "$box" 2>/dev/null; box=
}
trap 'stop_box; cleanup' EXIT
in_box() { nsenter -t "$box_init" -a /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
unit_property() { in_box systemctl show -p "$1" --value iostd.service; }
wait_for() {  # wait_for SECONDS COMMAND...: until COMMAND succeeds
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do ((SECONDS < deadline)) || return 1; sleep 0.5; done
}
# The container's PID 1 is a child of systemd-nspawn in a PID namespace of its own, running
# systemd; nspawn briefly has other children first (the outer child that sets the container up
# exits once it has forked the init), so wait for one that is systemd in another PID namespace.
host_pidns=$(readlink /proc/self/ns/pid)
box_init=
for _ in $(seq 150); do
    for candidate in $(pgrep -P "$box"); do
        if [[ $(cat "/proc/$candidate/comm" 2>/dev/null) == systemd && $(readlink "/proc/$candidate/ns/pid" 2>/dev/null) != "$host_pidns" ]]; then
            box_init=$candidate
        fi
    done
    [[ -n $box_init ]] && break
    sleep 0.2
done
box_active() { [[ $(in_box systemctl is-active iostd.service) == active ]]; }

c_ready() {
    [[ -n $box_init ]] || { cat "$work/nspawn.log"; return 1; }
    wait_for 90 box_active || { in_box systemctl status iostd.service --no-pager; in_box journalctl -b --no-pager | tail -n 30; return 1; }
    in_box systemctl show -p Type,ActiveState,SubState,MainPID,StatusText iostd.service
    [[ $(unit_property Type) == notify && $(unit_property StatusText) == mode=* ]]
}
c_user_caps() {
    local pid uid
    pid=$(unit_property MainPID); uid=$(in_box id -u iost)
    in_box grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb):' "/proc/$pid/status" | tee "$work/caps.txt"
    # CAP_IPC_LOCK (14) and CAP_SYS_NICE (23): 0x804000, and nothing else in any set.
    grep -qE "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]" "$work/caps.txt" &&
        for set in CapPrm CapEff CapBnd CapAmb; do grep -qE "^$set:[[:space:]]+0000000000804000$" "$work/caps.txt" || return 1; done
}
# (grep reads its whole input here: with pipefail, grep -q ending early would fail the pipe on SIGPIPE.)
c_status() { in_box systemctl status iostd.service --no-pager | tee /dev/stderr | grep 'Status: "mode=' > /dev/null; }
c_security() {
    local out score
    out=$(in_box systemd-analyze security iostd.service --no-pager 2>&1) || true
    echo "$out" | tail -n 3
    score=$(echo "$out" | sed -n 's/.*Overall exposure level for iostd.service: \([0-9.]*\).*/\1/p')
    [[ -n $score ]] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
}
c_kill9() {
    local before restarts
    before=$(unit_property MainPID); restarts=$(unit_property NRestarts)
    echo "main PID $before, restarts $restarts: kill -9"
    in_box sh -c "kill -9 $before"     # the shell's kill: minbase has no procps
    wait_for 20 bash -c "[ \"\$(nsenter -t $box_init -a systemctl show -p MainPID --value iostd.service)\" != $before ] && \
        [ \"\$(nsenter -t $box_init -a systemctl show -p MainPID --value iostd.service)\" != 0 ]" && wait_for 20 box_active || return 1
    echo "main PID $(unit_property MainPID), restarts $(unit_property NRestarts)"
    (( $(unit_property NRestarts) == restarts + 1 ))
}
c_watchdog() {
    local restarts
    printf '[Service]\nExecStart=\nExecStart=/usr/bin/iostd run --config /usr/share/doc/iost/examples/sim.toml --inject-stall 3s:15s\n' \
        > "$root/etc/systemd/system/iostd.service.d/stall.conf"
    in_box systemctl daemon-reload && in_box systemctl restart iostd.service || return 1
    restarts=$(unit_property NRestarts)
    echo "stall injected at 3 s for 15 s; WatchdogSec=5; restarts $restarts"
    local t0=$SECONDS
    wait_for 90 bash -c "(( \$(nsenter -t $box_init -a systemctl show -p NRestarts --value iostd.service) > $restarts ))"
    local status=$?
    echo "restarts $(unit_property NRestarts) after $((SECONDS - t0)) s"
    in_box journalctl -u iostd.service --no-pager -o short-monotonic | grep -E 'Watchdog timeout|withholding|Main process exited|Scheduled restart|Started|fault injection' | tail -n 8
    rm -f "$root/etc/systemd/system/iostd.service.d/stall.conf"
    in_box systemctl daemon-reload; in_box systemctl restart iostd.service
    [[ $status == 0 ]] && in_box journalctl -u iostd.service --no-pager -o cat | grep 'Watchdog timeout' > /dev/null
}
check "systemd PID 1 starts iostd.service (Type=notify): active with a STATUS= text" c_ready
say "      boot to active: $((SECONDS-boot_started)) s"
check "runs as the packaged user iost with only CAP_SYS_NICE and CAP_IPC_LOCK (ambient)" c_user_caps
check "systemctl status shows the STATUS= line" c_status
check "systemd-analyze security iostd.service on the running unit: exposure <= 2.0" c_security
check "kill -9 of the main process: restarted (Restart=on-failure)" c_kill9
check "--inject-stall: pings withheld, the watchdog kills it, systemd restarts it" c_watchdog
stop_box

total=$((passed+failed))
if [[ $failed == 0 ]]; then
    say "the output of every check: ${details#"$repo"/}"
    banner "test-deb: PASS — $passed/$total checks on $(basename "$deb") in a clean Debian 12 root ($((SECONDS-started)) s)"
    exit 0
fi
say "the output of every check: ${details#"$repo"/}"
banner "test-deb: FAIL — $failed of $total checks failed: ${failures[*]} ($((SECONDS-started)) s)"
exit 1
