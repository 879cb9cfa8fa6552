"""evcheck end to end: long lines, memory pressure, error counts, read errors.

usage: EVCHECK=build/bin/evcheck python3 -m unittest discover -s tests/tools -t .
       (make tools-tests; EVCHECK defaults to build/bin/evcheck)

The memory cases run evcheck under `ulimit -v` (address space, KiB): evcheck
itself starts in under 20 MB, and each case leaves a wide margin on both
sides of what it provokes, so they do not depend on the allocator's
details. Every case takes well under a second.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

EVCHECK = os.path.abspath(os.environ.get("EVCHECK", "build/bin/evcheck"))
VALID = '{"source":"sensor-01","type":"temperature","payload":{"value":22.5,"unit":"celsius"}}'


def run(shell_input, args=(), ulimit_kib=None):
    """Runs evcheck with ARGS on the output of the shell command SHELL_INPUT."""
    cmd = " ".join([EVCHECK] + [f"'{a}'" for a in args])
    if ulimit_kib is not None and os.environ.get("EV_SANITIZED"):
        # A sanitizer reserves terabytes of shadow address space at start-up:
        # under `ulimit -v` the program cannot start. The plain and valgrind
        # runs keep these cases.
        raise unittest.SkipTest(f"ulimit -v cannot apply to a {os.environ['EV_SANITIZED']} build")
    if ulimit_kib is not None:
        cmd = f"(ulimit -v {ulimit_kib}; exec {cmd})"
    proc = subprocess.run(["bash", "-c", f"{{ {shell_input}; }} | {cmd}"], capture_output=True)
    return proc.returncode, proc.stdout.decode("utf-8", "replace").splitlines(), proc.stderr.decode()


def verdict(line):
    """('valid', None) or ('invalid', [errors])."""
    if line == "valid":
        return "valid", None
    word, _, errors = line.partition("\t")
    return word, json.loads(errors)


class LongLines(unittest.TestCase):
    def test_line_beyond_memory_is_invalid_and_the_run_goes_on(self):
        # 300 MB of zero bytes in one line with 400 MB of address space: the
        # default limit (16 MiB) makes it invalid without holding it.
        rc, out, err = run(f"echo '{VALID}'; head -c 300000000 /dev/zero; echo; echo '{{\"bad\":1}}'",
                           ulimit_kib=400000)
        self.assertEqual(len(out), 3, (out, err))
        self.assertEqual(out[0], "valid")
        word, errors = verdict(out[1])
        self.assertEqual(word, "invalid")
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0]["keyword"], "size")
        self.assertEqual(errors[0]["instancePath"], "")
        self.assertIn("300000000 bytes", errors[0]["message"])
        self.assertIn("16777216", errors[0]["message"])
        word, errors = verdict(out[2])
        self.assertEqual(word, "invalid")
        self.assertIn("additionalProperties", [e["keyword"] for e in errors])
        self.assertEqual(rc, 1, err)

    def test_limit_is_exact_and_configurable(self):
        n = len(VALID)
        for args in (("--max-line-bytes", str(n)), (f"--max-line-bytes={n}",)):
            rc, out, err = run(f"echo '{VALID}'; echo '{VALID} '; echo '{VALID}'", args)
            self.assertEqual(out[0], "valid", err)
            word, errors = verdict(out[1])
            self.assertEqual((word, errors[0]["keyword"]), ("invalid", "size"))
            self.assertIn(f"{n + 1} bytes", errors[0]["message"])
            self.assertEqual(out[2], "valid")
            self.assertEqual((rc, len(out)), (1, 3))
        rc, out, _ = run(f"printf '%s' '{VALID}'", ("--max-line-bytes", "1K"))
        self.assertEqual((rc, out), (0, ["valid"]))  # a last line without a newline

    def test_bad_limits_are_usage_errors(self):
        for bad in ("0", "-1", "abc", "16Q", "99999999999999999999", ""):
            rc, out, err = run("true", ("--max-line-bytes", bad))
            self.assertEqual(rc, 2, bad)
            self.assertIn("--max-line-bytes", err)
        rc, _, err = run("true", ("--max-line-bytes",))
        self.assertEqual(rc, 2)


class MemoryPressure(unittest.TestCase):
    def test_line_buffer_out_of_memory_is_exit_2_naming_the_line(self):
        # A 150 MB line allowed by the limit, in 150 MB of address space.
        rc, out, err = run(f"echo '{VALID}'; head -c 150000000 /dev/zero; echo; echo '{VALID}'",
                           ("--max-line-bytes", "1G"), ulimit_kib=150000)
        self.assertEqual(rc, 2, err)
        self.assertEqual(out, ["valid"])
        self.assertIn("line 2 of standard input", err)
        self.assertIn("out of memory", err)

    def test_parse_out_of_memory_is_not_a_syntax_error(self):
        # 4 MB of [0,0,...] needs about 180 MB to parse; give it 100 MB.
        rc, out, err = run(f"echo '{VALID}'; python3 -c \"print('[' + ','.join(['0'] * 2000000) + ']')\";"
                           f" echo '{VALID}'", ulimit_kib=100000)
        self.assertEqual(rc, 2, (out, err))
        self.assertEqual(out, ["valid"])
        self.assertIn("line 2 of standard input (4000001 bytes) not checked", err)
        self.assertIn("out of memory while parsing a document of 4000001 bytes", err)
        self.assertNotIn("unexpected character", err)

    def test_same_document_with_memory_enough_is_judged(self):
        rc, out, err = run("python3 -c \"print('[' + ','.join(['0'] * 2000000) + ']')\"", ulimit_kib=400000)
        self.assertEqual(rc, 1, err)
        word, errors = verdict(out[0])
        self.assertEqual((word, errors[0]["keyword"]), ("invalid", "type"))


class Output(unittest.TestCase):
    def test_errors_beyond_the_kept_ones_are_counted(self):
        doc = json.dumps({f"x{i}": 1 for i in range(40)})
        rc, out, err = run(f"echo '{doc}'")
        self.assertEqual(rc, 1, err)
        word, errors = verdict(out[0])
        self.assertEqual(word, "invalid")
        self.assertEqual(len(errors), 33)
        last = errors[-1]
        self.assertEqual(set(last), {"instancePath", "keyword", "schemaPath", "message"})
        self.assertEqual(last["keyword"], "truncated")
        # 40 members not allowed, source, type and payload missing.
        self.assertEqual(last["message"], "11 more errors not shown (43 in all)")
        self.assertNotIn("truncated", [e["keyword"] for e in errors[:-1]])

    def test_no_truncation_entry_when_all_are_kept(self):
        rc, out, _ = run("echo '{\"bad\":1}'")
        _, errors = verdict(out[0])
        self.assertNotIn("truncated", [e["keyword"] for e in errors])

    def test_nul_bytes_in_a_line(self):
        rc, out, err = run("printf '[1,\\0002]\\n'")
        self.assertEqual(rc, 1, err)
        _, errors = verdict(out[0])
        self.assertEqual(errors[0]["keyword"], "json")
        self.assertIn("0x00", errors[0]["message"])

    def test_read_error_names_the_line(self):
        with tempfile.TemporaryDirectory() as d:
            proc = subprocess.run([EVCHECK, d], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(f"cannot read line 1 of {d}", proc.stderr)


if __name__ == "__main__":
    unittest.main()
