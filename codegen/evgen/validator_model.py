"""The validator model: one C function per reachable schema location, a list of checks each.

Every decision is made here (what to check, in which order, how a subschema
is applied, which oneOf can dispatch on a discriminator); the template only
prints the checks. Keyword values are checked as they are read, so a schema
that is wrong in itself stops generation with the path of the culprit.
"""

import re

from .errors import SchemaError
from .loader import ANNOTATIONS, DRAFT7, SUPPORTED_FORMATS, Num, json_equal, pointer_fragment, to_json_text

JSON_TYPES = ("null", "boolean", "object", "array", "number", "string", "integer")
FORMAT_FUNCS = {f: "ev_format_" + f.replace("-", "_") for f in SUPPORTED_FORMATS}
# Applicators that apply a subschema to the same instance: a cycle through
# these alone would recurse forever at run time, so it is refused.
_SAME_INSTANCE = ("$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
                  "dependencies")


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
        segs.append({"bits": bits, "min": lo, "max": hi})
    if not segs or any(s["min"] != s["max"] for s in segs[:-1]):
        return None
    return segs


def _power_of_ten(value):
    """k when value is exactly 10^k, else None. Works on the digits (Decimal.normalize
    would round to the context's 28 digits and call 10^31 + 1 a power of ten)."""
    sign, digits, exponent = value.as_tuple()
    if sign or not isinstance(exponent, int):
        return None
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    return exponent if digits == [1] else None


def c_number(num, path):
    """A schema number as a C double literal; refuses numbers a double cannot hold exactly."""
    if not isinstance(num, Num) or isinstance(num, bool):
        raise SchemaError(path, "must be a number")
    if not num.as_double_exact():
        raise SchemaError(path, f"number {num.text} cannot be represented exactly as a double")
    text = num.text
    if not any(ch in text for ch in ".eE"):
        text += ".0"
    return text


def _count(node, kw):
    v = node.get(kw)
    path = node.kw_path(kw)
    if not isinstance(v, Num) or not v.is_integer() or v.value < 0:
        raise SchemaError(path, f"{kw} must be a non-negative integer")
    if v.value > 2 ** 31 - 1:
        raise SchemaError(path, f"{kw} is too large (at most 2147483647 is supported)")
    return int(v.value)


def _has_nul(value):
    if isinstance(value, str):
        return "\0" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any("\0" in k or _has_nul(v) for k, v in value.items())
    return False


def _check_exact_numbers(value, path):
    """Refuses numbers inside a literal that the runtime could not hold exactly."""
    if isinstance(value, Num):
        c_number(value, path)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_exact_numbers(v, f"{path}/{i}")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_exact_numbers(v, f"{path}/{k}")


def _describe(value):
    text = to_json_text(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Sub:
    """How a subschema is applied: a function call, or a constant boolean schema."""

    def __init__(self, fn=None, const=None, path=None):
        self.fn = fn          # C function name
        self.const = const    # True / False for boolean schemas
        self.path = path      # schema path of the subschema

    @property
    def always(self):
        return self.const is True

    @property
    def never(self):
        return self.const is False


class Function:
    def __init__(self, name, node):
        self.name = name
        self.node = node
        self.path = node.path
        self.checks = []
        self.comment = []
        self.const = node.schema if isinstance(node.schema, bool) else None
        self.tag_capture = False  # the member loop records the discriminator member in `tag`


class ValidatorModel:
    """Builds the functions for every schema location reachable from the root."""

    def __init__(self, doc, prefix, assert_formats=True):
        self.doc = doc
        self.assert_formats = assert_formats
        self.prefix = prefix
        self.functions = []          # in discovery order (root first): deterministic
        self._by_ptr = {}
        self._names = set()
        self.patterns = []           # ECMA-262 sources, deduplicated
        self.regexes = []            # indexes into patterns that need PCRE2 (RE[] in C)
        self.charseqs = []           # (pattern index, segments) decided by a byte-class scan (SEQ_n in C)
        self._pattern_refs = {}      # source -> how it is matched (see pattern())
        self.constants = []          # JSON texts parsed at init, for deep equality
        self.edges = {}              # ptr -> set(ptr) applied to the same instance
        self.root = self._function_for(doc.root)
        pending = list(self.functions)
        while pending:
            fn = pending.pop(0)
            before = len(self.functions)
            self._build(fn)
            pending.extend(self.functions[before:])
        self._refuse_cycles()

    # ---- naming and registries -------------------------------------------

    def _fn_name(self, node):
        parts = [str(p) for p in node.ptr] or ["root"]
        base = re.sub(r"[^A-Za-z0-9]+", "_", "_".join(parts)).strip("_").lower() or "node"
        base = re.sub(r"^(defs|definitions|properties)_", "", base) if node.ptr else base
        base = f"v_{base}"[:60].rstrip("_")
        name, i = base, 2
        while name in self._names:
            name, i = f"{base}_{i}", i + 1
        self._names.add(name)
        return name

    def _function_for(self, node):
        fn = self._by_ptr.get(node.ptr)
        if fn is None:
            fn = Function(self._fn_name(node), node)
            self._by_ptr[node.ptr] = fn
            self.functions.append(fn)
        return fn

    def pattern(self, source, path):
        """How a pattern is matched: {"index": source index, "engine": "seq"|"re", "slot": C array index}."""
        if not isinstance(source, str):
            raise SchemaError(path, "a pattern must be a string")
        if "\0" in source:
            raise SchemaError(path, "patterns containing U+0000 are not supported")
        if source not in self._pattern_refs:
            index = len(self.patterns)
            self.patterns.append(source)
            segs = charseq_segments(source)
            if segs is not None:
                ref = {"index": index, "engine": "seq", "slot": len(self.charseqs)}
                self.charseqs.append({"index": index, "source": source, "segments": segs})
            else:
                ref = {"index": index, "engine": "re", "slot": len(self.regexes)}
                self.regexes.append({"index": index, "source": source})
            self._pattern_refs[source] = ref
        return dict(self._pattern_refs[source])

    def constant_index(self, value):
        text = to_json_text(value)
        if text not in self.constants:
            self.constants.append(text)
        return self.constants.index(text)

    def sub(self, parent, *parts, same_instance=False):
        node = parent.child(*parts)
        seen = set()
        # A subschema that is only a $ref (plus annotations) is its target: call it directly.
        while (isinstance(node.schema, dict) and "$ref" in node.schema and node.ptr not in seen
               and all(k == "$ref" or k in ANNOTATIONS or k.startswith("x-") for k in node.schema)):
            seen.add(node.ptr)
            if same_instance:
                self.edges.setdefault(parent.ptr, set()).add(node.ptr)
                parent = node
            node = node.ref_target()
        if node.ptr and isinstance(node.schema, bool):
            return Sub(const=node.schema, path=node.path)
        fn = self._function_for(node)
        if same_instance:
            self.edges.setdefault(parent.ptr, set()).add(node.ptr)
        return Sub(fn=fn.name, path=node.path)

    def _refuse_cycles(self):
        state = {}

        def visit(ptr, stack):
            state[ptr] = 1
            for nxt in sorted(self.edges.get(ptr, ()), key=str):
                if state.get(nxt) == 1:
                    loop = stack[stack.index(nxt):] + [nxt] if nxt in stack else [ptr, nxt]
                    raise SchemaError(pointer_fragment(ptr),
                                      "reference cycle that never descends into the instance: "
                                      + " -> ".join(pointer_fragment(p) for p in loop))
                if state.get(nxt) is None:
                    visit(nxt, stack + [nxt])
            state[ptr] = 2

        for ptr in sorted(self.edges, key=str):
            if state.get(ptr) is None:
                visit(ptr, [ptr])

    # ---- one schema location ---------------------------------------------

    def _build(self, fn):
        node = fn.node
        if fn.const is not None:
            return
        schema = node.active_keywords()
        for kw in ("title", "description", "$comment"):
            if isinstance(node.get(kw), str):
                fn.comment.append(node.get(kw))
        add = fn.checks.append
        draft7 = node.dialect == DRAFT7

        if "$ref" in schema:
            target = node.ref_target()
            if isinstance(target.schema, bool):
                add({"kind": "apply", "sub": Sub(const=target.schema, path=target.path), "keyword": "$ref",
                     "schema_path": node.kw_path("$ref")})
            else:
                self.edges.setdefault(node.ptr, set()).add(target.ptr)
                add({"kind": "apply", "sub": Sub(fn=self._function_for(target).name, path=target.path),
                     "keyword": "$ref", "schema_path": node.kw_path("$ref")})
        if "type" in schema:
            add(self._type(node))
        if "const" in schema:
            add(self._const(node))
        if "enum" in schema:
            add(self._enum(node))
        num = self._numeric(node, schema)
        if num:
            add(num)
        strc = self._string(node, schema)
        if strc:
            add(strc)
        arr = self._array(node, schema, draft7)
        if arr:
            add(arr)
        obj = self._object(node, schema, draft7)
        if obj:
            add(obj)
        for kw in ("allOf",):
            if kw in schema:
                for i in range(len(schema[kw])):
                    add({"kind": "apply", "sub": self.sub(node, kw, i, same_instance=True), "keyword": kw,
                         "schema_path": node.kw_path(kw, i)})
        if "anyOf" in schema:
            add({"kind": "anyOf", "subs": [self.sub(node, "anyOf", i, same_instance=True)
                                           for i in range(len(schema["anyOf"]))],
                 "schema_path": node.kw_path("anyOf")})
        if "oneOf" in schema:
            one_of = self._one_of(node, schema)
            add(one_of)
            obj = next((ch for ch in fn.checks if ch["kind"] == "object" and ch["loop"]), None)
            if one_of["kind"] == "oneOf_discriminated" and obj is not None:
                for p in obj["properties"]:
                    if p["name"] == one_of["property"]:
                        # The member loop remembers the tag, so dispatch needs no lookup.
                        p["capture"] = True
                        one_of["captured"] = True
                        fn.tag_capture = True
        if "not" in schema:
            add({"kind": "not", "sub": self.sub(node, "not", same_instance=True),
                 "schema_path": node.kw_path("not")})
        if "if" in schema:
            then = self.sub(node, "then", same_instance=True) if "then" in schema else Sub(const=True)
            els = self.sub(node, "else", same_instance=True) if "else" in schema else Sub(const=True)
            if not (then.always and els.always):
                add({"kind": "if", "cond": self.sub(node, "if", same_instance=True), "then": then, "else": els,
                     "schema_path": node.kw_path("if")})

    # ---- keyword groups ----------------------------------------------------

    def _type(self, node):
        t = node.get("type")
        path = node.kw_path("type")
        types = [t] if isinstance(t, str) else t
        if not isinstance(types, list) or not types or any(x not in JSON_TYPES for x in types):
            raise SchemaError(path, f"type must be one of {', '.join(JSON_TYPES)} or a non-empty array of them")
        if len(set(types)) != len(types):
            raise SchemaError(path, "type lists a type twice")
        if "number" in types and "integer" in types:
            types = [x for x in types if x != "integer"]
        return {"kind": "type", "types": types, "expected": " or ".join(types), "schema_path": path}

    def _literal_check(self, value, path):
        """How to compare an instance with one literal: a direct C test or deep equality."""
        if _has_nul(value):
            raise SchemaError(path, "strings containing U+0000 are not supported (cJSON cannot hold them)")
        if isinstance(value, bool):
            return {"how": "true" if value else "false"}
        if value is None:
            return {"how": "null"}
        if isinstance(value, str):
            return {"how": "string", "value": value}
        if isinstance(value, Num):
            return {"how": "number", "value": c_number(value, path)}
        _check_exact_numbers(value, path)
        return {"how": "deep", "index": self.constant_index(value)}

    def _const(self, node):
        path = node.kw_path("const")
        value = node.get("const")
        return {"kind": "const", "test": self._literal_check(value, path), "describe": _describe(value),
                "schema_path": path}

    def _enum(self, node):
        path = node.kw_path("enum")
        values = node.get("enum")
        if not isinstance(values, list):
            raise SchemaError(path, "enum must be an array")
        tests = [self._literal_check(v, f"{path}/{i}") for i, v in enumerate(values)]
        describe = ", ".join(_describe(v) for v in values)
        if len(describe) > 200:
            describe = describe[:197] + "..."
        groups = None
        if len(values) > 1 and all(t["how"] == "string" for t in tests):
            # All strings: one strlen, then a memcmp against the values of that length.
            by_len = {}
            for t in tests:
                by_len.setdefault(len(t["value"].encode("utf-8")), []).append(t["value"])
            groups = [{"length": n, "values": by_len[n]} for n in sorted(by_len)]
        return {"kind": "enum", "tests": tests, "string_groups": groups, "describe": describe, "schema_path": path}

    def _numeric(self, node, schema):
        checks = []
        for kw, op in (("minimum", ">="), ("maximum", "<="), ("exclusiveMinimum", ">"), ("exclusiveMaximum", "<")):
            if kw in schema:
                path = node.kw_path(kw)
                value = schema[kw]
                if isinstance(value, bool) or not isinstance(value, Num):
                    raise SchemaError(path, f"{kw} must be a number (the draft-04 boolean form is not supported)")
                checks.append({"keyword": kw, "op": op, "value": c_number(value, path), "text": value.text,
                               "schema_path": path})
        multiple = None
        if "multipleOf" in schema:
            path = node.kw_path("multipleOf")
            value = schema["multipleOf"]
            if not isinstance(value, Num) or value.value <= 0:
                raise SchemaError(path, "multipleOf must be a number greater than 0")
            pow10 = _power_of_ten(value.value)
            multiple = {"text": value.text, "schema_path": path, "pow10": pow10}
        if not checks and not multiple:
            return None
        return {"kind": "number", "bounds": checks, "multiple": multiple}

    def _string(self, node, schema):
        check = {"kind": "string", "min": None, "max": None, "patterns": [], "format": None}
        if "minLength" in schema:
            check["min"] = {"value": _count(node, "minLength"), "schema_path": node.kw_path("minLength")}
        if "maxLength" in schema:
            check["max"] = {"value": _count(node, "maxLength"), "schema_path": node.kw_path("maxLength")}
        if "pattern" in schema:
            path = node.kw_path("pattern")
            check["patterns"].append(dict(self.pattern(schema["pattern"], path),
                                          source=schema["pattern"], schema_path=path))
        if "format" in schema and self.assert_formats:
            path = node.kw_path("format")
            fmt = schema["format"]
            if not isinstance(fmt, str):
                raise SchemaError(path, "format must be a string")
            if fmt not in FORMAT_FUNCS:
                raise SchemaError(path, f"format {fmt!r} is not supported (supported: {', '.join(SUPPORTED_FORMATS)})")
            check["format"] = {"name": fmt, "func": FORMAT_FUNCS[fmt], "schema_path": path}
        if check["min"] is None and check["max"] is None and not check["patterns"] and not check["format"]:
            return None
        return check

    def _array(self, node, schema, draft7):
        check = {"kind": "array", "prefix": [], "items": None, "items_keyword": "items", "contains": None,
                 "min": None, "max": None, "unique": None}
        if draft7:
            items = schema.get("items")
            if isinstance(items, list):
                check["prefix"] = [self.sub(node, "items", i) for i in range(len(items))]
                check["prefix_keyword"] = "items"
                if "additionalItems" in schema:
                    check["items"] = self.sub(node, "additionalItems")
                    check["items_keyword"] = "additionalItems"
            elif "items" in schema:
                check["items"] = self.sub(node, "items")
        else:
            if "prefixItems" in schema:
                check["prefix"] = [self.sub(node, "prefixItems", i) for i in range(len(schema["prefixItems"]))]
                check["prefix_keyword"] = "prefixItems"
            if "items" in schema:
                check["items"] = self.sub(node, "items")
        if check["items"] is not None and check["items"].always:
            check["items"] = None
        if "contains" in schema:
            lo = _count(node, "minContains") if "minContains" in schema and not draft7 else 1
            hi = _count(node, "maxContains") if "maxContains" in schema and not draft7 else None
            check["contains"] = {"sub": self.sub(node, "contains"), "min": lo, "max": hi,
                                 "schema_path": node.kw_path("contains"),
                                 "min_path": node.kw_path("minContains") if "minContains" in schema and not draft7
                                 else node.kw_path("contains"),
                                 "max_path": node.kw_path("maxContains")}
        if "minItems" in schema:
            check["min"] = {"value": _count(node, "minItems"), "schema_path": node.kw_path("minItems")}
        if "maxItems" in schema:
            check["max"] = {"value": _count(node, "maxItems"), "schema_path": node.kw_path("maxItems")}
        if "uniqueItems" in schema:
            if not isinstance(schema["uniqueItems"], bool):
                raise SchemaError(node.kw_path("uniqueItems"), "uniqueItems must be a boolean")
            if schema["uniqueItems"]:
                check["unique"] = {"schema_path": node.kw_path("uniqueItems")}
        if (not check["prefix"] and check["items"] is None and not check["contains"] and check["min"] is None
                and check["max"] is None and not check["unique"]):
            return None
        return check

    def _name_list(self, node, kw):
        path = node.kw_path(kw)
        names = node.get(kw)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SchemaError(path, f"{kw} must be an array of strings")
        if len(set(names)) != len(names):
            raise SchemaError(path, f"{kw} lists a name twice")
        if any("\0" in n for n in names):
            raise SchemaError(path, "member names containing U+0000 are not supported")
        return names

    def _object(self, node, schema, draft7):
        props = []
        index = {}
        for name in schema.get("properties", {}):
            if "\0" in name:
                raise SchemaError(node.kw_path("properties", name), "member names containing U+0000 are not supported")
            index[name] = len(props)
            props.append({"name": name, "sub": self.sub(node, "properties", name), "bit": len(props),
                          "capture": False})
        pattern_props = []
        for source in schema.get("patternProperties", {}):
            path = node.kw_path("patternProperties", source)
            pattern_props.append({**self.pattern(source, path), "source": source,
                                  "sub": self.sub(node, "patternProperties", source)})
        additional = None
        if "additionalProperties" in schema:
            additional = self.sub(node, "additionalProperties")
            if additional.always:
                additional = None
            else:
                additional = {"sub": additional, "schema_path": node.kw_path("additionalProperties")}
        names = None
        if "propertyNames" in schema:
            names = self.sub(node, "propertyNames")
            names = None if names.always else {"sub": names, "schema_path": node.kw_path("propertyNames")}

        def presence(name):
            return {"name": name, "bit": index[name] if name in index and index[name] < 64 else None}

        required = []
        if "required" in schema:
            required = [dict(presence(n), schema_path=node.kw_path("required")) for n in self._name_list(node, "required")]
        dep_required, dep_schemas = [], []
        if draft7 and "dependencies" in schema:
            for name, dep in schema["dependencies"].items():
                if isinstance(dep, list):
                    reqs = dep
                    if not all(isinstance(r, str) for r in reqs) or len(set(reqs)) != len(reqs):
                        raise SchemaError(node.kw_path("dependencies", name), "must be an array of unique strings")
                    dep_required.append({"if": presence(name), "then": [presence(r) for r in reqs],
                                         "keyword": "dependencies",
                                         "schema_path": node.kw_path("dependencies", name)})
                else:
                    sub = self.sub(node, "dependencies", name, same_instance=True)
                    if not sub.always:
                        dep_schemas.append({"if": presence(name), "sub": sub, "keyword": "dependencies",
                                            "schema_path": node.kw_path("dependencies", name)})
        if "dependentRequired" in schema:
            value = schema["dependentRequired"]
            if not isinstance(value, dict):
                raise SchemaError(node.kw_path("dependentRequired"), "dependentRequired must be an object")
            for name, reqs in value.items():
                path = node.kw_path("dependentRequired", name)
                if not isinstance(reqs, list) or not all(isinstance(r, str) for r in reqs) or len(set(reqs)) != len(reqs):
                    raise SchemaError(path, "must be an array of unique strings")
                dep_required.append({"if": presence(name), "then": [presence(r) for r in reqs],
                                     "keyword": "dependentRequired", "schema_path": path})
        if not draft7 and "dependentSchemas" in schema:
            for name in schema["dependentSchemas"]:
                sub = self.sub(node, "dependentSchemas", name, same_instance=True)
                if not sub.always:
                    dep_schemas.append({"if": presence(name), "sub": sub, "keyword": "dependentSchemas",
                                        "schema_path": node.kw_path("dependentSchemas", name)})
        lo = {"value": _count(node, "minProperties"), "schema_path": node.kw_path("minProperties")} \
            if "minProperties" in schema else None
        hi = {"value": _count(node, "maxProperties"), "schema_path": node.kw_path("maxProperties")} \
            if "maxProperties" in schema else None
        if not (props or pattern_props or additional or names or required or dep_required or dep_schemas
                or lo or hi):
            return None
        needs_loop = bool(props or pattern_props or additional or names)
        groups = {}
        for p in props:
            groups.setdefault(len(p["name"].encode("utf-8")), []).append(p)
        return {"kind": "object", "properties": props, "pattern_properties": pattern_props,
                "property_groups": [{"length": n, "properties": groups[n]} for n in sorted(groups)],
                "additional": additional, "names": names, "required": required, "dep_required": dep_required,
                "dep_schemas": dep_schemas, "min": lo, "max": hi, "loop": needs_loop,
                "track_matched": additional is not None,
                "uses_seen": any(p["bit"] is not None for p in required)
                or any(d["if"]["bit"] is not None or any(t["bit"] is not None for t in d["then"]) for d in dep_required)
                or any(d["if"]["bit"] is not None for d in dep_schemas),
                "count": bool(lo or hi)}

    def _one_of(self, node, schema):
        n = len(schema["oneOf"])
        subs = [self.sub(node, "oneOf", i, same_instance=True) for i in range(n)]
        disc = self._discriminator(node, schema)
        if disc:
            name, values = disc
            covered = self._enum_covers(node, name, values)
            return {"kind": "oneOf_discriminated", "property": name, "captured": False,
                    "cases": [{"value": v, "length": len(v.encode("utf-8")), "sub": s} for v, s in zip(values, subs)],
                    "covered": covered, "describe": ", ".join(_describe(v) for v in values),
                    "schema_path": node.kw_path("oneOf")}
        return {"kind": "oneOf", "subs": subs, "schema_path": node.kw_path("oneOf")}

    def _discriminator(self, node, schema):
        return find_discriminator(node, schema)

    def _enum_covers(self, node, prop, values):
        """True when the parent's own schema for `prop` already rejects every other value."""
        props = node.get("properties")
        if not isinstance(props, dict) or prop not in props:
            return False
        target = node.child("properties", prop)
        seen = set()
        while isinstance(target.schema, dict) and "$ref" in target.schema and target.ptr not in seen:
            seen.add(target.ptr)
            if target.dialect != DRAFT7 and len(target.schema) > 1:
                break
            target = target.ref_target()
        enum = target.get("enum") if isinstance(target.schema, dict) else None
        return isinstance(enum, list) and all(isinstance(e, str) for e in enum) and set(enum) <= set(values)


def find_discriminator(node, schema=None):
    """(property, [values]) when oneOf can dispatch on one member's value: the parent
    requires an object that has the member, and each branch pins it to a distinct string.
    Shared by the validator (dispatch) and the typed layer (tagged unions)."""
    if schema is None:
        schema = node.active_keywords()
    types = schema.get("type")
    if types not in ("object", ["object"]):
        return None
    required = schema.get("required", [])
    candidates = None
    branch_values = []
    for i in range(len(schema["oneOf"])):
        branch = node.child("oneOf", i)
        if not isinstance(branch.schema, dict) or "$ref" in branch.schema:
            return None
        pins = {}
        for prop in branch.get("properties", {}) if isinstance(branch.get("properties"), dict) else {}:
            p = branch.child("properties", prop)
            if not isinstance(p.schema, dict):
                continue
            tag = p.active_keywords()  # draft-07: a $ref hides a sibling const
            if "const" in tag and isinstance(tag["const"], str):
                pins[prop] = tag["const"]
            elif isinstance(tag.get("enum"), list) and len(tag["enum"]) == 1 and isinstance(tag["enum"][0], str):
                pins[prop] = tag["enum"][0]
        branch_values.append(pins)
        keys = {k for k in pins if k in required}
        candidates = keys if candidates is None else candidates & keys
    for prop in sorted(candidates or ()):
        values = [pins[prop] for pins in branch_values]
        if len(set(values)) == len(values) and not any("\0" in v for v in values):
            return prop, values
    return None


def build(doc, prefix, assert_formats=True):
    """The validator model of a loaded document. With assert_formats=False `format` is an
    annotation only (the 2020-12 default without the format-assertion vocabulary)."""
    return ValidatorModel(doc, prefix, assert_formats)


__all__ = ["build", "find_discriminator", "ValidatorModel", "Sub", "json_equal"]
