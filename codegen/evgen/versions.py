"""The previous schema version beside the current one, and the upgrade between them.

`make generate` with a history folder (schema/history/<stem>.v<K>.schema.json)
writes, besides the current version's files:

  <prefix>_v<K>_validate.c/h, <prefix>_v<K>_types.h, <prefix>_v<K>_codec.c,
  <prefix>_v<K>_ddb.c      the previous version K (the highest below the
                           current one), its C names prefixed <prefix>_v<K>_;
  <prefix>_versions.h/.c   validation per version and
                           <prefix>_decode_version(): a body of version K or
                           of the current version N into the CURRENT struct.

Upgrade rules (K -> N), applied member by member on the decoded version-K
struct, decided here from both typed models (docs/schema-evolution.md):
  * a member of both versions is copied; a string stays in the arena it was
    decoded into; an integer becomes a number when the new type is `number`
    (exactly, or EV_CODEC_RANGE past 2^53); a number becomes an integer only
    when it is integral;
  * an enum value is carried by its name: a value the new version lacks
    refuses the body (EV_CODEC_MISMATCH naming the value);
  * an optional member new in N is absent; a member required in N that K
    lacks (or left out) refuses the body;
  * a member K has and N dropped refuses the body when it is present (the
    upgrade never loses data silently);
  * an event type (union variant) is carried by its discriminator value; one
    the new version lacks refuses the body;
  * maps and arrays are upgraded element by element into the arena.
Everything else (a type that changed kind) refuses the body with a message
naming the member: such a change needs a hand-written migration.
"""

from . import emit


class Upgrader:
    def __init__(self, old_model, new_model, old_version, new_version):
        self.old, self.new = old_model, new_model
        self.kv, self.nv = old_version, new_version
        self.functions = []         # [(signature, body lines)]
        self.names = {}             # (old name, new name) -> function name
        self.notes = []             # rules that refuse bodies, for the header comment

    def build(self):
        self.root_fn = self.fn_for(self.old.root, self.new.root)
        return self

    # ---- one function per pair of named types ------------------------------------

    def fn_for(self, ot, nt):
        key = (ot.name, nt.name)
        if key in self.names:
            return self.names[key]
        name = f"up_{nt.short}"
        if name in self.names.values():
            name = f"up_{ot.short}_to_{nt.short}"
        self.names[key] = name
        sig = f"static ev_codec_status {name}(ev_codec_ctx *c, const {ot.ctype} *in, {nt.ctype} *out)"
        slot = len(self.functions)
        self.functions.append(None)
        body = getattr(self, "_" + nt.kind)(ot, nt) if ot.kind == nt.kind else \
            [f"(void)in;", "(void)out;",
             f"return ev_codec_fail(c, EV_CODEC_MISMATCH, \"{ot.kind} of version {self.kv} became {nt.kind} in "
             f"version {self.nv}: no upgrade rule\");"]
        self.functions[slot] = (sig, body)
        return name

    def value(self, ot, nt, src, dst, what):
        """Lines converting the value expression `src` (old) into lvalue `dst` (new): `s = ...;`."""
        if ot.kind == "scalar" and nt.kind == "scalar":
            return self._scalar(ot, nt, src, dst, what)
        if ot.kind == "enum" and nt.kind == "scalar" and nt.scalar == "string":
            return [f"{dst} = {ot.name_fn}({src});",
                    f"s = {dst} != NULL ? EV_CODEC_OK : ev_codec_fail(c, EV_CODEC_MISMATCH, "
                    f"\"%d is not a value of {ot.name}\", (int)({src}));"]
        if ot.kind == "scalar" and ot.scalar == "string" and nt.kind == "enum":
            return [f"s = {nt.parse_fn}({src}, &{dst}) ? EV_CODEC_OK : ev_codec_fail(c, EV_CODEC_MISMATCH, "
                    f"\"value \\\"%s\\\" has no counterpart in version {self.nv}\", {src});"]
        if ot.kind == "enum" and nt.kind == "enum":
            return [f"s = {self.fn_for(ot, nt)}(c, &{src}, &{dst});"]
        if ot.kind == nt.kind and ot.kind in ("struct", "map", "array"):
            return [f"s = {self.fn_for(ot, nt)}(c, &{src}, &{dst});"]
        return [f"s = ev_codec_fail(c, EV_CODEC_MISMATCH, \"{what}: {self._kind(ot)} of version {self.kv} became "
                f"{self._kind(nt)} in version {self.nv}: no upgrade rule\");"]

    @staticmethod
    def _kind(t):
        return t.scalar if t.kind == "scalar" else t.kind

    def _scalar(self, ot, nt, src, dst, what):
        o, n = ot.scalar, nt.scalar
        if o == n:
            return [f"{dst} = {src};", "s = EV_CODEC_OK;"]
        if o == "integer" and n == "number":
            return [f"if ({src} > 9007199254740992LL || {src} < -9007199254740992LL)",
                    f"    s = ev_codec_fail(c, EV_CODEC_RANGE, \"%lld has no exact double\", (long long)({src}));",
                    "else {", f"    {dst} = (double)({src});", "    s = EV_CODEC_OK;", "}"]
        if o == "number" and n == "integer":
            return [f"if (!({src} >= -9223372036854775808.0 && {src} < 9223372036854775808.0) || "
                    f"(double)(int64_t)({src}) != {src})",
                    f"    s = ev_codec_fail(c, EV_CODEC_MISMATCH, \"%.17g is not an integer (version {self.nv} "
                    "wants one)\", " + src + ");",
                    "else {", f"    {dst} = (int64_t)({src});", "    s = EV_CODEC_OK;", "}"]
        return [f"s = ev_codec_fail(c, EV_CODEC_MISMATCH, \"{what}: {o} of version {self.kv} became {n} in "
                f"version {self.nv}: no upgrade rule\");"]

    # ---- kinds ------------------------------------------------------------------------

    def _enum(self, ot, nt):
        return ["const char *name = " + ot.name_fn + "(*in);",
                f"if (name == NULL || !{nt.parse_fn}(name, out))",
                f"    return ev_codec_fail(c, EV_CODEC_MISMATCH, \"value \\\"%s\\\" of version {self.kv} has no "
                f"counterpart in version {self.nv}\", name != NULL ? name : \"?\");",
                "return EV_CODEC_OK;"]

    def _array(self, ot, nt):
        lines = ["ev_codec_status s = ev_codec_alloc(c, in->count, sizeof *out->items, (void **)&out->items);",
                 "out->count = s == EV_CODEC_OK ? in->count : 0;",
                 "for (size_t i = 0; s == EV_CODEC_OK && i < in->count; i++) {",
                 "    size_t mark = ev_codec_push_index(c, i);"]
        lines += ["    " + x for x in self.value(ot.item, nt.item, "in->items[i]", "out->items[i]", "item")]
        lines += ["    ev_codec_pop(c, mark);", "}", "return s;"]
        return lines

    def _map(self, ot, nt):
        lines = ["ev_codec_status s = ev_codec_alloc(c, in->count, sizeof *out->entries, (void **)&out->entries);",
                 "out->count = s == EV_CODEC_OK ? in->count : 0;",
                 "for (size_t i = 0; s == EV_CODEC_OK && i < in->count; i++) {",
                 "    size_t mark = ev_codec_push_key(c, in->entries[i].key);",
                 "    out->entries[i].key = in->entries[i].key;"]
        lines += ["    " + x for x in self.value(ot.value, nt.value, "in->entries[i].value", "out->entries[i].value",
                                                  "value")]
        lines += ["    ev_codec_pop(c, mark);", "}", "return s;"]
        return lines

    def _struct(self, ot, nt):
        lines = ["ev_codec_status s = EV_CODEC_OK;", "size_t mark;", "memset(out, 0, sizeof *out);"]
        old_by_json = {m.json_name: m for m in ot.members}
        for m in nt.members:
            om = old_by_json.get(m.json_name)
            lines += [f"/* {m.json_name} */", f"mark = ev_codec_push_key(c, {emit.c_str(m.json_name)});"]
            lines += self._member(ot, om, m)
            lines += ["ev_codec_pop(c, mark);", "if (s != EV_CODEC_OK)", "    return s;"]
        new_names = {m.json_name for m in nt.members}
        for om in ot.members:
            if om.json_name in new_names:
                continue
            cond = "true" if om.required else f"in->{om.has_name}"
            self.notes.append(f"{ot.path}/properties/{om.json_name}: present in version {self.kv}, "
                              f"dropped in version {self.nv}: a body holding it is refused")
            lines += [f"if ({cond}) {{", f"    mark = ev_codec_push_key(c, {emit.c_str(om.json_name)});",
                      f"    s = ev_codec_fail(c, EV_CODEC_MISMATCH, \"member of version {self.kv} that version "
                      f"{self.nv} dropped: upgrading would lose it\");",
                      "    ev_codec_pop(c, mark);", "    return s;", "}"]
        lines.append("return s;")
        return lines

    def _member(self, ot, om, m):
        if om is None:
            if m.required:
                self.notes.append(f"{m.path}: required in version {self.nv}, absent from version {self.kv}: "
                                  "every body is refused")
                return ["(void)in;", f"s = ev_codec_fail(c, EV_CODEC_MISMATCH, \"required in version {self.nv}, "
                                     f"version {self.kv} has no such member\");"]
            return [f"out->{m.has_name} = false; /* new in version {self.nv} */"]
        if m.union is not None or om.union is not None:
            return self._union_member(ot, om, m)
        conv = self.value(om.type, m.type, f"in->{om.c_name}", f"out->{m.c_name}", m.json_name)
        if om.required and m.required:
            return conv
        if om.required:  # optional now: present
            return [f"out->{m.has_name} = true;"] + conv
        if m.required:
            return [f"if (!in->{om.has_name})",
                    f"    s = ev_codec_fail(c, EV_CODEC_MISMATCH, \"absent, and required in version {self.nv}\");",
                    "else {"] + ["    " + x for x in conv] + ["}"]
        return [f"out->{m.has_name} = in->{om.has_name};", f"if (in->{om.has_name}) {{"] + \
            ["    " + x for x in conv] + ["}"]

    def _union_member(self, ot, om, m):
        if m.union is None or om.union is None:
            return [f"s = ev_codec_fail(c, EV_CODEC_MISMATCH, \"a union in one version only: no upgrade rule\");"]
        otag, ntag = om.union["tag"], m.union["tag"]
        lines = [f"switch (in->{otag.c_name}) {{"]
        new_variants = {v["value"]: v for v in m.type.variants}
        for v in om.type.variants:
            lines.append(f"case {v['const']}:")
            nv = new_variants.get(v["value"])
            if nv is None:
                self.notes.append(f"{om.path}: event type {v['value']!r} of version {self.kv} is gone in version "
                                  f"{self.nv}: its bodies are refused")
                lines += [f"    s = ev_codec_fail(c, EV_CODEC_MISMATCH, \"{v['value']} of version {self.kv} has no "
                          f"variant in version {self.nv}\");", "    break;"]
                continue
            lines += ["    " + x for x in self.value(v["type"], nv["type"], f"in->{om.c_name}.{v['member']}",
                                                     f"out->{m.c_name}.{nv['member']}", v["value"])]
            lines.append("    break;")
        lines += ["default:", "    s = ev_codec_fail(c, EV_CODEC_MISMATCH, \"no variant for this tag\");",
                  "    break;", "}"]
        return lines


def render(env, banner, prefix, cur_model, prev_model, cur_version, prev_version, prev_prefix):
    up = Upgrader(prev_model, cur_model, prev_version, cur_version).build()
    ctx = {
        "banner": banner,
        "prefix": prefix,
        "prev_prefix": prev_prefix,
        "guard": f"EV_GENERATED_{prefix.upper()}_VERSIONS_H",
        "cur": cur_version,
        "prev": prev_version,
        "root": cur_model.root.ctype,
        "prev_root": prev_model.root.ctype,
        "up": up,
        "upper": prefix.upper(),
    }
    return {
        f"{prefix}_versions.h": env.get_template("versions.h.j2").render(ctx),
        f"{prefix}_versions.c": env.get_template("versions.c.j2").render(ctx),
    }
