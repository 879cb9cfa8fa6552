"""The validator model: one C function per reachable schema location, a list of checks each.

Every decision is made here (what to check, in which order, how a subschema
is applied, which oneOf can dispatch on a discriminator, which checks have an
outcome known at generation time, where a quiet probe stops early, which
function parameters go unused); validate.c.j2 only prints the checks
(dataclasses from checks.py). Keyword values are checked as they are read,
so a schema that is wrong in itself stops generation with the path of the
culprit.

Constant folding. Boolean subschemas and empty keyword values decide some
checks before any instance is seen: a check that always passes (`allOf:
[true]`, `not: false`, `minLength: 0`, `dependentRequired: {"a": []}`) is
left out, and one that always fails (`not: true`, `enum: []`, `anyOf:
[false]`) becomes a Fail with the same keyword and schema path. The result
is the same; the C is smaller and compiles without unused code.
"""

import re
from dataclasses import dataclass
from typing import List

from .checks import (Additional, AnyOf, Apply, ArrayCheck, Bound, Case, ConstCheck, Contains, DependentRequired,
                     DependentSchema, EnumCheck, Fail, Format, Function, IfThenElse, Limit, Literal, MultipleOf, Not,
                     NumberCheck, ObjectCheck, OneOf, OneOfDiscriminated, Pattern, PatternProperty, Presence,
                     Property, PropertyGroup, Required, StringCheck, StringGroup, Sub, TypeCheck)
from .errors import SchemaError
from .loader import (ANNOTATIONS, ASSERTED_FORMATS, DIALECT_FORMATS, DRAFT7, Num, asserted_formats,
                     pointer_fragment, to_json_text)
from .patterns import Segment, charseq_segments

JSON_TYPES = ("null", "boolean", "object", "array", "number", "string", "integer")
FORMAT_FUNCS = {f: "ev_format_" + f.replace("-", "_") for f in ASSERTED_FORMATS}
SEEN_BITS = 64                     # members whose presence a uint64_t bitmask can track

NOTHING_ALLOWED = "no value is allowed here"


@dataclass
class RegexSlot:
    """A pattern compiled by PCRE2 at init: RE[slot] in C."""

    index: int
    source: str


@dataclass
class CharseqSlot:
    """A pattern decided by a byte-class scan: SEQ[slot] in C."""

    index: int
    source: str
    segments: List[Segment]


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
        self.regexes = []            # RegexSlot: patterns that need PCRE2
        self.charseqs = []           # CharseqSlot: patterns decided by a byte-class scan
        self._pattern_refs = {}      # source -> (engine, slot, index)
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
        self._drop_unreachable()

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
        """How a pattern is matched (a Pattern: engine `seq` or `re`, its slot, its schema path)."""
        if not isinstance(source, str):
            raise SchemaError(path, "a pattern must be a string")
        if "\0" in source:
            raise SchemaError(path, "patterns containing U+0000 are not supported")
        if source not in self._pattern_refs:
            index = len(self.patterns)
            self.patterns.append(source)
            segs = charseq_segments(source)
            if segs is not None:
                self._pattern_refs[source] = ("seq", len(self.charseqs), index)
                self.charseqs.append(CharseqSlot(index, source, segs))
            else:
                self._pattern_refs[source] = ("re", len(self.regexes), index)
                self.regexes.append(RegexSlot(index, source))
        engine, slot, index = self._pattern_refs[source]
        return Pattern(index=index, engine=engine, slot=slot, source=source, schema_path=path)

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

    def _drop_unreachable(self):
        """Functions only folded-away checks referred to are not emitted."""
        by_name = {fn.name: fn for fn in self.functions}
        reached, pending = {self.root.name}, [self.root]
        while pending:
            for name in sorted(called_functions(pending.pop())):
                if name not in reached:
                    reached.add(name)
                    pending.append(by_name[name])
        self.functions = [fn for fn in self.functions if fn.name in reached]

    # ---- one schema location ---------------------------------------------

    def _build(self, fn):
        node = fn.node
        if isinstance(node.schema, bool):  # only the root gets here; other boolean subschemas are Subs
            if node.schema is False:
                fn.checks.append(Fail("false", node.path, NOTHING_ALLOWED))
            self._finish(fn)
            return
        schema = node.active_keywords()
        for kw in ("title", "description", "$comment"):
            if isinstance(node.get(kw), str):
                fn.comment.append(node.get(kw))
        checks = []
        if "$ref" in schema:
            checks.append(self._ref(node))
        for builder in (self._type, self._const, self._enum):
            checks.append(builder(node, schema))
        checks.append(self._numeric(node, schema))
        checks.append(self._string(node, schema))
        checks.append(self._array(node, schema, node.dialect == DRAFT7))
        obj = self._object(node, schema, node.dialect == DRAFT7)
        checks.append(obj)
        for i in range(len(schema.get("allOf", ()))):
            checks.append(self._apply(self.sub(node, "allOf", i, same_instance=True), "allOf",
                                      node.kw_path("allOf", i)))
        checks.append(self._any_of(node, schema))
        one_of = self._one_of(node, schema)
        checks.append(one_of)
        if isinstance(one_of, OneOfDiscriminated) and obj is not None and obj.loop:
            for p in obj.properties:
                if p.name == one_of.property:
                    # The member loop remembers the tag, so dispatch needs no lookup.
                    p.capture = True
                    one_of.captured = True
                    fn.tag_capture = True
        checks.append(self._not(node, schema))
        checks.append(self._if(node, schema))
        fn.checks = [ch for ch in checks if ch is not None]
        self._finish(fn)

    @staticmethod
    def _finish(fn):
        """Decisions about the function as a whole: early quiet exits and unused parameters."""
        for i, ch in enumerate(fn.checks):
            ch.quiet_exit = i > 0
        fn.unused = []
        if not fn.checks:
            fn.unused = ["c", "x"]
        elif not any(ch.reads_instance() for ch in fn.checks):
            fn.unused = ["x"]

    # ---- applicators -------------------------------------------------------

    @staticmethod
    def _apply(sub, keyword, schema_path):
        """A subschema applied to the instance itself: nothing when it is `true`, a Fail when `false`."""
        if sub.always:
            return None
        if sub.never:
            return Fail(keyword, sub.path, NOTHING_ALLOWED)
        return Apply(sub=sub, keyword=keyword, schema_path=schema_path)

    def _ref(self, node):
        target = node.ref_target()
        if isinstance(target.schema, bool):
            sub = Sub(const=target.schema, path=target.path)
        else:
            self.edges.setdefault(node.ptr, set()).add(target.ptr)
            sub = Sub(fn=self._function_for(target).name, path=target.path)
        return self._apply(sub, "$ref", node.kw_path("$ref"))

    def _any_of(self, node, schema):
        if "anyOf" not in schema:
            return None
        subs = [self.sub(node, "anyOf", i, same_instance=True) for i in range(len(schema["anyOf"]))]
        path = node.kw_path("anyOf")
        if any(s.always for s in subs):
            return None
        subs = [s for s in subs if not s.never]
        if not subs:
            return Fail("anyOf", path, "must match at least one schema in anyOf")
        return AnyOf(subs=subs, schema_path=path)

    def _one_of(self, node, schema):
        if "oneOf" not in schema:
            return None
        n = len(schema["oneOf"])
        subs = [self.sub(node, "oneOf", i, same_instance=True) for i in range(n)]
        path = node.kw_path("oneOf")
        disc = find_discriminator(node, schema)
        if disc:
            name, values = disc
            covered = self._enum_covers(node, name, values)
            if covered and all(s.always for s in subs):
                return None
            return OneOfDiscriminated(
                property=name, cases=[Case(v, len(v.encode("utf-8")), s) for v, s in zip(values, subs)],
                covered=covered, describe=", ".join(_describe(v) for v in values), schema_path=path)
        subs = [s for s in subs if not s.never]
        if all(s.always for s in subs):  # the number of matches is known
            if len(subs) == 1:
                return None
            found = "none" if not subs else "more than one"
            return Fail("oneOf", path, f"must match exactly one schema in oneOf, matches {found}")
        return OneOf(subs=subs, schema_path=path)

    def _not(self, node, schema):
        if "not" not in schema:
            return None
        sub = self.sub(node, "not", same_instance=True)
        path = node.kw_path("not")
        if sub.never:
            return None
        if sub.always:
            return Fail("not", path, "must not match the schema in not")
        return Not(sub=sub, schema_path=path)

    def _if(self, node, schema):
        if "if" not in schema:
            return None
        then = self.sub(node, "then", same_instance=True) if "then" in schema else Sub(const=True)
        otherwise = self.sub(node, "else", same_instance=True) if "else" in schema else Sub(const=True)
        if then.always and otherwise.always:
            return None
        cond = self.sub(node, "if", same_instance=True)
        if cond.always:
            return self._apply(then, "then", node.kw_path("then"))
        if cond.never:
            return self._apply(otherwise, "else", node.kw_path("else"))
        return IfThenElse(cond=cond, then=then, otherwise=otherwise, schema_path=node.kw_path("if"))

    # ---- keyword groups ----------------------------------------------------

    def _type(self, node, schema):
        if "type" not in schema:
            return None
        t = node.get("type")
        path = node.kw_path("type")
        types = [t] if isinstance(t, str) else t
        if not isinstance(types, list) or not types or any(x not in JSON_TYPES for x in types):
            raise SchemaError(path, f"type must be one of {', '.join(JSON_TYPES)} or a non-empty array of them")
        if len(set(types)) != len(types):
            raise SchemaError(path, "type lists a type twice")
        if "number" in types and "integer" in types:
            types = [x for x in types if x != "integer"]
        return TypeCheck(types=types, expected=" or ".join(types), schema_path=path)

    def _literal(self, value, path):
        """How to compare an instance with one literal: a direct C test or deep equality."""
        if _has_nul(value):
            raise SchemaError(path, "strings containing U+0000 are not supported (cJSON cannot hold them)")
        if isinstance(value, bool):
            return Literal("true" if value else "false")
        if value is None:
            return Literal("null")
        if isinstance(value, str):
            return Literal("string", value=value)
        if isinstance(value, Num):
            return Literal("number", value=c_number(value, path))
        _check_exact_numbers(value, path)
        return Literal("deep", index=self.constant_index(value))

    def _const(self, node, schema):
        if "const" not in schema:
            return None
        path = node.kw_path("const")
        value = node.get("const")
        return ConstCheck(test=self._literal(value, path), describe=_describe(value), schema_path=path)

    def _enum(self, node, schema):
        if "enum" not in schema:
            return None
        path = node.kw_path("enum")
        values = node.get("enum")
        if not isinstance(values, list):
            raise SchemaError(path, "enum must be an array")
        tests = [self._literal(v, f"{path}/{i}") for i, v in enumerate(values)]
        if not tests:
            return Fail("enum", path, "must be one of the values of an empty enum: " + NOTHING_ALLOWED)
        describe = ", ".join(_describe(v) for v in values)
        if len(describe) > 200:
            describe = describe[:197] + "..."
        groups = None
        if len(values) > 1 and all(t.how == "string" for t in tests):
            # All strings: one strlen, then a memcmp against the values of that length.
            by_len = {}
            for t in tests:
                by_len.setdefault(len(t.value.encode("utf-8")), []).append(t.value)
            groups = [StringGroup(n, by_len[n]) for n in sorted(by_len)]
        return EnumCheck(tests=tests, string_groups=groups, describe=describe, schema_path=path)

    def _numeric(self, node, schema):
        bounds = []
        for kw, op in (("minimum", ">="), ("maximum", "<="), ("exclusiveMinimum", ">"), ("exclusiveMaximum", "<")):
            if kw in schema:
                path = node.kw_path(kw)
                value = schema[kw]
                if isinstance(value, bool) or not isinstance(value, Num):
                    raise SchemaError(path, f"{kw} must be a number (the draft-04 boolean form is not supported)")
                bounds.append(Bound(keyword=kw, op=op, value=c_number(value, path), text=value.text,
                                    schema_path=path))
        multiple = None
        if "multipleOf" in schema:
            path = node.kw_path("multipleOf")
            value = schema["multipleOf"]
            if not isinstance(value, Num) or value.value <= 0:
                raise SchemaError(path, "multipleOf must be a number greater than 0")
            multiple = MultipleOf(text=value.text, schema_path=path, pow10=_power_of_ten(value.value))
        if not bounds and not multiple:
            return None
        return NumberCheck(bounds=bounds, multiple=multiple)

    def _limit(self, node, schema, kw, lower=False):
        """A count keyword as a Limit; a lower limit of 0 holds for every value and is left out."""
        if kw not in schema:
            return None
        value = _count(node, kw)
        if lower and value == 0:
            return None
        return Limit(value, node.kw_path(kw))

    def _string(self, node, schema):
        lo = self._limit(node, schema, "minLength", lower=True)
        hi = self._limit(node, schema, "maxLength")
        patterns = []
        if "pattern" in schema:
            patterns.append(self.pattern(schema["pattern"], node.kw_path("pattern")))
        fmt = self._format(node, schema)
        if lo is None and hi is None and not patterns and fmt is None:
            return None
        return StringCheck(min=lo, max=hi, patterns=patterns, format=fmt)

    def _format(self, node, schema):
        if "format" not in schema or not self.assert_formats:
            return None
        path = node.kw_path("format")
        fmt = schema["format"]
        if not isinstance(fmt, str):
            raise SchemaError(path, "format must be a string")
        asserted = asserted_formats(node.dialect)
        if fmt not in DIALECT_FORMATS[node.dialect]:
            elsewhere = [d for d, names in sorted(DIALECT_FORMATS.items()) if fmt in names]
            hint = f" ({fmt} is a {' and '.join(elsewhere)} format)" if elsewhere else ""
            raise SchemaError(path, f"format {fmt!r} is not defined by {node.dialect}{hint}; unknown formats "
                                    f"are refused, not ignored (asserted: {', '.join(asserted)})")
        if fmt not in asserted:
            raise SchemaError(path, f"format {fmt!r} is not supported (asserted for {node.dialect}: "
                                    f"{', '.join(asserted)})")
        return Format(name=fmt, func=FORMAT_FUNCS[fmt], schema_path=path)

    def _items(self, node, schema, draft7):
        """(prefix subs, prefix keyword, items sub or None, items keyword)."""
        prefix, prefix_kw, items, items_kw = [], "items", None, "items"
        if draft7:
            if isinstance(schema.get("items"), list):
                prefix = [self.sub(node, "items", i) for i in range(len(schema["items"]))]
                if "additionalItems" in schema:
                    items, items_kw = self.sub(node, "additionalItems"), "additionalItems"
            elif "items" in schema:
                items = self.sub(node, "items")
        else:
            if "prefixItems" in schema:
                prefix = [self.sub(node, "prefixItems", i) for i in range(len(schema["prefixItems"]))]
                prefix_kw = "prefixItems"
            if "items" in schema:
                items = self.sub(node, "items")
        if items is not None and items.always:
            items = None
        if items is None:
            while prefix and prefix[-1].always:  # trailing `true` prefix schemas check nothing
                prefix.pop()
        return prefix, prefix_kw, items, items_kw

    def _contains(self, node, schema, draft7):
        if "contains" not in schema:
            return None
        explicit_min = "minContains" in schema and not draft7
        lo = _count(node, "minContains") if explicit_min else 1
        hi = _count(node, "maxContains") if "maxContains" in schema and not draft7 else None
        if lo == 0 and hi is None:
            return None
        return Contains(sub=self.sub(node, "contains"), min=lo if lo > 0 else None,
                        min_keyword="minContains" if explicit_min else "contains",
                        min_path=node.kw_path("minContains") if explicit_min else node.kw_path("contains"),
                        max=hi, max_path=node.kw_path("maxContains"))

    def _array(self, node, schema, draft7):
        prefix, prefix_kw, items, items_kw = self._items(node, schema, draft7)
        contains = self._contains(node, schema, draft7)
        lo = self._limit(node, schema, "minItems", lower=True)
        hi = self._limit(node, schema, "maxItems")
        unique = None
        if "uniqueItems" in schema:
            if not isinstance(schema["uniqueItems"], bool):
                raise SchemaError(node.kw_path("uniqueItems"), "uniqueItems must be a boolean")
            if schema["uniqueItems"]:
                unique = node.kw_path("uniqueItems")
        if not prefix and items is None and contains is None and lo is None and hi is None and unique is None:
            return None
        loop = bool(prefix or items is not None or contains is not None)
        can_fail = any(not s.always for s in prefix) or items is not None
        return ArrayCheck(prefix=prefix, prefix_keyword=prefix_kw, items=items, items_keyword=items_kw,
                          contains=contains, min=lo, max=hi, unique=unique, loop=loop, loop_quiet_exit=can_fail)

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

    def _dependencies(self, node, schema, draft7, presence):
        """dependentRequired / dependentSchemas (and draft-07 dependencies); empty lists and `true` drop out."""
        dep_required, dep_schemas = [], []

        def required_list(name, reqs, keyword, path):
            if not isinstance(reqs, list) or not all(isinstance(r, str) for r in reqs) or len(set(reqs)) != len(reqs):
                raise SchemaError(path, "must be an array of unique strings")
            if reqs:
                dep_required.append(DependentRequired(when=presence(name), then=[presence(r) for r in reqs],
                                                      keyword=keyword, schema_path=path))

        def schema_dep(name, keyword):
            sub = self.sub(node, keyword, name, same_instance=True)
            if not sub.always:
                dep_schemas.append(DependentSchema(when=presence(name), sub=sub, keyword=keyword,
                                                   schema_path=node.kw_path(keyword, name)))

        if draft7 and "dependencies" in schema:
            for name, dep in schema["dependencies"].items():
                if isinstance(dep, list):
                    required_list(name, dep, "dependencies", node.kw_path("dependencies", name))
                else:
                    schema_dep(name, "dependencies")
        if "dependentRequired" in schema:
            value = schema["dependentRequired"]
            if not isinstance(value, dict):
                raise SchemaError(node.kw_path("dependentRequired"), "dependentRequired must be an object")
            for name, reqs in value.items():
                required_list(name, reqs, "dependentRequired", node.kw_path("dependentRequired", name))
        if not draft7 and "dependentSchemas" in schema:
            for name in schema["dependentSchemas"]:
                schema_dep(name, "dependentSchemas")
        return dep_required, dep_schemas

    def _members(self, node, schema):
        """properties, patternProperties, additionalProperties and propertyNames: what the member loop does."""
        props = []
        for name in schema.get("properties", {}):
            if "\0" in name:
                raise SchemaError(node.kw_path("properties", name), "member names containing U+0000 are not supported")
            props.append(Property(name=name, sub=self.sub(node, "properties", name), seen_bit=None))
        pattern_props = [PatternProperty(self.pattern(source, node.kw_path("patternProperties", source)),
                                         self.sub(node, "patternProperties", source))
                         for source in schema.get("patternProperties", {})]
        additional = None
        if "additionalProperties" in schema:
            sub = self.sub(node, "additionalProperties")
            if not sub.always:
                additional = Additional(sub=sub, schema_path=node.kw_path("additionalProperties"))
        names = None
        if "propertyNames" in schema:
            names = self.sub(node, "propertyNames")
            names = None if names.always else names
        return props, pattern_props, additional, names

    def _object(self, node, schema, draft7):
        props, pattern_props, additional, names = self._members(node, schema)
        index = {p.name: i for i, p in enumerate(props)}

        def presence(name):
            i = index.get(name)
            return Presence(name=name, bit=i if i is not None and i < SEEN_BITS else None)

        required = [Required(presence(n), node.kw_path("required")) for n in self._name_list(node, "required")] \
            if "required" in schema else []
        dep_required, dep_schemas = self._dependencies(node, schema, draft7, presence)
        lo = self._limit(node, schema, "minProperties", lower=True)
        hi = self._limit(node, schema, "maxProperties")
        if not (props or pattern_props or additional or names or required or dep_required or dep_schemas
                or lo or hi):
            return None
        uses_seen = (any(r.member.bit is not None for r in required)
                     or any(d.when.bit is not None or any(t.bit is not None for t in d.then) for d in dep_required)
                     or any(d.when.bit is not None for d in dep_schemas))
        if uses_seen:
            for i, p in enumerate(props[:SEEN_BITS]):
                p.seen_bit = i
        groups = {}
        for p in props:
            groups.setdefault(len(p.name.encode("utf-8")), []).append(p)
        loop = bool(props or pattern_props or additional or names)
        can_fail = (any(not p.sub.always for p in props) or any(not p.sub.always for p in pattern_props)
                    or additional is not None or names is not None)
        return ObjectCheck(properties=props, property_groups=[PropertyGroup(n, groups[n]) for n in sorted(groups)],
                           pattern_properties=pattern_props, additional=additional, names=names,
                           names_path=node.kw_path("propertyNames") if names else None, required=required,
                           dep_required=dep_required, dep_schemas=dep_schemas, min=lo, max=hi, loop=loop,
                           loop_quiet_exit=can_fail, track_matched=additional is not None, uses_seen=uses_seen,
                           count=bool(lo or hi))

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


def called_functions(fn):
    """Names of the functions fn's checks call."""
    out = set()

    def add(sub):
        if sub is not None and sub.fn:
            out.add(sub.fn)

    for ch in fn.checks:
        for sub in subs_of(ch):
            add(sub)
    return out


def subs_of(ch):
    """Every Sub a check applies."""
    if isinstance(ch, (Apply, Not)):
        return [ch.sub]
    if isinstance(ch, (AnyOf, OneOf)):
        return list(ch.subs)
    if isinstance(ch, OneOfDiscriminated):
        return [c.sub for c in ch.cases]
    if isinstance(ch, IfThenElse):
        return [ch.cond, ch.then, ch.otherwise]
    if isinstance(ch, ArrayCheck):
        return list(ch.prefix) + [s for s in (ch.items, ch.contains.sub if ch.contains else None) if s]
    if isinstance(ch, ObjectCheck):
        return ([p.sub for p in ch.properties] + [p.sub for p in ch.pattern_properties]
                + ([ch.additional.sub] if ch.additional else []) + ([ch.names] if ch.names else [])
                + [d.sub for d in ch.dep_schemas])
    return []


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


__all__ = ["build", "called_functions", "find_discriminator", "subs_of", "ValidatorModel", "Sub"]
