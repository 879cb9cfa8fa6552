// ajv peer of bench_validate: JSON.parse + compiled validate per event.
//
// usage: node bench/validate/ajv_bench.mjs EVENTS.jsonl SCHEMA [repetitions]
//
// new Ajv2020({allErrors: false, strict: false}) with ajv-formats (full
// mode), the 2020-12 schema compiled once. After two warm-up passes (so
// that V8 has optimised the hot code), each repetition times:
//   json_parse       JSON.parse alone (node's parse floor)
//   parse_validate   JSON.parse + validate (a rejection builds validate.errors)
//   validate         validate on objects parsed beforehand, chunk by chunk as
//                    bench_validate does, mixed; then valid-only and
//                    invalid-only subsets
// Prints one JSON object: median ns/event per mode.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";

const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

const [eventsPath, schemaPath, repsArg] = process.argv.slice(2);
if (!eventsPath || !schemaPath) {
  console.error("usage: ajv_bench.mjs EVENTS.jsonl SCHEMA [repetitions]");
  process.exit(2);
}
const reps = Number(repsArg || 7);
const CHUNK = 64;

const lines = readFileSync(eventsPath, "utf8").split("\n").filter((l) => l.length > 0);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const ajv = new Ajv2020({ allErrors: false, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

const now = () => process.hrtime.bigint();
const ns = (a, b) => Number(b - a);

function jsonParse() {
  let ok = 0;
  for (const line of lines) {
    try {
      JSON.parse(line);
      ok++;
    } catch {
      /* not JSON */
    }
  }
  return ok;
}

function parseValidate() {
  let ok = 0;
  for (const line of lines) {
    let obj;
    try {
      obj = JSON.parse(line);
    } catch {
      continue;
    }
    if (validate(obj)) ok++;
  }
  return ok;
}

// Validation alone, chunk by chunk; returns [ns, count, accepted] per subset.
function validateAlone() {
  const r = { mixed: [0, 0, 0], valid: [0, 0, 0], invalid: [0, 0, 0] };
  for (let base = 0; base < lines.length; base += CHUNK) {
    const objs = [];
    for (let i = base; i < Math.min(base + CHUNK, lines.length); i++) {
      try {
        objs.push(JSON.parse(lines[i]));
      } catch {
        /* not JSON */
      }
    }
    const verdict = new Array(objs.length);
    let ok = 0;
    let t0 = now();
    for (let i = 0; i < objs.length; i++) {
      verdict[i] = validate(objs[i]);
      if (verdict[i]) ok++;
    }
    let t1 = now();
    r.mixed[0] += ns(t0, t1);
    r.mixed[1] += objs.length;
    r.mixed[2] += ok;
    const vset = objs.filter((_, i) => verdict[i]);
    const iset = objs.filter((_, i) => !verdict[i]);
    for (const [name, set] of [["valid", vset], ["invalid", iset]]) {
      ok = 0;
      t0 = now();
      for (let i = 0; i < set.length; i++) if (validate(set[i])) ok++;
      t1 = now();
      r[name][0] += ns(t0, t1);
      r[name][1] += set.length;
      r[name][2] += ok;
    }
  }
  return r;
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Warm-up.
for (let i = 0; i < 2; i++) {
  jsonParse();
  parseValidate();
  validateAlone();
}

const runs = { json_parse: [], parse_validate: [], validate: [], validate_valid: [], validate_invalid: [] };
const counts = {};
for (let rep = 0; rep < reps; rep++) {
  let t0 = now();
  let ok = jsonParse();
  runs.json_parse.push(ns(t0, now()) / lines.length);
  counts.json_parse = [lines.length, ok];
  t0 = now();
  ok = parseValidate();
  runs.parse_validate.push(ns(t0, now()) / lines.length);
  counts.parse_validate = [lines.length, ok];
  const r = validateAlone();
  for (const [mode, key] of [["validate", "mixed"], ["validate_valid", "valid"], ["validate_invalid", "invalid"]]) {
    runs[mode].push(r[key][1] ? r[key][0] / r[key][1] : 0);
    counts[mode] = [r[key][1], r[key][2]];
  }
}

const modes = {};
for (const [mode, v] of Object.entries(runs)) {
  const m = median(v);
  modes[mode] = {
    ns_per_event: Math.round(m * 10) / 10,
    ns_per_event_min: Math.round(Math.min(...v) * 10) / 10,
    events_per_s: Math.round(1e9 / m),
    events: counts[mode][0],
    accepted: counts[mode][1],
    ns_per_rep: v.map((x) => Math.round(x * 10) / 10),
  };
}
console.log(
  JSON.stringify({
    impl: `ajv ${require("ajv/package.json").version} + ajv-formats ${require("ajv-formats/package.json").version} (Ajv2020, allErrors:false, strict:false)`,
    node: process.version,
    events: lines.length,
    repetitions: reps,
    chunk: CHUNK,
    modes,
  }),
);
