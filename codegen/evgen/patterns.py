"""Patterns the generated code can match without PCRE2.

An anchored pattern made only of ASCII character classes with quantifiers
(`^[A-Za-z0-9][A-Za-z0-9._:-]*$`) is decided by one scan over the bytes
(ev_charseq_match); everything else goes to PCRE2 (ev_regex_search).
"""

import re
from dataclasses import dataclass
from typing import List, Optional


@dataclass
class Segment:
    """One class of the pattern with its repetition: `bits` is the 256-bit byte set."""

    bits: List[int]
    min: int
    max: Optional[int]             # None: unbounded

_ASCII_CLASS_ESCAPES = {"d": "0123456789",
                        "w": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"}
_LITERAL_ESCAPES = set(".-\\/]^$[(){}|*+?:,_'\"!#%&=<>@~`;")


def _read_class_atom(body, i):
    """One member of a [...] class at body[i]: (set of chars, next index) or None if unsupported."""
    ch = body[i]
    if ch == "\\":
        if i + 1 >= len(body):
            return None
        esc = body[i + 1]
        if esc in _ASCII_CLASS_ESCAPES:
            return set(_ASCII_CLASS_ESCAPES[esc]), i + 2
        if esc in _LITERAL_ESCAPES:
            return {esc}, i + 2
        return None
    if not (0x20 <= ord(ch) < 0x7F):
        return None
    return {ch}, i + 1


def charseq_segments(source):
    """Segments [(byte set, min, max)] when `source` is ^(class quantifier)+$ over ASCII with every
    segment but the last of fixed length; None otherwise (PCRE2 decides such patterns)."""
    if not (source.startswith("^") and source.endswith("$")) or len(source) < 3:
        return None
    body = source[1:-1]
    if (len(body) - len(body.rstrip("\\"))) % 2:
        return None  # the final $ is escaped
    segs, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "[":
            i += 1
            if i < len(body) and body[i] == "^":
                return None
            members = set()
            while i < len(body) and body[i] != "]":
                atom = _read_class_atom(body, i)
                if atom is None:
                    return None
                chars, i = atom
                if len(chars) == 1 and i + 1 < len(body) and body[i] == "-" and body[i + 1] != "]":
                    hi = _read_class_atom(body, i + 1)
                    if hi is None or len(hi[0]) != 1:
                        return None
                    lo_c, hi_c = next(iter(chars)), next(iter(hi[0]))
                    if ord(lo_c) > ord(hi_c):
                        return None
                    chars = {chr(c) for c in range(ord(lo_c), ord(hi_c) + 1)}
                    i = hi[1]
                members |= chars
            if i >= len(body) or not members:
                return None
            i += 1
        elif ch == "\\":
            atom = _read_class_atom(body, i)
            if atom is None:
                return None
            members, i = atom
        elif ch.isascii() and (ch.isalnum() or ch in "-_:/@,;'\"!#%&=~<> "):
            members, i = {ch}, i + 1
        else:
            return None
        lo, hi = 1, 1
        if i < len(body) and body[i] in "*+?":
            lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[body[i]]
            i += 1
        elif i < len(body) and body[i] == "{":
            m = re.match(r"\{(\d+)(,(\d*))?\}", body[i:])
            if not m:
                return None
            lo = int(m.group(1))
            hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
            if hi is not None and hi < lo or lo > 65535 or (hi or 0) > 65535:
                return None
            i += m.end()
        if i < len(body) and body[i] in "*+?{":
            return None  # lazy or stacked quantifiers
        bits = [0] * 32
        for c in members:
            bits[ord(c) >> 3] |= 1 << (ord(c) & 7)
        segs.append(Segment(bits, lo, hi))
    if not segs or any(s.min != s.max for s in segs[:-1]):
        return None
    return segs
