#!/usr/bin/env bash
# Checks that ELF files run on a system whose only libraries are glibc's, of
# version MAX or newer (Lambda's provided.al2023 has glibc 2.34):
#   - every symbol version they need from glibc is GLIBC_x.y <= MAX (read
#     from the version-needs section, as the dynamic loader does); no
#     GLIBC_PRIVATE, no GLIBC_ABI_DT_RELR (packed relocations, glibc 2.36);
#   - every library they need (DT_NEEDED) is one glibc ships.
#
# usage: tools/elf_check.sh [--max-glibc 2.34] PATH...
# A PATH that is a directory is searched for ELF files; a non-ELF file given
# by name is an error. Prints one line per ELF; exit 0 when all pass, 1 when
# any fails (with the symbols that need a newer glibc), 2 on usage errors.
set -euo pipefail

MAX=2.34
GLIBC_LIBS=" libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libresolv.so.2 libutil.so.1
  ld-linux-x86-64.so.2 ld-linux-aarch64.so.1 "

usage() { echo "usage: tools/elf_check.sh [--max-glibc X.Y] PATH..." >&2; exit 2; }

is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

version_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ]; }

# check_one FILE: prints the verdict; returns 1 on a failure.
check_one() {
  local f=$1 ok=0 v highest=none lib needs
  local -a versions bad_versions=() bad_libs=()
  mapfile -t versions < <(readelf -V --wide "$f" | sed -n 's/.*Name: \(GLIBC_[A-Z0-9_.]*\).*/\1/p' | sort -uV)
  for v in "${versions[@]}"; do
    case $v in
      GLIBC_[0-9]*)
        version_le "${v#GLIBC_}" "$MAX" || bad_versions+=("$v")
        highest=$v ;;
      *) bad_versions+=("$v") ;;
    esac
  done
  needs=$(readelf -d --wide "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd ' ')
  for lib in $needs; do
    [[ "$GLIBC_LIBS" == *" $lib "* ]] || bad_libs+=("$lib")
  done
  if [ ${#bad_versions[@]} -gt 0 ]; then
    ok=1
    echo "elf-check: FAIL $f needs ${bad_versions[*]} (the target has glibc $MAX)" >&2
    for v in "${bad_versions[@]}"; do
      objdump -T "$f" | awk -v v="($v)" 'index($0, v) { print "  " $NF " " v }' | sort -u | head -n 20 >&2
    done
  fi
  if [ ${#bad_libs[@]} -gt 0 ]; then
    ok=1
    echo "elf-check: FAIL $f needs ${bad_libs[*]}, which are not part of glibc (link them statically)" >&2
  fi
  [ $ok = 0 ] && echo "elf-check: ok $f: highest glibc version needed $highest (<= GLIBC_$MAX); needs ${needs:-nothing}"
  return $ok
}

main() {
  local -a paths=() files=()
  while [ $# -gt 0 ]; do
    case $1 in
      --max-glibc) MAX=${2:-}; [[ "$MAX" =~ ^[0-9]+\.[0-9]+$ ]] || usage; shift 2 ;;
      -*) usage ;;
      *) paths+=("$1"); shift ;;
    esac
  done
  [ ${#paths[@]} -gt 0 ] || usage
  local p f failed=0
  for p in "${paths[@]}"; do
    if [ -d "$p" ]; then
      while IFS= read -r -d '' f; do is_elf "$f" && files+=("$f"); done < <(find "$p" -type f -print0 | sort -z)
    elif is_elf "$p"; then
      files+=("$p")
    else
      echo "elf-check: $p is not an ELF file" >&2; exit 1
    fi
  done
  [ ${#files[@]} -gt 0 ] || { echo "elf-check: no ELF file in ${paths[*]}" >&2; exit 1; }
  for f in "${files[@]}"; do check_one "$f" || failed=1; done
  return $failed
}

main "$@"
