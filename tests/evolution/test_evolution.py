"""The schema-change classifier (codegen/evgen/compat.py), proved by sampling.

For every pair of tests/evolution/corpus.py:
* the classifier reports the expected kinds and verdict (exit status);
* its set claims hold on samples (tests/evolution/sampler.py) judged by the
  compiled validators of both schemas, built exactly as `make validator`
  builds them (tests/suite/validator_set.py, flags from the Makefile):
    - a finding that says the accepted set shrinks ("narrower"/"changed") has
      a witness: a sample the old validator accepts and the new one refuses;
    - a finding that says it grows ("wider"/"changed") has a witness the new
      validator accepts and the old one refuses;
    - and when no finding says so, no sample shows it: a "compatible" verdict
      that a sample contradicts (a body accepted today and refused tomorrow)
      fails the test.
  A pair with a "cannot decide" finding is checked for its kinds only.
"""

import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "codegen"))
sys.path.insert(0, os.path.join(ROOT, "tests", "suite"))
sys.path.insert(0, HERE)

import corpus  # noqa: E402
import sampler  # noqa: E402
from evgen import compat, loader  # noqa: E402
from validator_set import CANNOT_START, ValidatorSet  # noqa: E402

BUILT = os.path.exists(os.path.join(ROOT, "build", "lib", "libev_core.a"))


def load(x, name):
    if isinstance(x, str):
        return loader.load_file(x)
    return loader.load_value(loader.parse_json_exact(corpus.as_text(x), "#"), name)


def loaded_pairs():
    out = []
    for name, old, new, kinds, status in corpus.pairs():
        o, n = load(old, f"{name} (old)"), load(new, f"{name} (new)")
        out.append((name, o, n, kinds, status, compat.diff(o, n)))
    return out


def exit_status(report):
    return 1 if report.breaking else 0


class Classification(unittest.TestCase):
    """Kinds and verdicts (no compiler needed)."""

    def test_kinds_and_verdicts(self):
        for name, _, _, kinds, status, report in loaded_pairs():
            if kinds is None:
                continue
            with self.subTest(pair=name):
                self.assertEqual(sorted(f.kind for f in report.findings), kinds, report.to_text())
                self.assertEqual(exit_status(report), status, report.to_text())

    def test_every_finding_names_both_sides(self):
        for name, _, _, _, _, report in loaded_pairs():
            for f in report.findings:
                with self.subTest(pair=name, kind=f.kind):
                    self.assertTrue(f.old_path.startswith("#") or f.old_path == "-", f.old_path)
                    self.assertTrue(f.new_path.startswith("#") or f.new_path == "-", f.new_path)
                    self.assertFalse(f.old_path == "-" and f.new_path == "-")
                    self.assertIn(f.relation, ("narrower", "wider", "changed", None))

    def test_project_versions_are_bumped_when_breaking(self):
        for name, _, _, kinds, _, report in loaded_pairs():
            if kinds is None and report.breaking:
                with self.subTest(pair=name):
                    self.assertTrue(report.version_bumped, report.to_text())


@unittest.skipUnless(BUILT, "needs `make build` first")
class Sampling(unittest.TestCase):
    def test_claims_hold_on_samples(self):
        pairs = loaded_pairs()
        with tempfile.TemporaryDirectory() as tmp:
            vset = ValidatorSet(tmp)
            for _, o, n, _, _, _ in pairs:
                vset.add(lambda d=o: (d, True))
                vset.add(lambda d=n: (d, True))
            driver = vset.build()
            self.assertIsNotNone(driver, getattr(vset, "link_error", None))
            for e in vset.entries:
                self.assertIsNone(e["refused"], e)
                self.assertIsNone(e["error"], e)
            cases, spans = [], []
            for i, (_, o, n, _, _, _) in enumerate(pairs):
                samples = sampler.Sampler([o, n]).samples()
                start = len(cases)
                for text in samples:
                    cases.append((2 * i, text, True))
                    cases.append((2 * i + 1, text, True))
                spans.append((start, samples))
            verdicts = vset.run(driver, cases)
        total, checked, witnessed = 0, 0, 0
        for (name, _, _, _, _, report), (start, samples) in zip(pairs, spans):
            with self.subTest(pair=name):
                narrower, wider, old_ok, new_ok = [], [], 0, 0
                for k, text in enumerate(samples):
                    vo, vn = verdicts[start + 2 * k], verdicts[start + 2 * k + 1]
                    self.assertFalse(vo.startswith(CANNOT_START) or vn.startswith(CANNOT_START), vo + vn)
                    a, b = vo == "ok", vn == "ok"
                    old_ok += a
                    new_ok += b
                    if a and not b:
                        narrower.append(text)
                    if b and not a:
                        wider.append(text)
                total += len(samples)
                # The samples reach inside both schemas: each accepts some of them.
                self.assertGreater(old_ok, 0, "no sample is valid under the old schema")
                self.assertGreater(new_ok, 0, "no sample is valid under the new schema")
                if any(f.undecided for f in report.findings):
                    continue
                checked += 1
                witnessed += bool(narrower) + bool(wider)
                claims_narrower = [f for f in report.findings if f.relation in ("narrower", "changed")]
                claims_wider = [f for f in report.findings if f.relation in ("wider", "changed")]
                self.assertEqual(bool(narrower), bool(claims_narrower),
                                 f"samples: {len(narrower)} accepted by old and refused by new "
                                 f"(e.g. {narrower[:2]}); classifier:\n{report.to_text()}")
                self.assertEqual(bool(wider), bool(claims_wider),
                                 f"samples: {len(wider)} refused by old and accepted by new "
                                 f"(e.g. {wider[:2]}); classifier:\n{report.to_text()}")
        self.assertGreater(total, 10000)
        print(f"\nevolution: {len(pairs)} schema pairs, {total} samples, each judged by both compiled validators; "
              f"{checked} pairs' claims checked ({len(pairs) - checked} cannot decide), {witnessed} set changes "
              "witnessed", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
