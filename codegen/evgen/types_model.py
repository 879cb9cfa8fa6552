"""The typed model: which C type represents each schema location, and how it is coded.

Every decision about the typed layer is made here: names, member order,
presence flags, how a discriminated oneOf becomes a tagged union, which
runtime helper decodes or marshals a value. The templates (types.h.j2,
codec.c.j2, ddb.c.j2) only print what this model says.

Mapping (see docs/codegen.md):
  object with properties and additionalProperties: false  -> struct
  object with only additionalProperties: <schema>         -> map (array of key/value entries)
  object with one patternProperties entry and additionalProperties: false -> map
  array with one `items` schema                           -> array (pointer + count)
  string with a string enum                               -> enum
  string / number / integer / boolean                     -> const char * / double / int64_t / bool
  discriminated oneOf (validator_model.find_discriminator) -> tag enum member + union member

Anything else that the typed layer cannot represent faithfully is refused
with a SchemaError naming the schema location; `--validator-only` never
builds this model.
"""

import json
import re
import textwrap

from .errors import SchemaError
from .loader import ANNOTATIONS, DRAFT7, LOCATORS, Num
from .validator_model import find_discriminator

C_KEYWORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "bool", "true", "false", "NULL", "_Bool", "_Complex", "_Imaginary",
    "_Alignas", "_Alignof", "_Atomic", "_Generic", "_Noreturn", "_Static_assert", "_Thread_local",
}
# Keywords that never change a value's representation: annotations and schema locators.
NO_SHAPE = ANNOTATIONS | LOCATORS
# Keywords that only constrain a value: they never change its C representation.
SCALAR_ASSERTIONS = {"type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
                     "exclusiveMinimum", "maxLength", "minLength", "pattern", "format", "not", "if", "then",
                     "else"}
OBJECT_KWS = {"properties", "additionalProperties", "patternProperties", "required", "propertyNames",
              "maxProperties", "minProperties", "dependentRequired", "dependentSchemas", "dependencies"}
ARRAY_KWS = {"items", "minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains"}
REFUSED_SHAPE = {
    "allOf": "allOf (merging schemas) has no C type; inline the members instead",
    "anyOf": "anyOf has no C type (only a oneOf that dispatches on a discriminator becomes a tagged union)",
    "prefixItems": "tuple arrays (prefixItems) have no C type",
    "additionalItems": "tuple arrays (items as an array, additionalItems) have no C type",
}
WRAP = 96


def snake(text):
    """'TemperaturePayload' -> 'temperature_payload', 'event-type' -> 'event_type'."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(text))
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_").lower()
    return s


def declare(ctype, name):
    """'const char *' + 'x' -> 'const char *x'; 'double' + 'x' -> 'double x'."""
    return f"{ctype}{name}" if ctype.endswith("*") else f"{ctype} {name}"


def wrap(text):
    if not isinstance(text, str) or not text.strip():
        return []
    return textwrap.wrap(re.sub(r"\s+", " ", text).strip(), WRAP)


class Type:
    kind = None
    by_ref = False      # passed to coders by pointer

    def __init__(self, name, path):
        self.name = name          # C type name, e.g. events_event
        self.path = path          # schema location it comes from
        self.doc = []             # comment lines


class Scalar(Type):
    """string, number, integer, boolean: no typedef, runtime helpers code them."""

    C = {"string": "const char *", "number": "double", "integer": "int64_t", "boolean": "bool"}
    SUFFIX = {"string": "string", "number": "number", "integer": "integer", "boolean": "bool"}
    DDB = {"string": "s", "number": "n_double", "integer": "n_int", "boolean": "bool"}

    def __init__(self, kind, path):
        super().__init__(None, path)
        self.kind = "scalar"
        self.scalar = kind
        self.ctype = self.C[kind]
        self.decode_fn = "ev_codec_get_" + self.SUFFIX[kind]
        self.encode_fn = "ev_codec_put_" + self.SUFFIX[kind]
        self.from_ddb_fn = "ev_ddb_get_" + self.DDB[kind]
        self.to_ddb_fn = "ev_ddb_put_" + self.DDB[kind]


class Enum(Type):
    kind = "enum"

    def __init__(self, name, path, prefix):
        super().__init__(name, path)
        self.ctype = name
        self.values = []          # [{"value", "const"}]
        self.upper = name.upper()
        self.count_const = f"{self.upper}_COUNT"
        self.name_fn = f"{name}_name"
        self.parse_fn = f"{name}_from_name"


class Struct(Type):
    kind = "struct"
    by_ref = True

    def __init__(self, name, path):
        super().__init__(name, path)
        self.ctype = name
        self.members = []
        self.deps = []            # types held by value (for definition order)


class Map(Type):
    kind = "map"
    by_ref = True

    def __init__(self, name, path):
        super().__init__(name, path)
        self.ctype = name
        self.entry = name + "_entry"
        self.value = None
        self.deps = []


class Array(Type):
    kind = "array"
    by_ref = True

    def __init__(self, name, path):
        super().__init__(name, path)
        self.ctype = name
        self.item = None
        self.deps = []


class Union(Type):
    """A tagged union: the tag is an enum member of the owning struct."""
    kind = "union"

    def __init__(self, name, path):
        super().__init__(name, path)
        self.ctype = name
        self.variants = []        # [{"value", "const", "member", "type"}]
        self.deps = []


class Member:
    def __init__(self, json_name, c_name, mtype, required, path, doc):
        self.json_name = json_name
        self.c_name = c_name
        self.type = mtype
        self.required = required
        self.path = path
        self.doc = doc
        self.has_name = None if required else f"has_{c_name}"
        self.union = None         # for the member that holds a Union: {"tag": Member}
        self.index = 0
        self.decl = declare(mtype.ctype, c_name)


class TypesModel:
    def __init__(self, doc, prefix):
        self.doc = doc
        self.prefix = prefix
        self.types = []           # discovery order
        self._by_ptr = {}
        self._names = {}          # C name -> schema path
        self._reserve(f"{prefix}_validator", "#")
        self._reserve(f"{prefix}_validate", "#")
        self._reserve(f"{prefix}_init", "#")
        self._reserve(f"{prefix}_release", "#")
        root = doc.root
        title = root.get("title")
        base = snake(title) if isinstance(title, str) and snake(title) else "event"
        self.root = self._type_of(root, base, root.path)
        if not isinstance(self.root, Struct):
            raise SchemaError(root.path, "the root schema must be an object with properties "
                                         "(a struct) for the typed layer")
        self.ordered = self._order()
        self.enums = [t for t in self.types if isinstance(t, Enum)]
        self.composites = [t for t in self.ordered if not isinstance(t, Enum)]
        r = self.root.name
        self.api = {"type": r, "decode": f"{r}_decode", "encode": f"{r}_encode", "to_ddb": f"{r}_to_ddb",
                    "from_ddb": f"{r}_from_ddb"}
        for fn in self.api.values():
            if fn != r:
                self._reserve(fn, self.doc.root.path)
        for e in self.enums:
            self._reserve(e.name_fn, e.path)
            self._reserve(e.parse_fn, e.path)

    # ---- names -------------------------------------------------------------

    def _reserve(self, name, path):
        if name in self._names:
            raise SchemaError(path, f"C name {name} is also derived from {self._names[name]}; "
                                    "rename a $defs key or a title")
        self._names[name] = path

    def _type_name(self, node, fallback):
        """$defs key, else title, else the owner-derived fallback."""
        ptr = node.ptr
        if len(ptr) >= 2 and ptr[-2] in ("$defs", "definitions"):
            base = snake(ptr[-1])
        elif isinstance(node.get("title"), str) and snake(node.get("title")):
            base = snake(node.get("title"))
        else:
            base = fallback
        if not base:
            raise SchemaError(node.path, "cannot derive a C name for this schema: give it a title")
        if base[0].isdigit():
            base = "t_" + base
        return f"{self.prefix}_{base}"

    @staticmethod
    def _member_name(json_name, path):
        name = snake(json_name)
        if not name:
            raise SchemaError(path, f"member name {json_name!r} gives no C identifier")
        if name[0].isdigit():
            name = "m_" + name
        if name in C_KEYWORDS:
            name += "_"
        return name

    # ---- resolution ----------------------------------------------------------

    def _resolve(self, node):
        """Follows $ref; returns the node that defines the shape. Siblings of $ref may only
        constrain (draft 2020-12) — a shape beside $ref is refused."""
        seen = set()
        while isinstance(node.schema, dict) and "$ref" in node.schema:
            if node.ptr in seen:
                raise SchemaError(node.path, "reference cycle")
            seen.add(node.ptr)
            if node.dialect != DRAFT7:
                extra = set(node.schema) - {"$ref"} - NO_SHAPE - SCALAR_ASSERTIONS
                if extra:
                    raise SchemaError(node.kw_path(sorted(extra)[0]),
                                      f"{sorted(extra)[0]} beside $ref has no C type: move it into the target")
                if "type" in node.schema or "enum" in node.schema:
                    pass  # constraints only; the target decides the representation
            node = node.ref_target()
        return node

    # ---- classification ------------------------------------------------------

    def _json_type(self, node):
        s = node.schema
        if isinstance(s, bool):
            raise SchemaError(node.path, "an untyped value (boolean schema) has no C type")
        for kw, why in REFUSED_SHAPE.items():
            if kw in s:
                raise SchemaError(node.kw_path(kw), why)
        if node.dialect == DRAFT7 and isinstance(s.get("items"), list):
            raise SchemaError(node.kw_path("items"), "tuple arrays (items as an array) have no C type")
        t = s.get("type")
        if "oneOf" in s and t not in ("object", ["object"]):
            raise SchemaError(node.kw_path("oneOf"), "a oneOf that does not dispatch on a discriminator has no C "
                                                     "type (only an object's discriminated oneOf becomes a union)")
        if isinstance(t, list):
            types = [x for x in t if not ("number" in t and x == "integer")]
            if len(types) != 1:
                raise SchemaError(node.kw_path("type"), f"a value of several types ({', '.join(t)}) has no C type")
            t = types[0]
        if t is None:
            if isinstance(s.get("enum"), list) and s["enum"] and all(isinstance(v, str) for v in s["enum"]):
                t = "string"
            elif isinstance(s.get("const"), str):
                t = "string"
            elif "properties" in s or "additionalProperties" in s or "patternProperties" in s:
                t = "object"
            elif "items" in s:
                t = "array"
            else:
                raise SchemaError(node.path, "an untyped value has no C type: give it a type")
        if t == "null":
            raise SchemaError(node.kw_path("type"), "type null has no C type")
        return t

    def _type_of(self, node, fallback, use_path):
        """The Type for a subschema (following $ref)."""
        target = self._resolve(node)
        t = self._json_type(target)
        if t in ("number", "integer", "boolean") or (t == "string" and not self._is_string_enum(target)):
            if "oneOf" in target.schema:
                raise SchemaError(target.kw_path("oneOf"), "oneOf on a scalar has no C type")
            sc = Scalar(t, target.path)
            if t == "integer" and isinstance(target.get("multipleOf"), Num):
                pass
            return sc
        existing = self._by_ptr.get(target.ptr)
        if existing is not None:
            return existing
        name = self._type_name(target, fallback)
        if t == "string":
            return self._enum(target, name)
        if t == "array":
            return self._array(target, name)
        if t == "object":
            return self._object(target, name)
        raise SchemaError(target.kw_path("type"), f"type {t} has no C type")

    def _is_string_enum(self, node):
        enum = node.get("enum")
        if enum is None:
            return False
        if not isinstance(enum, list) or not enum or not all(isinstance(v, str) for v in enum):
            raise SchemaError(node.kw_path("enum"), "a string with a non-string enum has no C type")
        return True

    def _register(self, t, node):
        self._reserve(t.name, node.path)
        short = t.name[len(self.prefix) + 1:]
        t.short = short
        # Internal (static) coders; the public API is the root's (see api()).
        t.decode_fn, t.encode_fn = f"decode_{short}", f"encode_{short}"
        t.from_ddb_fn, t.to_ddb_fn = f"get_{short}", f"put_{short}"
        t.ddb_members_fn, t.ddb_from_map_fn = f"put_{short}_members", f"get_{short}_members"
        self._by_ptr[node.ptr] = t
        self.types.append(t)
        t.doc = wrap(node.get("description"))

    def _enum(self, node, name):
        e = Enum(name, node.path, self.prefix)
        self._register(e, node)
        self._reserve(e.count_const, node.path)
        seen = {}
        for i, value in enumerate(node.get("enum")):
            if "\0" in value:
                raise SchemaError(node.kw_path("enum", i), "enum values containing U+0000 are not supported")
            ident = re.sub(r"[^A-Za-z0-9]+", "_", value).strip("_").upper() or f"V{i}"
            if ident[0].isdigit():
                ident = "V_" + ident
            const = f"{e.upper}_{ident}"
            if const in seen:
                raise SchemaError(node.kw_path("enum", i), f"enum values {seen[const]!r} and {value!r} "
                                                           f"both map to the C constant {const}")
            seen[const] = value
            self._reserve(const, node.kw_path("enum", i))
            e.values.append({"value": value, "const": const, "json": json.dumps(value, ensure_ascii=False)})
        return e

    def _array(self, node, name):
        if "items" not in node.schema:
            raise SchemaError(node.path, "an array without `items` has untyped elements: no C type")
        a = Array(name, node.path)
        self._register(a, node)
        a.item = self._type_of(node.child("items"), name[len(self.prefix) + 1:] + "_item", node.path)
        a.items_decl = declare(a.item.ctype, "*items")
        return a

    def _object(self, node, name):
        s = node.schema
        props = s.get("properties") or {}
        pattern = s.get("patternProperties") or {}
        additional = s.get("additionalProperties", True)
        if "dependentSchemas" in s or (node.dialect == DRAFT7 and any(
                not isinstance(v, list) for v in (s.get("dependencies") or {}).values())):
            pass  # validation only: the members are still those of `properties`
        if props and pattern:
            raise SchemaError(node.kw_path("patternProperties"),
                              "patternProperties beside properties has no C type")
        if props:
            if additional is not False:
                where = node.kw_path("additionalProperties") if "additionalProperties" in s else node.path
                raise SchemaError(where, "an object with properties must set additionalProperties: false "
                                         "for the typed layer (other members could not round-trip)")
            return self._struct(node, name)
        if pattern:
            if len(pattern) != 1 or additional is not False:
                raise SchemaError(node.kw_path("patternProperties"),
                                  "a map needs exactly one patternProperties entry and additionalProperties: false")
            source = next(iter(pattern))
            return self._map(node, name, node.child("patternProperties", source))
        if isinstance(additional, dict):
            return self._map(node, name, node.child("additionalProperties"))
        if additional is False:
            raise SchemaError(node.path, "an object that admits no members has no C type")
        raise SchemaError(node.path, "a free-form object (no properties, no additionalProperties schema) "
                                     "has no C type")

    def _map(self, node, name, value_node):
        m = Map(name, node.path)
        self._register(m, node)
        self._reserve(m.entry, node.path)
        m.value = self._type_of(value_node, name[len(self.prefix) + 1:] + "_value", node.path)
        m.value_decl = declare(m.value.ctype, "value")
        if m.value.kind in ("struct", "union"):
            m.deps.append(m.value)
        return m

    def _struct(self, node, name):
        st = Struct(name, node.path)
        self._register(st, node)
        s = node.schema
        required = s.get("required", [])
        disc = find_discriminator(node, s) if "oneOf" in s else None
        if "oneOf" in s and not disc:
            raise SchemaError(node.kw_path("oneOf"), "a oneOf that does not dispatch on a discriminator "
                                                     "(each branch pinning one required member to a distinct "
                                                     "string) has no C type")
        slot = None
        if disc:
            slot = self._union_slot(node, disc)
        seen_c = {}
        base = name[len(self.prefix) + 1:]
        for json_name in s["properties"]:
            pnode = node.child("properties", json_name)
            if "\0" in json_name:
                raise SchemaError(pnode.path, "member names containing U+0000 are not supported")
            c_name = self._member_name(json_name, pnode.path)
            doc = wrap(pnode.get("description")) if isinstance(pnode.schema, dict) else []
            if slot and json_name == slot["member"]:
                mtype = self._union(node, st, slot)
            else:
                mtype = self._type_of(pnode, f"{base}_{c_name.rstrip('_')}", pnode.path)
            if not doc:
                doc = list(mtype.doc) if mtype.kind != "scalar" else wrap(self._resolve(pnode).get("description"))
            m = Member(json_name, c_name, mtype, json_name in required, pnode.path, doc)
            m.node = pnode
            m.index = len(st.members)
            for cname in filter(None, (m.c_name, m.has_name)):
                if cname in seen_c:
                    raise SchemaError(pnode.path, f"C member name {cname} is also used by {seen_c[cname]}")
                seen_c[cname] = pnode.path
            st.members.append(m)
            if mtype.kind in ("struct", "union", "map", "array"):
                st.deps.append(mtype)
        if slot:
            tag = next(m for m in st.members if m.json_name == slot["tag"])
            holder = next(m for m in st.members if m.json_name == slot["member"])
            enum = tag.type
            if not isinstance(enum, Enum) or sorted(v["value"] for v in enum.values) != sorted(slot["values"]):
                raise SchemaError(node.child("properties", slot["tag"]).path,
                                  "the discriminator must be a string enum listing exactly the oneOf branch values "
                                  f"({', '.join(slot['values'])})")
            consts = {v["value"]: v["const"] for v in enum.values}
            for v in holder.type.variants:
                v["const"] = consts[v["value"]]
            holder.union = {"tag": tag}
            holder.doc = holder.doc + [f"The variant is selected by `{tag.c_name}`."]
            if tag.index > holder.index:
                pass  # decode reads the tag after the loop either way
        return st

    def _union_slot(self, node, disc):
        """Which member varies with the discriminator, and its schema in each branch."""
        prop, values = disc
        member = None
        branches = []
        allowed = {"properties", "required", "title", "description", "$comment"}
        for i in range(len(node.get("oneOf"))):
            b = node.child("oneOf", i)
            extra = set(b.schema) - allowed
            if extra:
                raise SchemaError(b.kw_path(sorted(extra)[0]), f"{sorted(extra)[0]} in a oneOf branch has no C "
                                                               "type (branches may only pin the discriminator and "
                                                               "give the union member's schema)")
            others = [p for p in b.get("properties", {}) if p != prop]
            if len(others) != 1:
                raise SchemaError(b.kw_path("properties"), "each oneOf branch must give the schema of exactly one "
                                                           "member besides the discriminator")
            if member is None:
                member = others[0]
            elif others[0] != member:
                raise SchemaError(b.kw_path("properties", others[0]),
                                  f"every oneOf branch must vary the same member ({member!r})")
            branches.append(b.child("properties", member))
        props = node.get("properties") or {}
        if member not in props:
            raise SchemaError(node.kw_path("properties"), f"the union member {member!r} must be listed in properties")
        parent = node.child("properties", member)
        ps = parent.schema
        if not isinstance(ps, dict) or set(ps) - NO_SHAPE - {"type", "minProperties", "maxProperties"} \
                or ps.get("type", "object") not in ("object", ["object"]):
            raise SchemaError(parent.path, "the union member's own schema must be a plain `type: object`; "
                                           "the branches give its shape")
        return {"tag": prop, "values": values, "member": member, "branches": branches}

    def _union(self, node, st, slot):
        name = f"{st.name}_{self._member_name(slot['member'], node.path).rstrip('_')}"
        u = Union(name, node.kw_path("oneOf"))
        self._reserve(u.name, node.kw_path("oneOf"))
        self.types.append(u)
        u.doc = wrap(node.child("properties", slot["member"]).get("description"))
        seen = {}
        for value, bnode in zip(slot["values"], slot["branches"]):
            mname = self._member_name(re.sub(r"[^A-Za-z0-9]+", "_", value).lower(), bnode.path)
            if mname in seen:
                raise SchemaError(bnode.path, f"branch values {seen[mname]!r} and {value!r} map to the same "
                                              f"union member {mname}")
            seen[mname] = value
            vtype = self._type_of(bnode, f"{st.name[len(self.prefix) + 1:]}_{mname.rstrip('_')}", bnode.path)
            if vtype.kind == "union":
                raise SchemaError(bnode.path, "a union of unions has no C type")
            u.variants.append({"value": value, "const": None, "member": mname, "type": vtype,
                               "path": bnode.path, "node": bnode})
            if vtype.kind in ("struct", "map", "array"):
                u.deps.append(vtype)
        return u

    # ---- definition order ------------------------------------------------------

    def _order(self):
        """Types in an order where everything held by value is defined first; arrays and maps
        hold pointers, so recursion through them is fine, recursion by value is refused."""
        order, state = [], {}

        def by_value(t):
            if t.kind == "struct":
                return [m.type for m in t.members if m.type.kind in ("struct", "union", "map", "array")]
            if t.kind == "union":
                return [v["type"] for v in t.variants if v["type"].kind in ("struct", "map", "array")]
            if t.kind == "map":  # the entry holds the value
                return [t.value] if t.value.kind in ("struct", "union", "map", "array") else []
            return []  # arrays hold a pointer

        def visit(t, stack):
            if state.get(id(t)) == 2:
                return
            if state.get(id(t)) == 1:
                raise SchemaError(t.path, "a type that contains itself by value (" +
                                  " -> ".join(x.name for x in stack + [t]) + ") has no C representation")
            state[id(t)] = 1
            for d in by_value(t):
                visit(d, stack + [t])
            state[id(t)] = 2
            order.append(t)

        for t in self.types:
            visit(t, [])
        return order


def build(doc, prefix):
    return TypesModel(doc, prefix)
