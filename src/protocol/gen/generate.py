#!/usr/bin/env python3
"""Generates the C++ Kafka message classes from the .kmsg schema files (format: ../schema/README.md).

Usage: generate.py --schema-dir DIR --out-dir DIR
Writes into OUT: messages/<stem>.h/.cc per schema, messages.h, api_keys.h/.cc,
testing/samples.h/.cc. Python 3 standard library only.
"""

import argparse
import os
import re
import sys

MAX_VERSION = 32767
PRIMITIVES = {
    "bool": "bool", "int8": "int8_t", "int16": "int16_t", "int32": "int32_t",
    "int64": "int64_t", "uint16": "uint16_t", "float64": "double",
    "string": "std::string", "bytes": "Bytes", "records": "Bytes", "uuid": "Uuid",
}
FIXED_WRITERS = {"bool": "Bool", "int8": "Int8", "int16": "Int16", "int32": "Int32",
                 "int64": "Int64", "uint16": "Uint16", "float64": "Float64", "uuid": "Uuid"}


class SchemaError(Exception):
    pass


def parse_versions(text, where):
    text = text.strip()
    if text == "none":
        return None
    m = re.fullmatch(r"(\d+)(\+|-(\d+))?", text)
    if not m:
        raise SchemaError(f"{where}: bad version range '{text}'")
    lo = int(m.group(1))
    if m.group(2) == "+":
        return (lo, MAX_VERSION)
    if m.group(3) is not None:
        hi = int(m.group(3))
        if hi < lo:
            raise SchemaError(f"{where}: empty version range '{text}'")
        return (lo, hi)
    return (lo, lo)


def camel_to_snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class Field:
    def __init__(self, name, type_text, versions, attrs, where):
        self.name = name
        self.where = where
        self.is_array = type_text.startswith("[]")
        self.base = type_text[2:] if self.is_array else type_text
        self.is_struct = self.base not in PRIMITIVES
        if self.is_struct and not re.fullmatch(r"[A-Z][A-Za-z0-9]*", self.base):
            raise SchemaError(f"{where}: unknown type '{type_text}'")
        self.versions = parse_versions(versions, where)
        if self.versions is None:
            raise SchemaError(f"{where}: field without versions")
        self.nullable = parse_versions(attrs.pop("nullable"), where) if "nullable" in attrs else None
        if self.base == "records" and not self.is_array:
            self.nullable = self.nullable or self.versions
        self.tag = int(attrs.pop("tag")) if "tag" in attrs else None
        self.default = attrs.pop("default", None)
        if attrs:
            raise SchemaError(f"{where}: unknown attributes {sorted(attrs)}")
        if self.nullable and not (self.is_array or self.base in ("string", "bytes", "records")):
            raise SchemaError(f"{where}: only strings, bytes, records and arrays can be nullable")
        if self.default == "null" and not self.nullable:
            raise SchemaError(f"{where}: default null on a field that is never nullable")
        self.struct = None  # Struct, for struct-typed fields


class Struct:
    def __init__(self, name):
        self.name = name
        self.fields = []


class Message:
    def __init__(self, api, kind, key, versions, flexible):
        self.api = api
        self.kind = kind
        self.name = api + kind
        self.key = key
        self.versions = versions
        self.flexible = flexible
        self.root = Struct(self.name)
        self.structs = {}  # nested struct name -> Struct

    @property
    def first_flexible(self):
        return self.flexible[0] if self.flexible else MAX_VERSION


def parse_schema(path):
    api = key = versions = flexible = None
    flexible_set = False
    messages = []
    current = None
    stack = []  # (indent, Struct)
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    for lineno, raw in enumerate(lines, 1):
        where = f"{os.path.basename(path)}:{lineno}"
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        tokens = line.split()
        if indent == 0:
            if tokens[0] == "api" and len(tokens) == 2:
                api = tokens[1]
            elif tokens[0] == "key" and len(tokens) == 2:
                key = int(tokens[1])
            elif tokens[0] == "versions" and len(tokens) == 2:
                versions = parse_versions(tokens[1], where)
            elif tokens[0] == "flexible" and len(tokens) == 2:
                flexible = parse_versions(tokens[1], where)
                flexible_set = True
            elif tokens[0] in ("request", "response") and len(tokens) == 1:
                if None in (api, key, versions) or not flexible_set:
                    raise SchemaError(f"{where}: api, key, versions and flexible must come first")
                current = Message(api, tokens[0].capitalize(), key, versions, flexible)
                messages.append(current)
                stack = [(0, current.root)]
            else:
                raise SchemaError(f"{where}: unknown directive '{line.strip()}'")
            continue
        if current is None:
            raise SchemaError(f"{where}: field outside request/response")
        if indent % 2:
            raise SchemaError(f"{where}: indentation must be a multiple of two spaces")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not stack:
            raise SchemaError(f"{where}: bad indentation")
        parent_indent, parent = stack[-1]
        if indent != parent_indent + 2:
            raise SchemaError(f"{where}: indentation jumps more than one level")
        if len(tokens) < 3:
            raise SchemaError(f"{where}: expected 'name type versions [attr=value...]'")
        attrs = {}
        for tok in tokens[3:]:
            if "=" not in tok:
                raise SchemaError(f"{where}: attribute '{tok}' is not key=value")
            k, v = tok.split("=", 1)
            attrs[k] = v
        field = Field(tokens[0], tokens[1], tokens[2], attrs, where)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", field.name):
            raise SchemaError(f"{where}: field names are snake_case")
        parent.fields.append(field)
        if field.is_struct:
            if field.base in current.structs:
                field.struct = current.structs[field.base]  # reference to a struct defined earlier
            else:
                field.struct = Struct(field.base)
                current.structs[field.base] = field.struct
                stack.append((indent, field.struct))
    if len(messages) != 2 or [m.kind for m in messages] != ["Request", "Response"]:
        raise SchemaError(f"{path}: expected a request section followed by a response section")
    for m in messages:
        for s in [m.root] + list(m.structs.values()):
            for f in s.fields:
                if f.is_struct and not f.struct.fields:
                    raise SchemaError(f"{f.where}: struct {f.base} has no fields")
            for f in s.fields:
                if f.tag is not None and (not m.flexible or f.versions[0] < m.flexible[0]):
                    raise SchemaError(f"{f.where}: tagged field outside the flexible versions")
                if f.versions[0] > m.versions[1] or f.versions[1] < m.versions[0]:
                    raise SchemaError(f"{f.where}: field exists in no version of the message")
            tags = [f.tag for f in s.fields if f.tag is not None]
            if len(tags) != len(set(tags)):
                raise SchemaError(f"{m.name}.{s.name}: duplicate tag")
    return messages


# ---------------------------------------------------------------------------------------------
# C++ emission


def version_cond(rng, msg):
    lo, hi = rng
    parts = []
    if lo > msg.versions[0]:
        parts.append(f"version >= {lo}")
    if hi < msg.versions[1]:
        parts.append(f"version <= {hi}")
    return " && ".join(parts)


def covers(outer, inner):
    return outer[0] <= inner[0] and outer[1] >= inner[1]


def nullable_expr(f, msg):
    # Nullable-ness at the running `version`, within the versions the field exists in.
    lo = max(f.nullable[0], f.versions[0], msg.versions[0])
    hi = min(f.nullable[1], f.versions[1], msg.versions[1])
    if lo <= max(f.versions[0], msg.versions[0]) and hi >= min(f.versions[1], msg.versions[1]):
        return "true"
    if lo > hi:
        return "false"
    parts = []
    if lo > max(f.versions[0], msg.versions[0]):
        parts.append(f"version >= {lo}")
    if hi < min(f.versions[1], msg.versions[1]):
        parts.append(f"version <= {hi}")
    return "(" + " && ".join(parts) + ")"


def elem_type(f):
    return f.base if f.is_struct else PRIMITIVES[f.base]


def cpp_type(f):
    t = elem_type(f)
    if f.is_array:
        t = f"std::vector<{t}>"
    if f.nullable:
        t = f"std::optional<{t}>"
    return t


def int_literal(text, ctype):
    value = int(text, 0)
    if ctype == "int32_t" and value == -2147483648:
        return "-2147483647 - 1"
    if ctype == "int64_t" and abs(value) > 2**31:
        return f"int64_t{{{value}}}"
    return str(value)


def default_expr(f):
    """Initializer for the member (empty string: value-initialized)."""
    d = f.default
    if f.nullable:
        if d == "null" or (f.base == "records" and d is None):
            return ""
        if f.is_array:
            return f"{cpp_type(f)}(std::in_place)"
        if f.base == "string":
            return f"std::string({cpp_string(d or '')})"
        return "Bytes{}"
    if f.is_array or f.is_struct or f.base in ("bytes", "records", "uuid"):
        if d not in (None, ""):
            raise SchemaError(f"{f.where}: default not supported for this type")
        return ""
    if f.base == "string":
        return cpp_string(d) if d else ""
    if f.base == "bool":
        if d not in (None, "true", "false"):
            raise SchemaError(f"{f.where}: bad bool default")
        return "true" if d == "true" else ""
    if f.base == "float64":
        return d or ""
    return int_literal(d, PRIMITIVES[f.base]) if d is not None else ""


def cpp_string(s):
    if s.startswith('"') and s.endswith('"') and len(s) >= 2:
        s = s[1:-1]
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def default_value(f):
    init = default_expr(f)
    return f"{cpp_type(f)}({init})" if init and not init.startswith(cpp_type(f)) else (
        init or f"{cpp_type(f)}{{}}")


def encode_scalar(f, expr, msg):
    b = f.base
    if f.is_struct:
        return f"{expr}.Encode(w, version);"
    if b in FIXED_WRITERS:
        return f"w.Write{FIXED_WRITERS[b]}({expr});"
    kind = "String" if b == "string" else "Bytes"
    if f.nullable and not f.is_array:
        return f"w.WriteNullable{kind}({expr}, flex, {nullable_expr(f, msg)});"
    return f"w.Write{kind}({expr}, flex);"


def decode_scalar(f, expr, msg):
    b = f.base
    if f.is_struct:
        return f"{expr}.Decode(r, version);"
    if b in FIXED_WRITERS:
        return f"{expr} = r.Read{FIXED_WRITERS[b]}();"
    kind = "String" if b == "string" else "Bytes"
    if f.nullable and not f.is_array:
        return f"{expr} = r.ReadNullable{kind}(flex, {nullable_expr(f, msg)});"
    return f"{expr} = r.Read{kind}(flex);"


class ElemView:
    """The element of an array field, seen as a non-nullable scalar field."""

    def __init__(self, f):
        self.base, self.is_struct, self.is_array, self.nullable = f.base, f.is_struct, False, None


def encode_field(f, msg):
    name = f.name
    if f.is_array:
        elem = encode_scalar(ElemView(f), "e", msg)
        lam = f"[&](const {elem_type(f)}& e) {{ {elem} }}"
        if f.nullable:
            return f"WriteNullableArray(w, {name}, flex, {nullable_expr(f, msg)}, {lam});"
        return f"WriteArray(w, {name}, flex, {lam});"
    return encode_scalar(f, name, msg)


def decode_field(f, msg):
    name = f.name
    if f.is_array:
        elem = decode_scalar(ElemView(f), "e", msg)
        lam = f"[&]({elem_type(f)}& e) {{ {elem} }}"
        if f.nullable:
            return f"ReadNullableArray(r, {name}, flex, {nullable_expr(f, msg)}, {lam});"
        return f"ReadArray(r, {name}, flex, {lam});"
    return decode_scalar(f, name, msg)


def guarded(cond, stmt, indent="  "):
    if not cond:
        return [indent + stmt]
    return [f"{indent}if ({cond}) {{", f"{indent}  {stmt}", f"{indent}}}"]


def ordered_structs(msg):
    """Nested structs, each after the structs it contains (C++ needs complete member types)."""
    out, seen = [], set()

    def visit(s):
        for f in s.fields:
            if f.is_struct and f.struct.name not in seen:
                seen.add(f.struct.name)
                visit(f.struct)
                out.append(f.struct)

    visit(msg.root)
    return out


def emit_struct_decl(s, msg, top, indent):
    p = " " * indent
    lines = [f"{p}struct {s.name} {{"]
    if top:
        lines += [
            f"{p}  static constexpr int16_t kApiKey = {msg.key};",
            f"{p}  static constexpr int16_t kMinVersion = {msg.versions[0]};",
            f"{p}  static constexpr int16_t kMaxVersion = {msg.versions[1]};",
            f"{p}  static constexpr int16_t kFirstFlexibleVersion = {msg.first_flexible};",
            "",
        ]
        for n in ordered_structs(msg):
            lines += emit_struct_decl(n, msg, False, indent + 2)
            lines.append("")
    for f in s.fields:
        init = default_expr(f)
        lines.append(f"{p}  {cpp_type(f)} {f.name}" + (f" = {init};" if init else "{};"))
    lines.append(f"{p}  UnknownTags unknown_tags{{}};  // tagged fields this build does not know")
    lines.append("")
    lines.append(f"{p}  void Encode(Writer& w, int16_t version) const;")
    if top:
        lines.append(f"{p}  // Resets *this, then decodes; Corruption on malformed input.")
        lines.append(f"{p}  Status Decode(Reader& r, int16_t version);")
    else:
        lines.append(f"{p}  void Decode(Reader& r, int16_t version);  // errors stick in `r`")
    lines.append(f"{p}  bool operator==(const {s.name}&) const = default;")
    if top:
        lines.append("")
        lines.append(f"{p} private:")
        lines.append(f"{p}  void DecodeBody(Reader& r, int16_t version);")
    lines.append(f"{p}}};")
    return lines


def emit_struct_impl(s, msg, qual, top):
    flex_init = f"version >= {msg.first_flexible}" if msg.flexible else "false"
    regular = [f for f in s.fields if f.tag is None]
    tagged = sorted([f for f in s.fields if f.tag is not None], key=lambda f: f.tag)
    out = [f"void {qual}::Encode(Writer& w, int16_t version) const {{",
           f"  [[maybe_unused]] const bool flex = {flex_init};", "  (void)version;"]
    for f in regular:
        out += guarded(version_cond(f.versions, msg), encode_field(f, msg))
    if msg.flexible:
        out.append("  if (flex) {")
        out.append("    TaggedFieldsWriter tags(unknown_tags);")
        for f in tagged:
            cond = version_cond(f.versions, msg)
            cond = (cond + " && " if cond else "") + f"!({f.name} == {default_value(f)})"
            out.append(f"    if ({cond}) {{")
            out.append(f"      tags.Add({f.tag}, [&](Writer& w) {{ {encode_field(f, msg)} }});")
            out.append("    }")
        out.append("    tags.Finish(w);")
        out.append("  }")
    out.append("}")
    out.append("")
    decode_name = "DecodeBody" if top else "Decode"
    out += [f"void {qual}::{decode_name}(Reader& r, int16_t version) {{",
            f"  [[maybe_unused]] const bool flex = {flex_init};", "  (void)version;"]
    for f in regular:
        out += guarded(version_cond(f.versions, msg), decode_field(f, msg))
    if msg.flexible:
        out.append("  if (flex) {")
        if tagged:
            out.append("    ReadTaggedFields(r, unknown_tags, [&](uint32_t tag, Reader& r) {")
            out.append("      switch (tag) {")
            for f in tagged:
                cond = version_cond(f.versions, msg) or "true"
                out.append(f"        case {f.tag}:")
                out.append(f"          if (!({cond})) return false;")
                out.append(f"          {decode_field(f, msg)}")
                out.append("          return true;")
            out.append("        default:")
            out.append("          return false;")
            out.append("      }")
            out.append("    });")
        else:
            out.append("    ReadTaggedFields(r, unknown_tags, [](uint32_t, Reader&) { return false; });")
        out.append("  }")
    out.append("}")
    out.append("")
    if top:
        out += [f"Status {qual}::Decode(Reader& r, int16_t version) {{",
                "  if (version < kMinVersion || version > kMaxVersion) {",
                f"    return Status::InvalidArgument(\"unsupported {msg.name} version \" +",
                "                                   std::to_string(version));",
                "  }",
                f"  *this = {msg.name}{{}};",
                "  DecodeBody(r, version);",
                "  return r.status();",
                "}",
                ""]
    return out


def stem_of(path):
    return os.path.splitext(os.path.basename(path))[0]


def emit_api_header(stem, msgs):
    lines = ["// Generated by src/protocol/gen/generate.py from src/protocol/schema/"
             f"{stem}.kmsg. Do not edit.", "#pragma once", "",
             "#include <cstdint>", "#include <optional>", "#include <string>", "#include <vector>",
             "", '#include "common/bytes.h"', '#include "common/status.h"',
             '#include "protocol/message_support.h"', '#include "protocol/wire.h"', "",
             "namespace sluice::protocol {", ""]
    for m in msgs:
        lines += emit_struct_decl(m.root, m, True, 0)
        lines.append("")
    lines.append("}  // namespace sluice::protocol")
    return "\n".join(lines) + "\n"


def emit_api_source(stem, msgs):
    lines = ["// Generated by src/protocol/gen/generate.py. Do not edit.",
             f'#include "protocol/messages/{stem}.h"', "", "#include <string>", "",
             "namespace sluice::protocol {", ""]
    for m in msgs:
        for s in ordered_structs(m):
            lines += emit_struct_impl(s, m, f"{m.name}::{s.name}", False)
        lines += emit_struct_impl(m.root, m, m.name, True)
    lines.append("}  // namespace sluice::protocol")
    return "\n".join(lines) + "\n"


def emit_messages_header(apis):
    lines = ["// Generated by src/protocol/gen/generate.py. Do not edit.",
             "// Every described Kafka API, plus X-macros to visit them.", "#pragma once", "",
             '#include "protocol/api_keys.h"']
    lines += [f'#include "protocol/messages/{stem}.h"' for stem, _ in apis]
    lines += ["", "// X(ApiName): ApiName##Request and ApiName##Response exist.",
              "#define SLUICE_PROTOCOL_FOR_EACH_API(X) \\"]
    lines += [f"  X({msgs[0].api}) \\" for _, msgs in apis]
    lines.append("")
    return "\n".join(lines) + "\n"


def emit_api_keys(apis):
    h = ["// Generated by src/protocol/gen/generate.py. Do not edit.", "#pragma once", "",
         "#include <cstdint>", "#include <span>", "#include <string_view>", "",
         "namespace sluice::protocol {", "", "enum class ApiKey : int16_t {"]
    for _, msgs in sorted(apis, key=lambda a: a[1][0].key):
        h.append(f"  k{msgs[0].api} = {msgs[0].key},")
    h += ["};", "",
          "// One API this broker speaks, with the version range it advertises.",
          "struct ApiInfo {", "  int16_t api_key;", "  std::string_view name;",
          "  int16_t min_version;", "  int16_t max_version;",
          "  int16_t first_flexible_version;  // 32767 when no version is flexible", "};", "",
          "// Sorted by api key.", "std::span<const ApiInfo> SupportedApis();",
          "// nullptr for an API we do not describe.",
          "const ApiInfo* FindApi(int16_t api_key);", "",
          "}  // namespace sluice::protocol"]
    c = ["// Generated by src/protocol/gen/generate.py. Do not edit.",
         '#include "protocol/api_keys.h"', "", "#include <array>", "",
         "namespace sluice::protocol {", "", "namespace {",
         f"constexpr std::array<ApiInfo, {len(apis)}> kApis = {{{{"]
    for _, msgs in sorted(apis, key=lambda a: a[1][0].key):
        m = msgs[0]
        c.append(f'    {{{m.key}, "{m.api}", {m.versions[0]}, {m.versions[1]}, {m.first_flexible}}},')
    c += ["}};", "}  // namespace", "",
          "std::span<const ApiInfo> SupportedApis() { return kApis; }", "",
          "const ApiInfo* FindApi(int16_t api_key) {",
          "  for (const ApiInfo& api : kApis) {",
          "    if (api.api_key == api_key) return &api;", "  }", "  return nullptr;", "}", "",
          "}  // namespace sluice::protocol"]
    return "\n".join(h) + "\n", "\n".join(c) + "\n"


class SampleValues:
    """Deterministic non-default values, different for every field."""

    def __init__(self):
        self.n = 0

    def next(self):
        self.n += 1
        return self.n


def sample_scalar(base, vals, default):
    k = vals.next()
    if base == "bool":
        return "false" if default == "true" else "true"
    if base in ("int8", "int16", "int32", "int64", "uint16"):
        v = k % 100 + 2
        if default is not None and default not in ("null", "") and int(default, 0) == v:
            v += 1
        return str(v)
    if base == "float64":
        return f"{k}.5"
    if base == "string":
        return f'"s{k}"'
    if base in ("bytes", "records"):
        return f"Bytes{{{k % 256}, 0, 255}}"
    if base == "uuid":
        return f"Uuid{{{k % 256}, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}}"
    raise AssertionError(base)


def emit_fill(s, msg, qual, vals):
    out = [f"void FillSample({qual}& m, int16_t version) {{", "  (void)version;"]
    for f in s.fields:
        cond = version_cond(f.versions, msg)
        stmts = []
        target = f"m.{f.name}"
        if f.is_array:
            if f.nullable:
                stmts.append(f"{target}.emplace();")
                target = f"(*m.{f.name})"
            stmts.append(f"{target}.clear();")
            if f.is_struct:
                stmts.append(f"{target}.emplace_back();")
                stmts.append(f"FillSample({target}.back(), version);")
            else:
                for _ in range(2):
                    stmts.append(f"{target}.push_back({sample_scalar(f.base, vals, None)});")
        elif f.is_struct:
            stmts.append(f"FillSample({target}, version);")
        else:
            stmts.append(f"{target} = {sample_scalar(f.base, vals, f.default)};")
        if cond:
            out.append(f"  if ({cond}) {{")
            out += ["    " + st for st in stmts]
            out.append("  }")
        else:
            out += ["  " + st for st in stmts]
    out += ["}", ""]
    return out


def emit_samples(apis):
    h = ["// Generated by src/protocol/gen/generate.py. Do not edit. For tests only.",
         "#pragma once", "", '#include "protocol/messages.h"', "",
         "namespace sluice::protocol::testing {", "",
         "// Sets every field present at `version` to a value different from its default."]
    c = ["// Generated by src/protocol/gen/generate.py. Do not edit.",
         '#include "protocol/testing/samples.h"', "", "namespace sluice::protocol::testing {", ""]
    vals = SampleValues()
    for _, msgs in apis:
        for m in msgs:
            for s in ordered_structs(m):
                h.append(f"void FillSample({m.name}::{s.name}& m, int16_t version);")
            h.append(f"void FillSample({m.name}& m, int16_t version);")
            for s in ordered_structs(m):
                c += emit_fill(s, m, f"{m.name}::{s.name}", vals)
            c += emit_fill(m.root, m, m.name, vals)
    h += ["", "}  // namespace sluice::protocol::testing"]
    c += ["}  // namespace sluice::protocol::testing"]
    return "\n".join(h) + "\n", "\n".join(c) + "\n"


def write_if_changed(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--schema-dir", required=True)
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    files = sorted(p for p in os.listdir(args.schema_dir) if p.endswith(".kmsg"))
    apis = []
    try:
        for name in files:
            apis.append((stem_of(name), parse_schema(os.path.join(args.schema_dir, name))))
        keys = [msgs[0].key for _, msgs in apis]
        if len(keys) != len(set(keys)):
            raise SchemaError("two schema files use the same api key")
        out = args.out_dir
        for stem, msgs in apis:
            write_if_changed(os.path.join(out, "messages", stem + ".h"), emit_api_header(stem, msgs))
            write_if_changed(os.path.join(out, "messages", stem + ".cc"), emit_api_source(stem, msgs))
        write_if_changed(os.path.join(out, "messages.h"), emit_messages_header(apis))
        keys_h, keys_cc = emit_api_keys(apis)
        write_if_changed(os.path.join(out, "api_keys.h"), keys_h)
        write_if_changed(os.path.join(out, "api_keys.cc"), keys_cc)
        samples_h, samples_cc = emit_samples(apis)
        write_if_changed(os.path.join(out, "testing", "samples.h"), samples_h)
        write_if_changed(os.path.join(out, "testing", "samples.cc"), samples_cc)
    except SchemaError as e:
        print(f"generate.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
