"""Reads a schema document: exact numbers, dialect, $id/$anchor registry, $ref resolution.

Every schema location is a Node identified by its JSON Pointer from the
document root. The loader walks only the keywords that hold subschemas, so
that member names under `properties` are never mistaken for keywords, and it
refuses anything it does not understand: unknown keywords, unsupported ones
($dynamicRef, unevaluated*), remote references, wrong keyword value types.
"""

import hashlib
import json
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from .errors import SchemaError

DRAFT7 = "draft7"
DRAFT2020 = "draft2020-12"

DIALECT_URIS = {
    "http://json-schema.org/draft-07/schema": DRAFT7,
    "https://json-schema.org/draft/2020-12/schema": DRAFT2020,
}

# A base URI for documents without $id. Never fetched: no reference leaves the document.
DEFAULT_BASE = "https://evgen.invalid/schema.json"

# The formats each dialect defines (draft-07 validation section 7.3, 2020-12 validation
# section 7.3). A format its dialect does not define is unknown there.
_DRAFT7_FORMATS = ("date-time", "date", "time", "email", "idn-email", "hostname", "idn-hostname", "ipv4",
                   "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uri-template", "json-pointer",
                   "relative-json-pointer", "regex")
DIALECT_FORMATS = {DRAFT7: _DRAFT7_FORMATS, DRAFT2020: _DRAFT7_FORMATS + ("duration", "uuid")}
# The formats the runtime checks (src/schema/ev_format.h); a schema asserts those its dialect defines.
ASSERTED_FORMATS = ("date-time", "date", "time", "email", "hostname", "ipv4", "ipv6", "uri", "uuid")


def asserted_formats(dialect):
    """The formats asserted under `dialect`, in ASSERTED_FORMATS order."""
    return tuple(f for f in ASSERTED_FORMATS if f in DIALECT_FORMATS[dialect])


# The one list of annotation keywords: they never change what is valid (the generator
# copies title, description and $comment into comments).
ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "deprecated", "readOnly",
                         "writeOnly", "contentMediaType", "contentEncoding", "contentSchema"})
# Keywords that identify or hold schemas but never apply to the instance where they stand.
LOCATORS = frozenset({"$schema", "$id", "$anchor", "$defs", "definitions"})

# Keywords by dialect and by the shape of their value.
_COMMON_ASSERTIONS = {"type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
                      "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
                      "uniqueItems", "maxProperties", "minProperties", "required", "format"}
KEYWORDS = {
    DRAFT2020: {
        "single": {"additionalProperties", "propertyNames", "not", "if", "then", "else", "contains", "items"},
        "map": {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"},
        "array": {"allOf", "anyOf", "oneOf", "prefixItems"},
        "other": _COMMON_ASSERTIONS | {"maxContains", "minContains", "dependentRequired",
                                       "$schema", "$id", "$ref", "$anchor"},
    },
    DRAFT7: {
        "single": {"additionalProperties", "propertyNames", "not", "if", "then", "else", "contains",
                   "additionalItems"},
        "map": {"properties", "patternProperties", "definitions"},
        "array": {"allOf", "anyOf", "oneOf"},
        "other": _COMMON_ASSERTIONS | {"$schema", "$id", "$ref", "items", "dependencies"},
    },
}
REFUSED = {
    "$dynamicRef": "dynamic references are not supported",
    "$dynamicAnchor": "dynamic anchors are not supported",
    "$recursiveRef": "recursive references ($recursiveRef) are not supported",
    "$recursiveAnchor": "$recursiveAnchor is not supported",
    "unevaluatedProperties": "unevaluatedProperties is not supported",
    "unevaluatedItems": "unevaluatedItems is not supported",
    "$vocabulary": "custom vocabularies are not supported",
}

_ANCHOR_RE = re.compile(r"^[A-Za-z_][-A-Za-z0-9._]*$")


class Num:
    """A JSON number exactly as written in the schema."""

    __slots__ = ("text", "value")

    def __init__(self, text):
        self.text = text
        self.value = Decimal(text)

    def is_integer(self):
        return self.value == self.value.to_integral_value()

    def as_double_exact(self):
        """True when the value survives a round trip through a double (the runtime's rule)."""
        try:
            f = float(self.value)
        except (OverflowError, InvalidOperation):
            return False
        if f in (float("inf"), float("-inf")):
            return False
        return Decimal(repr(f)) == self.value

    def __eq__(self, other):
        return isinstance(other, Num) and self.value == other.value

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):
        return self.text


def to_json_text(value):
    """Serialises a loaded value back to compact JSON, numbers as written."""
    if isinstance(value, Num):
        return value.text
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(to_json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + to_json_text(v)
                              for k, v in value.items()) + "}"
    raise TypeError(type(value))


def json_equal(a, b):
    """JSON Schema equality: numbers by value, bool is not a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, Num) and isinstance(b, Num):
        return a.value == b.value
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def pointer_fragment(ptr):
    """('properties', 'a/b') -> '#/properties/a~1b'."""
    return "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in ptr)


def parse_json_exact(text, where):
    """json.loads with exact numbers and duplicate member names refused."""

    def pairs(items):
        seen = {}
        for k, v in items:
            if k in seen:
                raise SchemaError(where, f"duplicate member name {k!r} in the schema document")
            seen[k] = v
        return seen

    try:
        return json.loads(text, parse_float=Num, parse_int=Num, parse_constant=_bad_constant,
                          object_pairs_hook=pairs)
    except json.JSONDecodeError as e:
        raise SchemaError(where, f"not valid JSON: {e}") from None
    except ValueError as e:  # NaN/Infinity (parse_constant), or a number Decimal cannot read
        raise SchemaError(where, f"not valid JSON: {e}") from None


def _bad_constant(name):
    raise ValueError(f"{name} is not JSON")


class Node:
    """One schema location."""

    __slots__ = ("ptr", "schema", "base", "dialect", "doc")

    def __init__(self, doc, ptr, schema, base, dialect):
        self.doc = doc
        self.ptr = ptr
        self.schema = schema
        self.base = base
        self.dialect = dialect

    @property
    def path(self):
        return pointer_fragment(self.ptr)

    def kw_path(self, *parts):
        return pointer_fragment(self.ptr + tuple(parts))

    def get(self, kw, default=None):
        return self.schema.get(kw, default) if isinstance(self.schema, dict) else default

    def __contains__(self, kw):
        return isinstance(self.schema, dict) and kw in self.schema

    def child(self, *parts):
        return self.doc.node_at(self.ptr + tuple(parts))

    def ref_target(self):
        """The node $ref points to, or None."""
        ref = self.get("$ref")
        return None if ref is None else self.doc.resolve(self, ref)

    def active_keywords(self):
        """Keywords that take effect: in draft-07 a $ref hides its siblings."""
        if not isinstance(self.schema, dict):
            return {}
        if self.dialect == DRAFT7 and "$ref" in self.schema:
            return {"$ref": self.schema["$ref"]}
        return self.schema


class Document:
    """A loaded schema document with its registry of resources and anchors."""

    def __init__(self, schema, source_name, source_bytes, default_dialect=DRAFT2020):
        self.source_name = source_name
        self.sha256 = hashlib.sha256(source_bytes).hexdigest()
        self.nodes = {}        # ptr -> Node
        self.resources = {}    # absolute URI without fragment -> ptr
        self.anchors = {}      # (resource URI, anchor) -> ptr
        self.raw = schema
        dialect = default_dialect
        if isinstance(schema, dict) and "$schema" in schema:
            dialect = self._dialect_of(schema["$schema"], "#/$schema")
        self.dialect = dialect
        self.resources[DEFAULT_BASE] = ()
        self.unknown = {}      # ptr of an unknown keyword -> used by a $ref?
        self._walk(schema, (), DEFAULT_BASE, dialect)
        self.root = self.nodes[()]
        # Resolve every reference now: a bad one is refused even where nothing applies it,
        # and unknown keywords that only hold referenced schemas become definitions.
        resolved = set()
        while True:  # a target walked on demand may hold references of its own
            pending = [n for p, n in self.nodes.items() if p not in resolved
                       and isinstance(n.schema, dict) and "$ref" in n.active_keywords()]
            if not pending:
                break
            for node in pending:
                resolved.add(node.ptr)
                node.ref_target()
        for ptr, used in sorted(self.unknown.items(), key=lambda kv: str(kv[0])):
            if not used:
                raise SchemaError(pointer_fragment(ptr), f"unknown keyword {ptr[-1]!r} for "
                                  f"{self.nodes[ptr[:-1]].dialect} (only x- prefixed extensions may be added)")

    @staticmethod
    def _dialect_of(uri, path):
        if not isinstance(uri, str):
            raise SchemaError(path, "$schema must be a string")
        key = uri.rstrip("#")
        if key not in DIALECT_URIS:
            raise SchemaError(path, f"unsupported dialect {uri!r} (supported: draft-07, 2020-12)")
        return DIALECT_URIS[key]

    # ---- the walk ---------------------------------------------------------

    def _walk(self, schema, ptr, base, dialect):
        path = pointer_fragment(ptr)
        if isinstance(schema, bool):
            self.nodes[ptr] = Node(self, ptr, schema, base, dialect)
            return
        if not isinstance(schema, dict):
            raise SchemaError(path, "a schema must be an object or a boolean")
        if "$schema" in schema and ptr:
            dialect = self._dialect_of(schema["$schema"], path + "/$schema")
        draft7_ref = dialect == DRAFT7 and "$ref" in schema
        if "$id" in schema and not draft7_ref:
            base = self._register_id(schema["$id"], ptr, base, dialect)
        if "$anchor" in schema:
            anchor = schema["$anchor"]
            if dialect != DRAFT2020:
                raise SchemaError(path + "/$anchor", "$anchor is not a draft-07 keyword")
            if not isinstance(anchor, str) or not _ANCHOR_RE.match(anchor):
                raise SchemaError(path + "/$anchor", f"invalid anchor {anchor!r}")
            self._register_anchor(base, anchor, ptr, path)
        self.nodes[ptr] = Node(self, ptr, schema, base, dialect)

        kws = KEYWORDS[dialect]
        for kw, value in schema.items():
            kpath = pointer_fragment(ptr + (kw,))
            if draft7_ref and kw not in ("$ref", "definitions"):
                continue  # draft-07: siblings of $ref have no effect
            if kw in REFUSED:
                raise SchemaError(kpath, REFUSED[kw])
            if kw in kws["single"]:
                self._walk(value, ptr + (kw,), base, dialect)
            elif kw in kws["map"]:
                if not isinstance(value, dict):
                    raise SchemaError(kpath, f"{kw} must be an object of schemas")
                for name, sub in value.items():
                    self._walk(sub, ptr + (kw, name), base, dialect)
            elif kw in kws["array"]:
                if not isinstance(value, list) or not value:
                    raise SchemaError(kpath, f"{kw} must be a non-empty array of schemas")
                for i, sub in enumerate(value):
                    self._walk(sub, ptr + (kw, i), base, dialect)
            elif kw == "items" and dialect == DRAFT7:
                if isinstance(value, list):
                    for i, sub in enumerate(value):
                        self._walk(sub, ptr + (kw, i), base, dialect)
                else:
                    self._walk(value, ptr + (kw,), base, dialect)
            elif kw == "dependencies" and dialect == DRAFT7:
                if not isinstance(value, dict):
                    raise SchemaError(kpath, "dependencies must be an object")
                for name, sub in value.items():
                    if not isinstance(sub, list):
                        self._walk(sub, ptr + (kw, name), base, dialect)
            elif kw in kws["other"] or kw in ANNOTATIONS or kw.startswith("x-"):
                pass
            else:
                # Refused after loading unless a $ref points into it (see __init__).
                self.unknown[ptr + (kw,)] = False

    def _walk_referenced(self, target, value, path, ref):
        """A $ref into an unknown keyword: that keyword holds definitions; walk the target."""
        holder = next((target[:i] for i in range(len(target), 0, -1) if target[:i] in self.unknown), None)
        if holder is None or not isinstance(value, (dict, bool)):
            raise SchemaError(path, f"$ref {ref!r} points to a location that is not a schema")
        self.unknown[holder] = True
        parent = next(self.nodes[target[:i]] for i in range(len(target), -1, -1) if target[:i] in self.nodes)
        self._walk(value, target, parent.base, parent.dialect)

    def _register_id(self, value, ptr, base, dialect):
        path = pointer_fragment(ptr + ("$id",))
        if not isinstance(value, str):
            raise SchemaError(path, "$id must be a string")
        if dialect == DRAFT7 and value.startswith("#"):
            # draft-07 location-independent identifier: a plain-name fragment is an anchor.
            name = value[1:]
            if not _ANCHOR_RE.match(name):
                raise SchemaError(path, f"invalid plain-name fragment {value!r}")
            self._register_anchor(base, name, ptr, path)
            return base
        uri, frag = urldefrag(join_uri(base, value))
        if frag:
            raise SchemaError(path, f"$id must not carry a fragment: {value!r}")
        if uri in self.resources and self.resources[uri] != ptr:
            raise SchemaError(path, f"$id {uri!r} is used twice")
        self.resources[uri] = ptr
        return uri

    def _register_anchor(self, base, name, ptr, path):
        key = (urldefrag(base)[0], name)
        if key in self.anchors and self.anchors[key] != ptr:
            raise SchemaError(path, f"anchor {name!r} is defined twice")
        self.anchors[key] = ptr

    # ---- lookup -----------------------------------------------------------

    def node_at(self, ptr):
        node = self.nodes.get(tuple(ptr))
        if node is None:
            raise SchemaError(pointer_fragment(ptr), "no schema at this location")
        return node

    def resolve(self, node, ref):
        """Resolves `ref` (the $ref of `node`) to the target Node; refuses what it cannot find."""
        path = node.kw_path("$ref")
        if not isinstance(ref, str):
            raise SchemaError(path, "$ref must be a string")
        # node.base already ignores a draft-07 $id beside $ref (see _walk).
        uri, frag = urldefrag(join_uri(node.base, ref))
        if uri not in self.resources:
            raise SchemaError(path, f"remote reference {ref!r} (resolved to {uri}) is not supported; "
                                    "only references inside the document are")
        root_ptr = self.resources[uri]
        if frag == "":
            return self.node_at(root_ptr)
        if frag.startswith("/"):
            parts = []
            for raw in frag[1:].split("/"):
                parts.append(unquote(raw).replace("~1", "/").replace("~0", "~"))
            target = list(root_ptr)
            cur = self.raw
            for p in root_ptr:
                cur = cur[p]
            for p in parts:
                if isinstance(cur, list):
                    if not p.isdigit() or int(p) >= len(cur):
                        raise SchemaError(path, f"$ref {ref!r}: no array element {p!r}")
                    p = int(p)
                elif not isinstance(cur, dict) or p not in cur:
                    raise SchemaError(path, f"$ref {ref!r} points to nothing (no {p!r})")
                cur = cur[p]
                target.append(p)
            target = tuple(target)
            if target not in self.nodes:
                self._walk_referenced(target, cur, path, ref)
            return self.nodes[target]
        key = (uri, unquote(frag))
        if key not in self.anchors:
            raise SchemaError(path, f"$ref {ref!r}: no anchor {frag!r} in {uri}")
        return self.node_at(self.anchors[key])


def join_uri(base, ref):
    """RFC 3986 resolution that also works for non-hierarchical bases such as urn:."""
    if urlsplit(ref).scheme:
        return ref
    if ref.startswith("#"):
        return urldefrag(base)[0] + ref
    return urljoin(base, ref)


def load_file(path, default_dialect=DRAFT2020, display_name=None):
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SchemaError("#", f"schema file is not UTF-8: {e}") from None
    schema = parse_json_exact(text, "#")
    return Document(schema, display_name or path, data, default_dialect)


def load_value(schema, name="<inline>", default_dialect=DRAFT2020):
    """Loads an already parsed schema (numbers as Num). Used by the test-suite runner."""
    return Document(schema, name, to_json_text(schema).encode(), default_dialect)
