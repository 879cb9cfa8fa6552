#!/usr/bin/env bash
# Refuses to package for another architecture than the template declares.
#
# usage: tools/lambda_arch.sh TEMPLATE CC
# Reads every `Architectures:` of TEMPLATE (flow `[x86_64]` or block `- arm64`
# form), requires them all to name one architecture, and compares it with
# what CC builds for (`CC -dumpmachine`: x86_64-* is Lambda's x86_64,
# aarch64-* its arm64). Prints the Lambda name and exits 0 when they agree;
# exits 1 with both names otherwise, 2 when the template declares none.
set -euo pipefail
template=${1:?usage: tools/lambda_arch.sh TEMPLATE CC}
cc=${2:?usage: tools/lambda_arch.sh TEMPLATE CC}

# The values under each `Architectures:` key, one per line.
declared() {
  awk '
    function emit(list,   n, i, parts) {
      gsub(/[][ "\047]/, "", list); n = split(list, parts, ",")
      for (i = 1; i <= n; i++) if (parts[i] != "") print parts[i]
    }
    /^[[:space:]]*#/ { next }
    block && /^[[:space:]]*-[[:space:]]*/ { v = $0; sub(/^[[:space:]]*-[[:space:]]*/, "", v); sub(/[[:space:]]*#.*/, "", v); emit(v); next }
    { block = 0 }
    /^[[:space:]]*Architectures:/ {
      v = $0; sub(/^[[:space:]]*Architectures:[[:space:]]*/, "", v); sub(/[[:space:]]*#.*/, "", v)
      if (v == "") block = 1; else emit(v)
    }' "$template" | sort -u
}

mapfile -t archs < <(declared)
if [ ${#archs[@]} -eq 0 ]; then
  echo "lambda-arch: $template declares no Architectures" >&2; exit 2
fi
if [ ${#archs[@]} -gt 1 ]; then
  echo "lambda-arch: $template declares several architectures (${archs[*]}); one build serves one" >&2; exit 1
fi
machine=$("$cc" -dumpmachine)
case $machine in
  x86_64-*) builds=x86_64 ;;
  aarch64-*) builds=arm64 ;;
  *) builds="unsupported ($machine)" ;;
esac
if [ "${archs[0]}" != "$builds" ]; then
  echo "lambda-arch: $template declares Architectures [${archs[0]}] but $cc builds for $machine (Lambda $builds):" \
    "refusing to package; build on a ${archs[0]} machine or change the template" >&2
  exit 1
fi
echo "$builds"
