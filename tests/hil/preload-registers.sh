#!/usr/bin/env bash
# preload-registers.sh — write i2c-stub register banks from *.regs files (format: registers/README.md).
#   usage: preload-registers.sh BUS FILE...      (in the HIL bench guest: BUS = $HIL_I2C_BUS)
# Every write is read back; exit status 1 on the first mismatch or i2cset failure.
set -euo pipefail
bus=$1; shift
writes=0
for file in "$@"; do
    while read -r address register mode values; do
        values=${values%%#*}
        case "$mode" in
            b|w) i2cset -y "$bus" "$address" "$register" $values "$mode"
                 got=$(i2cget -y "$bus" "$address" "$register" "$mode")
                 (( got == values )) || { echo "preload: $file: $address $register reads $got, wrote $values" >&2; exit 1; } ;;
            i)   # shellcheck disable=SC2086
                 i2cset -y "$bus" "$address" "$register" $values i ;;
            *)   echo "preload: $file: bad mode '$mode'" >&2; exit 1 ;;
        esac
        writes=$((writes + 1))
    done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$file")
done
echo "preload: $writes register writes on i2c-$bus from $# file(s)"
