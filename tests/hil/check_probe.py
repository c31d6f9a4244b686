#!/usr/bin/env python3
"""Compare `iostd probe --json` output with tests/hil/expected.json.

usage: check_probe.py EXPECTED_JSON PROBE_JSONL
Every device in "devices" must be in the probe output with "ok": true and every listed value
within its tolerance; any other device in the output must be ok too. One line per device on
stdout; exit status 1 on any mismatch.
"""
import json
import sys


def main() -> int:
    expected = json.load(open(sys.argv[1]))["devices"]
    seen = {}
    for number, line in enumerate(open(sys.argv[2]), 1):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            print(f"  FAIL  probe output line {number} is not JSON ({error}): {line[:120]}")
            return 1
        seen[record.get("device")] = record
    failures = 0
    for device in sorted(set(expected) | set(seen)):
        record = seen.get(device)
        if record is None:
            print(f"  FAIL  {device}: not in the probe output")
            failures += 1
            continue
        if not record.get("ok"):
            print(f"  FAIL  {device}: {record.get('error', 'not ok')}")
            failures += 1
            continue
        values = record.get("values", {})
        problems = []
        for key, (want, tolerance) in expected.get(device, {}).items():
            got = values.get(key)
            if not isinstance(got, (int, float)) or abs(got - want) > tolerance:
                problems.append(f"{key} = {got}, expected {want} ± {tolerance}")
        if problems:
            print(f"  FAIL  {device}: " + "; ".join(problems))
            failures += 1
        else:
            listed = ", ".join(f"{k}={values[k]:.6g}" for k in expected.get(device, {}))
            print(f"  ok    {device} [{record.get('identity', '')}] {listed}")
    print(f"probe check: {len(seen)} device(s), {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
