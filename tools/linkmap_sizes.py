#!/usr/bin/env python3
"""Bytes each input library contributes to a linked program, from a GNU ld map.

usage: linkmap_sizes.py MAP [--top N]

Reads the map that `-Wl,-Map=FILE` writes and sums, per input archive (or
object), the sizes of the input sections kept in the output sections that
occupy the file (.text, .rodata, .data, ...; .bss and the debug and comment
sections take no space in a stripped program and are left out). Prints one
line per library, largest first, with its share of the total. Sections the
linker generated itself (PLT, relocations, dynamic symbols) are counted as
"(linker)".
"""
import argparse
import os
import re
import sys

# Output sections the linker fills itself (the map names the first input file
# as their origin, which would be misleading).
LINKER_MADE = re.compile(r"^\.(rela?\.|eh_frame_hdr|dynsym|dynstr|dynamic|gnu\.hash|hash|gnu\.version|interp|"
                         r"plt|got|note\.gnu\.build-id)")
# Output sections that take no bytes in a stripped file.
NOT_IN_FILE = re.compile(r"^\.(bss|tbss|debug|comment|note\.GNU-stack|gnu\.warning|stab)")
# " .text.foo  0x0000000000401000  0x2c /path/libx.a(obj.o)" (name may be on the line before).
ADDR_SIZE_FILE = re.compile(r"^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S.*)$")
INPUT_SECTION = re.compile(r"^ (\.\S+|COMMON)(?:\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S.*))?$")
OUTPUT_SECTION = re.compile(r"^(\.\S+)(?:\s+0x[0-9a-f]+\s+0x[0-9a-f]+)?\s*$")


def library_of(origin):
    """libcrypto.a for '/usr/lib/x/libcrypto.a(bio_lib.o)', the basename otherwise."""
    origin = origin.strip()
    m = re.match(r"^(.*?)\((.*)\)$", origin)
    if m:
        return os.path.basename(m.group(1))
    if origin.startswith("linker stubs") or origin.startswith("*"):
        return "(linker)"
    return os.path.basename(origin)


def sizes(map_path):
    totals = {}
    in_memory_map = False
    output = None
    pending = None  # input section whose address/size/file are on the next line
    with open(map_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not in_memory_map:
                in_memory_map = line.startswith("Linker script and memory map")
                continue
            m = OUTPUT_SECTION.match(line)
            if m:
                output = m.group(1)
                pending = None
                continue
            if output is None or NOT_IN_FILE.match(output):
                continue
            m = INPUT_SECTION.match(line)
            if m:
                if m.group(2) is None:
                    pending = m.group(1)
                    continue
                size, origin = int(m.group(3), 16), m.group(4)
            elif pending is not None:
                m = ADDR_SIZE_FILE.match(line)
                pending = None
                if not m:
                    continue
                size, origin = int(m.group(2), 16), m.group(3)
            else:
                continue
            if size == 0:
                continue
            lib = "(linker)" if LINKER_MADE.match(output) else library_of(origin)
            totals[lib] = totals.get(lib, 0) + size
    return totals


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("map")
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()
    try:
        totals = sizes(args.map)
    except OSError as e:
        print(f"linkmap_sizes: cannot read {args.map}: {e.strerror}", file=sys.stderr)
        return 2
    if not totals:
        print(f"linkmap_sizes: {args.map} has no memory map (not a GNU ld map?)", file=sys.stderr)
        return 2
    total = sum(totals.values())
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    rest = ranked[args.top:]
    for lib, size in ranked[: args.top]:
        print(f"{size:>10,}  {100.0 * size / total:5.1f}%  {lib}")
    if rest:
        print(f"{sum(s for _, s in rest):>10,}  {100.0 * sum(s for _, s in rest) / total:5.1f}%  ({len(rest)} others)")
    print(f"{total:>10,}  100.0%  total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
