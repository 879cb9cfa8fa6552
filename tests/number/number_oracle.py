#!/usr/bin/env python3
"""Number oracle: the C runtime's number verdicts against an independent exact implementation.

Generates number texts of every shape (a few digits to 150,000; exponents
from 0 to beyond 10^18 and 2^63, written with any number of padding zeros),
asks tests/number/number_driver.c for the C verdicts and checks each one:

  ev_json acceptance (ok / range / precision), the integer test (on the
  ev_json node and on the normal form), exactness against a double,
  comparisons and the four bound keywords as generated validators decide
  them, multipleOf (general divisors of 1 to 45 digits and powers of ten,
  on the text, on the node and through the power-of-ten fast path),
  DynamoDB's limits and significant-digit count, the N text written by
  ev_ddb_put_n_text, and the N readers (int64 and double).

The expected values come from Python's decimal module with an unbounded
context (exact comparisons, remainders, integrality), Python's float() and
repr() (correctly rounded reading, shortest text of a double), and, for
exponents decimal cannot hold (beyond about 10^18), exact integer arithmetic
on (digits, exponent) with modular powers of ten.

usage: number_oracle.py --driver build/tests/number_driver [--seed N] [--scale F]
Prints a summary line; exits 1 on any mismatch (listing the first ones), 2 on
usage or driver errors.
"""

import argparse
import decimal
import math
import random
import re
import subprocess
import sys
import time
from decimal import Decimal

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)

decimal.setcontext(decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                                   traps=[decimal.InvalidOperation, decimal.DivisionByZero]))

JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
DDB_MIN, DDB_MAX_EXCL = Decimal("1E-130"), Decimal("1E+126")
# decimal holds exponents up to about 10^18; past this, integer arithmetic.
DECIMAL_EXP_LIMIT = 10 ** 17
# Remainders through decimal while the quotient stays this short.
DECIMAL_QUOTIENT_DIGITS = 3_000_000


# ---- the exact value of a text -------------------------------------------------

class Value:
    """A JSON number text's exact value: sign, significant digits, exponent of the last digit,
    and a Decimal when decimal can hold it."""

    __slots__ = ("neg", "digits", "exp", "dec")

    def __init__(self, text):
        m = JSON_NUMBER.match(text)
        if not m:
            raise ValueError(text)
        int_part, frac, exp_part = m.group(1), (m.group(2) or ".")[1:], m.group(3)
        e = int(exp_part[1:]) if exp_part else 0
        raw = (int_part + frac).lstrip("0")
        digits = raw.rstrip("0")
        self.neg = text.startswith("-")
        self.digits = digits
        self.exp = e - len(frac) + (len(raw) - len(digits)) if digits else 0
        self.dec = None
        if abs(e) < DECIMAL_EXP_LIMIT:
            self.dec = Decimal(text)

    @property
    def zero(self):
        return not self.digits

    @property
    def lead(self):
        return self.exp + len(self.digits) - 1

    def sign(self):
        return 0 if self.zero else (-1 if self.neg else 1)


def compare(a, b):
    if a.dec is not None and b.dec is not None:
        return (a.dec > b.dec) - (a.dec < b.dec)
    sa, sb = a.sign(), b.sign()
    if sa != sb or sa == 0:
        return (sa > sb) - (sa < sb)
    if a.lead != b.lead:
        m = 1 if a.lead > b.lead else -1
    else:
        n = max(len(a.digits), len(b.digits))
        da, db = a.digits.ljust(n, "0"), b.digits.ljust(n, "0")
        m = (da > db) - (da < db)
    return m * sa


def is_integer(v):
    if v.dec is not None:
        return v.dec == v.dec.to_integral_value()
    return v.zero or v.exp >= 0


def multiple_of(v, d):
    if d.zero:
        return False
    if v.zero:
        return True
    if (v.dec is not None and d.dec is not None
            and v.dec.adjusted() - d.dec.adjusted() < DECIMAL_QUOTIENT_DIGITS):
        return v.dec % d.dec == 0
    dv, dd, k = int(v.digits), int(d.digits), v.exp - d.exp
    if k >= 0:
        return dv * pow(10, k, dd) % dd == 0
    if -k > len(v.digits):
        return False  # 10^-k alone exceeds V
    return dv % (dd * 10 ** -k) == 0


def shortest_double_value(f):
    return Decimal(repr(f))


def json_verdict(text, v):
    if v is None:
        return "syntax"
    f = float(text)
    if math.isinf(f):
        return "range"
    if v.zero:
        return "ok"
    if v.dec is None or shortest_double_value(f) != v.dec:
        return "precision"
    return "ok"


def ddb_check(v):
    if v is None:
        return "syntax", 1
    if v.zero:
        return "ok", 1
    if v.dec is not None:
        mag = abs(v.dec)
        too_large, too_small = mag >= DDB_MAX_EXCL, mag < DDB_MIN
    else:
        too_large, too_small = v.exp > 0, v.exp < 0
    if too_large:
        return "too_large", len(v.digits)
    if too_small:
        return "too_small", len(v.digits)
    if len(v.digits) > 38:
        return "too_precise", len(v.digits)
    return "ok", len(v.digits)


def canonical_text(v):
    """The documented N text: plain for leading exponents -7..40, else d.dddE+x."""
    if v.zero:
        return "0"
    t = v.dec.normalize()
    _, digit_tuple, exp = t.as_tuple()
    digits = "".join(map(str, digit_tuple))
    lead = t.adjusted()
    sign = "-" if v.neg else ""
    if -7 <= lead <= 40:
        if exp >= 0:
            return sign + digits + "0" * exp
        if lead >= 0:
            return sign + digits[:lead + 1] + "." + digits[lead + 1:]
        return sign + "0." + "0" * (-lead - 1) + digits
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return sign + mant + "E" + ("+" if lead >= 0 else "-") + str(abs(lead))


def expected_number(text):
    try:
        v = Value(text)
    except ValueError:
        v = None
    json = json_verdict(text, v)
    integer = "-" if v is None else str(int(is_integer(v)))
    ddb, digits = ddb_check(v)
    ntext = canonical_text(v) if ddb == "ok" else "-"
    if v is None or not is_integer(v):
        getint = "mismatch"
    elif v.zero:
        getint = "ok:0"
    elif v.dec is not None and INT64_MIN <= v.dec <= INT64_MAX:
        getint = "ok:%d" % int(v.dec)
    else:
        getint = "range"
    getdbl = "mismatch" if v is None else ("ok" if json == "ok" else "range")
    fields = {
        "json": json,
        "int": integer if json == "ok" else "-",
        "dint": integer,
        "exact": "1" if json == "ok" else "0",
        "ddb": "%s:%d" % (ddb, digits),
        "ntext": ntext,
        "getint": getint,
    }
    return fields, getdbl, (float(text) if json == "ok" else None)


# ---- generating texts ------------------------------------------------------------

class Gen:
    def __init__(self, rng, long_digits):
        self.rng = rng
        self.long_digits = long_digits

    def digits(self, n):
        r = self.rng
        if n == 1:
            return str(r.randint(1, 9))
        style = r.random()
        if style < 0.15:
            middle = "0" * (n - 2)
        elif style < 0.3:
            middle = "9" * (n - 2)
        else:
            middle = "".join(r.choice("0123456789") for _ in range(n - 2))
        return str(r.randint(1, 9)) + middle + str(r.randint(1, 9))

    def digit_count(self):
        r = self.rng.random()
        if r < 0.30:
            return self.rng.randint(1, 3)
        if r < 0.55:
            return self.rng.randint(4, 15)
        if r < 0.70:
            return self.rng.randint(16, 17)
        if r < 0.80:
            return self.rng.randint(18, 19)
        if r < 0.92:
            return self.rng.randint(20, 45)
        return self.rng.randint(46, 400)

    def lead(self):
        r, rng = self.rng.random(), self.rng
        if r < 0.22:
            return rng.randint(-10, 10)
        if r < 0.30:
            return rng.randint(-10, 45)  # the N text switches notation at -7 and 40
        if r < 0.42:
            return rng.choice([rng.randint(-330, -300), rng.randint(298, 312)])
        if r < 0.52:
            return rng.choice([rng.randint(-133, -127), rng.randint(122, 128)])
        if r < 0.64:
            return rng.choice([-1, 1]) * rng.randint(1000, 100_000)
        if r < 0.76:
            return rng.choice([-1, 1]) * rng.randint(100_000, 2_000_000)
        huge = [10 ** 9, 10 ** 17, 10 ** 18, 2 ** 61, 2 ** 62, 2 ** 63, 10 ** 19, 2 ** 64, 10 ** 25, 10 ** 40]
        return rng.choice([-1, 1]) * (rng.choice(huge) + rng.randint(-3, 3))

    def pad(self):
        r = self.rng.random()
        if r < 0.6:
            return 0
        if r < 0.9:
            return self.rng.randint(1, 40)
        return self.rng.randint(41, 3000)

    def exponent_text(self, e):
        r = self.rng
        mark = r.choice("eE")
        sign = "-" if e < 0 else r.choice(["", "+"])
        zeros = "0" * r.choice([0, 0, 0, 1, 3, 25])
        return mark + sign + zeros + str(abs(e))

    def write(self, neg, digits, exp, pad_lead=None, pad_trail=None):
        """A text of value (-1)^neg * digits * 10^exp, in a random writing."""
        r = self.rng
        sign = "-" if neg else ""
        pad_lead = self.pad() if pad_lead is None else pad_lead
        pad_trail = self.pad() if pad_trail is None else pad_trail
        n = len(digits)
        style = r.randint(0, 3)
        if style == 0 and 0 <= exp <= 60 and pad_lead == 0:
            return sign + digits + "0" * exp + ("." + "0" * pad_trail if pad_trail else "")
        if style == 1 and -60 <= exp < 0:
            k = -exp  # digits after the point
            if k >= n:
                body = "0." + "0" * (k - n) + digits
            else:
                body = digits[:n - k] + "." + digits[n - k:]
            return sign + body + "0" * pad_trail
        if style == 2:
            # 0.<pad_lead zeros><digits><pad_trail zeros>e(...)
            body = "0." + "0" * pad_lead + digits + "0" * pad_trail
            return sign + body + self.exponent_text(exp + n + pad_lead)
        # <digits><pad_trail zeros>e(...), or d.ddd form
        if r.random() < 0.5 or n == 1:
            return sign + digits + "0" * pad_trail + self.exponent_text(exp - pad_trail)
        return sign + digits[0] + "." + digits[1:] + "0" * pad_trail + self.exponent_text(exp + n - 1)

    def number(self):
        r = self.rng
        if r.random() < 0.03:
            return self.zero()
        n = self.digit_count()
        digits = self.digits(n)
        exp = self.lead() - n + 1
        return self.write(r.random() < 0.3, digits, exp)

    def zero(self):
        r = self.rng
        sign = r.choice(["", "-"])
        return sign + r.choice(["0", "0.0", "0." + "0" * r.randint(1, 50)]) + r.choice(
            ["", "e5", "E-99999999999999999999", "e+" + "0" * 30 + "7"])

    def long_number(self):
        """100,000+ characters: many significant digits, or few with long padding."""
        r = self.rng
        if r.random() < 0.5:
            n = r.randint(100_000, self.long_digits)
            digits = self.digits(n)
        else:
            n = r.randint(1, 17)
            digits = self.digits(n)
        exp = self.lead() - n + 1
        pad = r.randint(100_000, 150_000) if n < 100_000 else r.randint(0, 10)
        if r.random() < 0.5:
            return self.write(r.random() < 0.3, digits, exp, pad_lead=pad, pad_trail=r.randint(0, 5))
        return self.write(r.random() < 0.3, digits, exp, pad_lead=0, pad_trail=pad)

    def rewrite(self, text):
        """Another writing of the same value."""
        v = Value(text)
        if v.zero:
            return self.zero()
        return self.write(v.neg, v.digits, v.exp)


FIXED_NUMBERS = [
    "0", "-0", "1", "-1", "22.5", "22.50", "0.1", "0.30000000000000004", "0.10000000000000001",
    "9007199254740992", "9007199254740993", "1e23", "1.7976931348623157e308", "1.7976931348623159e308",
    "5e-324", "4.9e-324", "2.4703282292062328e-324", "2.2250738585072014e-308", "1e-400", "1e400",
    "1e-130", "1e-131", "9.9999999999999999999999999999999999999E+125", "1E+126",
    "12345678901234567890123456789012345678", "123456789012345678901234567890123456789",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "1234567890123456789E0", "12345678901234567890E-1", "1e99999999999999999999", "1e-99999999999999999999",
    "1e2305843009213693952", "1e2305843009213693953", "1e-2305843009213693953", "0e99999999999999999999",
    "-273.15", "1000", "2000000", "0.01", "0.001",
    # Not numbers: the grammar.
    "01", "1.", ".5", "+1", "1e", "-", "1e+", "0x1", "1.e5", "--1", "NaN", "1e5.", "0.0.0",
]


def long_defects():
    z = "0" * 100_010
    return [
        "0." + z + "12345e100011",  # 1.2345
        "1" + z + "e-100010",  # 1
        "1" + "0" * 100_000 + "e-1000000",  # 10^-900000
        "0." + z + "12345e100013",
        "1" + z + "e-100012",
        "-1" + z + "e-100013",
    ]


def build_requests(seed, scale):
    rng = random.Random(seed)
    gen = Gen(rng, long_digits=150_000)
    count = max(50, int(2500 * scale))
    longs = max(4, int(24 * scale))
    numbers = list(FIXED_NUMBERS) + long_defects()
    numbers += [gen.number() for _ in range(count)]
    numbers += [gen.long_number() for _ in range(longs)]
    valid = [t for t in numbers if JSON_NUMBER.match(t)]
    short = [t for t in valid if len(t) < 2000]
    # Numbers ev_json accepts: the only ones that reach node verdicts and bounds.
    accepted = [t for t in valid if json_verdict(t, Value(t)) == "ok"]
    requests = [("N", t) for t in numbers]
    # Comparisons: random pairs, equal values written differently, neighbours, schema-like bounds.
    bounds = ["-273.15", "1000", "0", "100", "2000000", "-500", "9000", "0.5", "1e308", "-1e-300"]
    for _ in range(count):
        a = rng.choice(accepted if rng.random() < 0.6 else valid)
        kind = rng.random()
        if kind < 0.35:
            b = rng.choice(valid)
        elif kind < 0.6:
            b = gen.rewrite(a) if len(a) < 400_000 else rng.choice(short)
        elif kind < 0.7:
            b = rng.choice(bounds)
        elif kind < 0.8:
            b = rng.choice(accepted)
        else:
            b = neighbour(gen, a)
        if rng.random() < 0.5:
            a, b = b, a
        requests.append(("C", a, b))
    # multipleOf: powers of ten, general divisors, and values built as multiples.
    for _ in range(count):
        kind = rng.random()
        v = rng.choice(accepted if rng.random() < 0.6 else valid)
        if kind < 0.35:
            k = rng.choice([rng.randint(-12, 12), rng.randint(-400, 400), rng.randint(-2_000_000, 2_000_000),
                            rng.choice([-1, 1]) * rng.choice([10 ** 9, 2 ** 31 - 1, 10 ** 19, 2 ** 61 + 1])])
            d = gen.write(False, "1", k)
            requests.append(("M", v, d, str(k)) if abs(k) < 2 ** 31 else ("M", v, d))
            continue
        d = divisor(gen)
        if kind < 0.45:
            requests.append(("M", gen.write(rng.random() < 0.3, "1", rng.randint(-50, 200)), d))
        elif kind < 0.7:
            requests.append(("M", v, d))
        else:
            requests.append(("M", multiple_text(gen, d), d))
    return requests


def neighbour(gen, text):
    v = Value(text)
    if v.zero or len(v.digits) > 5000:
        return gen.number()
    r = gen.rng.random()
    digits = str(int(v.digits) + gen.rng.choice([-1, 1])).rstrip("0") or "1"
    if r < 0.5:
        return gen.write(v.neg, digits, v.exp)
    return gen.write(v.neg, v.digits, v.exp + gen.rng.choice([-1, 1]))


def divisor(gen):
    r = gen.rng
    fixed = ["0.01", "0.5", "1.5", "2.5", "3", "7", "0.0625", "1e-8", "0.3", "1844674407370955161"]
    kind = r.random()
    if kind < 0.3:
        return r.choice(fixed)
    if kind < 0.45:
        # Many factors 2 or 5: the remainder of V * 10^k keeps changing for
        # up to log2(M) appended zeros.
        m = r.choice([2 ** r.randint(60, 150), 5 ** r.randint(27, 64), 2 ** r.randint(60, 100) * 3])
        return gen.write(False, str(m).rstrip("0"), r.randint(-30, 30))
    n = r.choice([r.randint(1, 19), r.randint(20, 45)])
    exp = r.choice([r.randint(-10, 10), r.randint(-400, 400), r.choice([-1, 1]) * r.choice([10 ** 6, 10 ** 19])])
    return gen.write(False, gen.digits(n), exp)


def multiple_text(gen, d_text):
    """A text whose value is d * q for a random integer q (maybe 0 or negative)."""
    r = gen.rng
    d = Value(d_text)
    q = r.choice([0, 1, 2, 3, 7, 10, 12, 99, r.randint(1, 10 ** 6), 10 ** r.randint(1, 30) * 3])
    digits = str(int(d.digits) * q)
    if q == 0:
        return gen.zero()
    stripped = digits.rstrip("0")
    return gen.write(r.random() < 0.3, stripped, d.exp + len(digits) - len(stripped))


# ---- checking ----------------------------------------------------------------------

def parse_fields(line):
    out = {}
    for part in line.split("\t"):
        key, _, val = part.partition("=")
        out[key] = val
    return out


def check_number(text, got, problems):
    want, getdbl, f = expected_number(text)
    for key, val in want.items():
        if got.get(key) != val:
            problems.append("N %s: %s=%s, expected %s" % (short_text(text), key, short_text(got.get(key)),
                                                          short_text(val)))
    g = got.get("getdbl", "")
    if getdbl == "ok":
        ok = g.startswith("ok:") and float(g[3:]) == f and math.copysign(1, float(g[3:])) == math.copysign(1, f)
    else:
        ok = g == getdbl
    if not ok:
        problems.append("N %s: getdbl=%s, expected %s" % (short_text(text), g, getdbl if f is None else repr(f)))


def check_compare(a, b, got, problems):
    va, vb = Value(a), Value(b)
    c = compare(va, vb)
    want_bounds = "-"
    if json_verdict(a, va) == "ok" and json_verdict(b, vb) == "ok":
        want_bounds = "%d%d%d%d" % (c >= 0, c <= 0, c > 0, c < 0)
    want = {"cmp": str(c), "bounds": want_bounds}
    for key, val in want.items():
        if got.get(key) != val:
            problems.append("C %s %s: %s=%s, expected %s" % (short_text(a), short_text(b), key, got.get(key), val))


def check_multiple(v_text, d_text, k, got, problems):
    v, d = Value(v_text), Value(d_text)
    m = str(int(multiple_of(v, d)))
    accepted = json_verdict(v_text, v) == "ok"
    want = {"mult": m, "node": m if accepted else "-", "pow10": m if accepted and k is not None else "-"}
    for key, val in want.items():
        if got.get(key) != val:
            problems.append("M %s %s: %s=%s, expected %s" % (short_text(v_text), short_text(d_text), key,
                                                            got.get(key), val))


def short_text(t):
    if t is None:
        return "(none)"
    return t if len(t) <= 60 else "%s...%s (%d chars)" % (t[:30], t[-20:], len(t))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--driver", required=True)
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies the number of cases")
    args = ap.parse_args()

    started = time.monotonic()
    requests = build_requests(args.seed, args.scale)
    payload = "".join("\t".join(r) + "\n" for r in requests).encode()
    try:
        proc = subprocess.run([args.driver], input=payload, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              check=False)
    except OSError as e:
        print("number oracle: cannot run %s: %s" % (args.driver, e), file=sys.stderr)
        return 2
    if proc.returncode != 0:
        print("number oracle: driver failed (%d): %s" % (proc.returncode, proc.stderr.decode()[:500]),
              file=sys.stderr)
        return 2
    answers = proc.stdout.decode().split("\n")
    if answers and answers[-1] == "":
        answers.pop()
    if len(answers) != len(requests):
        print("number oracle: %d answers to %d requests" % (len(answers), len(requests)), file=sys.stderr)
        return 2
    problems = []
    verdicts = 0
    for req, line in zip(requests, answers):
        got = parse_fields(line)
        verdicts += len(got)
        if req[0] == "N":
            check_number(req[1], got, problems)
        elif req[0] == "C":
            check_compare(req[1], req[2], got, problems)
        else:
            check_multiple(req[1], req[2], req[3] if len(req) == 4 else None, got, problems)
    longest = max(len(t) for r in requests for t in r[1:])
    kinds = {k: sum(1 for r in requests if r[0] == k) for k in "NCM"}
    print("number oracle: %d numbers, %d comparisons, %d multipleOf; %d verdicts, %d mismatches; "
          "%.1f MB of text, longest %d characters, %.1f s"
          % (kinds["N"], kinds["C"], kinds["M"], verdicts, len(problems), len(payload) / 1e6, longest,
             time.monotonic() - started))
    for p in problems[:25]:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
