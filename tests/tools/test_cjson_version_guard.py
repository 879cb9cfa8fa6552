"""ev_json.c depends on cJSON internals checked for one cJSON version: it
must refuse to compile against any other (an #error), not misbehave.

Compiles src/schema/ev_json.c twice with the project's flags: once as is
(it must compile), once with a cJSON header that reports another version
(it must fail, naming the reason).
"""
import os
import shlex
import subprocess
import tempfile
import unittest

CC = os.environ.get("CC", "cc")


def cflags():
    pkg = subprocess.run(["pkg-config", "--cflags", "libcjson"], capture_output=True, text=True, check=True)
    return ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-Isrc", "-Igenerated"] + shlex.split(
        pkg.stdout)


def compile_ev_json(extra_include=None):
    with tempfile.TemporaryDirectory() as out:
        flags = ([f"-I{extra_include}"] if extra_include else []) + cflags()
        return subprocess.run([CC, *flags, "-c", "src/schema/ev_json.c", "-o", os.path.join(out, "ev_json.o")],
                              capture_output=True, text=True)


class CJSONVersionGuard(unittest.TestCase):
    def test_compiles_with_the_installed_cjson(self):
        proc = compile_ev_json()
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_refuses_another_cjson_version(self):
        for major, minor, patch in ((1, 7, 16), (1, 7, 14), (2, 0, 0)):
            with tempfile.TemporaryDirectory() as inc:
                os.mkdir(os.path.join(inc, "cjson"))
                with open(os.path.join(inc, "cjson", "cJSON.h"), "w") as f:
                    f.write("#include_next <cjson/cJSON.h>\n"
                            "#undef CJSON_VERSION_MAJOR\n#undef CJSON_VERSION_MINOR\n#undef CJSON_VERSION_PATCH\n"
                            f"#define CJSON_VERSION_MAJOR {major}\n#define CJSON_VERSION_MINOR {minor}\n"
                            f"#define CJSON_VERSION_PATCH {patch}\n")
                proc = compile_ev_json(inc)
            self.assertNotEqual(proc.returncode, 0, f"{major}.{minor}.{patch} accepted")
            self.assertIn("relies on cJSON 1.7.15 internals", proc.stderr)


if __name__ == "__main__":
    unittest.main()
