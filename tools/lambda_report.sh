#!/usr/bin/env bash
# Prints the size of Lambda packages and, per package, what takes the space.
#
# usage: tools/lambda_report.sh [--libraries] [--budget BYTES] ZIP...
# For each ZIP (made by the Makefile's lambda_program): the zip's size, the
# bootstrap's size, the comparison with the 1.5 MB target and, with
# --libraries, the bytes each input library contributes (from the link map
# next to the zip, see tools/linkmap_sizes.py). With --budget, exits 1 when a
# zip is larger than BYTES (a ceiling against regressions, above the target).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_BYTES=1500000
libraries=0
budget=
zips=()
while [ $# -gt 0 ]; do
  case $1 in
    --libraries) libraries=1; shift ;;
    --budget) budget=${2:?--budget needs bytes}; shift 2 ;;
    -*) echo "usage: tools/lambda_report.sh [--libraries] [--budget BYTES] ZIP..." >&2; exit 2 ;;
    *) zips+=("$1"); shift ;;
  esac
done
[ ${#zips[@]} -gt 0 ] || { echo "usage: tools/lambda_report.sh [--libraries] [--budget BYTES] ZIP..." >&2; exit 2; }

failed=0
for zip in "${zips[@]}"; do
  [ -f "$zip" ] || { echo "lambda-report: $zip does not exist" >&2; exit 1; }
  name=$(basename "$zip" .zip)
  zip_bytes=$(stat -c %s "$zip")
  boot_bytes=$(unzip -Zl "$zip" bootstrap | awk 'NR == 1 { print $4 }')
  if [ "$zip_bytes" -le "$TARGET_BYTES" ]; then
    verdict="within the 1.5 MB target"
  else
    verdict="over the 1.5 MB target by $(printf "%'d" $((zip_bytes - TARGET_BYTES))) bytes"
  fi
  printf "package %-20s zip %'10d bytes, bootstrap %'10d bytes: %s\n" "$name" "$zip_bytes" "$boot_bytes" "$verdict"
  if [ "$libraries" = 1 ] && [ -f "${zip%.zip}.map" ]; then
    python3 tools/linkmap_sizes.py --top 10 "${zip%.zip}.map" | sed 's/^/    /'
  fi
  if [ -n "$budget" ] && [ "$zip_bytes" -gt "$budget" ]; then
    echo "lambda-report: $zip is $zip_bytes bytes, over the $budget-byte ceiling" >&2
    failed=1
  fi
done
exit $failed
