#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the uapi header, the YNL spec and vconnectctl's tables agree.

Compares, name by name and value by value:
  * every enum and #define in include/uapi/linux/vconnect.h with what the
    spec Documentation/netlink/specs/vconnect.yaml yields under YNL's
    naming rules (genetlink-legacy/-c: name-prefix, enum-name, __*_MAX);
  * the type each attribute's comment in the header names ("/* u64 */")
    with the spec's type;
  * userspace/attrs.c's attribute, command and enum name tables with the
    spec (so what vconnectctl prints is what the spec calls things);
  * references inside the spec (operation attributes, nests, enums, groups).

Exit status 0 when all agree; 1 with a diff otherwise; 2 on bad input.
Standard library only: the spec is read with a small parser for the YAML
subset specs use (block maps and lists, flow lists, | blocks, anchors and
aliases). When PyYAML is installed the spec is also loaded with it and
both results must be equal, which keeps the small parser honest.
"""

import argparse
import ast
import difflib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_HEADER = os.path.join(ROOT, "include/uapi/linux/vconnect.h")
DEFAULT_SPEC = os.path.join(ROOT, "Documentation/netlink/specs/vconnect.yaml")
DEFAULT_ATTRS = os.path.join(HERE, "attrs.c")


class InputError(Exception):
    pass


# ---- a YAML subset -------------------------------------------------------

class MiniYaml:
    """Block mappings/sequences, flow sequences of scalars, literal blocks
    ('|', '|-'), anchors ('&a') and aliases ('*a'), comments, plain and
    quoted scalars, ints, booleans, null. Anything else is an error."""

    def __init__(self, text, name="<spec>"):
        self.lines = text.split("\n")
        self.name = name
        self.pos = 0
        self.anchors = {}

    def fail(self, msg, lineno=None):
        where = self.pos + 1 if lineno is None else lineno
        raise InputError(f"{self.name}:{where}: {msg}")

    @staticmethod
    def strip_comment(s):
        quote = None
        for i, c in enumerate(s):
            if quote:
                if c == quote:
                    quote = None
            elif c in "'\"":
                quote = c
            elif c == "#" and (i == 0 or s[i - 1] in " \t"):
                return s[:i].rstrip()
        return s.rstrip()

    def peek(self):
        """(indent, content) of the next line with structure, or None."""
        while self.pos < len(self.lines):
            raw = self.lines[self.pos]
            content = self.strip_comment(raw)
            stripped = content.strip()
            if not stripped or stripped == "---" or stripped.startswith("%"):
                self.pos += 1
                continue
            if "\t" in raw[: len(raw) - len(raw.lstrip())]:
                self.fail("tab in indentation")
            return len(content) - len(content.lstrip()), stripped
        return None

    def parse(self):
        first = self.peek()
        if first is None:
            return None
        value = self.parse_block(first[0])
        if self.peek() is not None:
            self.fail("unexpected text (bad indentation?)")
        return value

    def parse_block(self, indent):
        nxt = self.peek()
        if nxt[1] == "-" or nxt[1].startswith("- "):
            return self.parse_seq(indent)
        return self.parse_map(indent)

    KEY_RE = re.compile(r"^([A-Za-z0-9_$][^:'\"]*?)\s*:(?:\s+(.*))?$")

    def parse_map(self, indent):
        result = {}
        while True:
            nxt = self.peek()
            if nxt is None or nxt[0] < indent:
                return result
            if nxt[0] > indent:
                self.fail("unexpected indentation")
            if nxt[1] == "-" or nxt[1].startswith("- "):
                return result   # a list at the parent's indentation ends us
            m = self.KEY_RE.match(nxt[1])
            if not m:
                self.fail(f"expected 'key: value', got {nxt[1]!r}")
            key, rest = m.group(1), m.group(2) or ""
            if key in result:
                self.fail(f"duplicate key {key!r}")
            self.pos += 1
            result[key] = self.parse_value(rest, indent)

    def parse_seq(self, indent):
        result = []
        while True:
            nxt = self.peek()
            if nxt is None or nxt[0] < indent:
                return result
            if nxt[0] > indent:
                self.fail("unexpected indentation")
            if not (nxt[1] == "-" or nxt[1].startswith("- ")):
                return result
            rest = nxt[1][1:].strip()
            if not rest:
                self.pos += 1
                inner = self.peek()
                if inner is None or inner[0] <= indent:
                    result.append(None)
                else:
                    result.append(self.parse_block(inner[0]))
            elif self.KEY_RE.match(rest) and not rest.startswith(("'", '"', "[")):
                # "- key: value" opens a mapping indented like its key
                raw = self.lines[self.pos]
                col = raw.index("-") + 1
                col += len(raw[col:]) - len(raw[col:].lstrip())
                self.lines[self.pos] = " " * col + raw[col:]
                result.append(self.parse_map(col))
            else:
                self.pos += 1
                result.append(self.parse_scalar_or_alias(rest))

    def parse_value(self, rest, indent):
        anchor = None
        if rest.startswith("&"):
            anchor, _, rest = rest.partition(" ")
            anchor = anchor[1:]
            rest = rest.strip()
        if rest == "":
            nxt = self.peek()
            if nxt is not None and (nxt[0] > indent or (
                    nxt[0] == indent and (nxt[1] == "-" or nxt[1].startswith("- ")))):
                value = self.parse_block(nxt[0])
            else:
                value = None
        elif rest in ("|", "|-"):
            value = self.parse_literal(indent, keep_newline=(rest == "|"))
        elif rest[0] in "|>":
            self.fail(f"block style {rest!r} is not supported")
        else:
            value = self.parse_scalar_or_alias(rest)
        if anchor:
            self.anchors[anchor] = value
        return value

    def parse_literal(self, indent, keep_newline):
        body = []
        block_indent = None
        while self.pos < len(self.lines):
            raw = self.lines[self.pos]
            if raw.strip() == "":
                body.append("")
                self.pos += 1
                continue
            cur = len(raw) - len(raw.lstrip())
            if cur <= indent:
                break
            if block_indent is None:
                block_indent = cur
            if cur < block_indent:
                self.fail("literal block line less indented than its first")
            body.append(raw[block_indent:].rstrip(" "))
            self.pos += 1
        while body and body[-1] == "":
            body.pop()
        text = "\n".join(body)
        return text + "\n" if keep_newline and text else text

    def parse_scalar_or_alias(self, s):
        if s.startswith("*"):
            name = s[1:]
            if name not in self.anchors:
                self.fail(f"unknown alias {s!r}")
            return self.anchors[name]
        return self.parse_scalar(s)

    def parse_scalar(self, s):
        if s.startswith("["):
            if not s.endswith("]"):
                self.fail("flow sequence must end on its line")
            inner = s[1:-1].strip()
            if not inner:
                return []
            return [self.parse_scalar(x.strip()) for x in inner.split(",")]
        if s.startswith("{"):
            self.fail("flow mappings are not supported")
        if s[0] == '"':
            if not s.endswith('"') or len(s) < 2:
                self.fail("unterminated double-quoted string")
            return ast.literal_eval(s)
        if s[0] == "'":
            if not s.endswith("'") or len(s) < 2:
                self.fail("unterminated single-quoted string")
            return s[1:-1].replace("''", "'")
        if re.fullmatch(r"[-+]?[0-9]+", s):
            return int(s)
        if re.fullmatch(r"0x[0-9a-fA-F]+", s):
            return int(s, 16)
        if s in ("true", "True", "TRUE"):
            return True
        if s in ("false", "False", "FALSE"):
            return False
        if s in ("null", "~", "Null", "NULL"):
            return None
        if s in ("yes", "no", "on", "off", "y", "n"):
            self.fail(f"{s!r} means different things in YAML 1.1 and 1.2: quote it")
        if ": " in s or s.endswith(":"):
            self.fail(f"plain scalar {s!r} contains ': ': quote it")
        return s


def load_spec(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    spec = MiniYaml(text, path).parse()
    try:
        import yaml
    except ImportError:
        return spec, "mini parser"
    reference = yaml.safe_load(text)
    if reference != spec:
        raise InputError(
            f"{path}: the built-in YAML parser reads the spec differently from "
            f"PyYAML; fix check-uapi.py's MiniYaml (or simplify the spec)")
    return spec, "mini parser, agrees with PyYAML"


# ---- the C side ----------------------------------------------------------

def c_upper(name):
    return name.upper().replace("-", "_")


def c_lower(name):
    return name.lower().replace("-", "_")


def strip_c_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: " " * 0 + "\n" * m.group(0).count("\n"),
                  text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def eval_c_expr(expr, known):
    """Integer constant expression of literals, known names, + - ( )."""
    def repl(m):
        name = m.group(0)
        if name not in known:
            raise InputError(f"unknown name {name!r} in {expr!r}")
        return str(known[name])
    expr = re.sub(r"\b(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*\b",
                  lambda m: str(int(m.group(1), 0)), expr)
    expr = re.sub(r"\b[A-Za-z_]\w*\b", repl, expr)
    tree = ast.parse(expr, mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp,
                                 ast.Constant, ast.Add, ast.Sub, ast.USub,
                                 ast.UAdd, ast.LShift, ast.BitOr)):
            raise InputError(f"unsupported expression {expr!r}")
    return eval(compile(tree, "<expr>", "eval"))  # only the nodes above


def parse_header(path):
    """Returns (defines {name: value}, enums [(name, [(member, value)])],
    member types {member: type word from its comment})."""
    with open(path, encoding="utf-8") as f:
        raw = f.read()

    member_types = {}
    for m in re.finditer(r"^\s*([A-Z][A-Z0-9_]*)\s*,\s*/\*\s*([a-z0-9]+)", raw, re.M):
        member_types[m.group(1)] = m.group(2)

    text = strip_c_comments(raw)
    defines = {}
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+(.+?)[ \t]*$", text, re.M):
        name, value = m.group(1), m.group(2)
        if name.startswith("_UAPI_"):
            continue    # the include guard
        if value.startswith('"'):
            defines[name] = ast.literal_eval(value)
        else:
            defines[name] = eval_c_expr(value, defines)

    enums = []
    known = {k: v for k, v in defines.items() if isinstance(v, int)}
    for m in re.finditer(r"\benum\s+(\w+)?\s*\{(.*?)\}\s*;", text, re.S):
        members = []
        value = -1
        for item in m.group(2).split(","):
            item = item.strip()
            if not item:
                continue
            name, eq, expr = item.partition("=")
            name = name.strip()
            value = eval_c_expr(expr.strip(), known) if eq else value + 1
            known[name] = value
            members.append((name, value))
        enums.append((m.group(1), members))
    return defines, enums, member_types


# ---- what the spec says the header holds --------------------------------

def spec_expectations(spec):
    """Returns (defines, enums as [(enum name, [(member, value)])],
    attribute types {member: spec type}, problems found in the spec)."""
    family = spec["name"]
    problems = []
    defines = {}
    enums = []
    attr_types = {}

    if "c-family-name" in spec:
        defines[c_upper(spec["c-family-name"])] = family
    if "c-version-name" in spec:
        defines[c_upper(spec["c-version-name"])] = spec.get("version", 1)

    enum_defs = {}
    for d in spec.get("definitions", []):
        if d["type"] == "const":
            defines[c_upper(f"{family}-{d['name']}")] = d["value"]
        elif d["type"] in ("enum", "flags"):
            enum_defs[d["name"]] = d
            prefix = d.get("name-prefix", f"{family}-{d['name']}-")
            ename = d.get("enum-name", c_lower(f"{family}-{d['name']}"))
            value = d.get("value-start", 0)
            members = []
            for i, e in enumerate(d["entries"]):
                ent = e if isinstance(e, dict) else {"name": e}
                if d["type"] == "flags":
                    v = 1 << (value + i)
                else:
                    v = ent.get("value", value)
                    value = v + 1
                members.append((c_upper(prefix + ent["name"]), v))
            if d.get("render-max"):
                cnt = c_upper(f"__{prefix}max")
                members.append((cnt, members[-1][1] + 1))
                members.append((c_upper(f"{prefix}max"), members[-1][1] - 1))
            enums.append((ename, members))

    sets = {s["name"]: s for s in spec.get("attribute-sets", [])}
    for s in spec.get("attribute-sets", []):
        if "subset-of" in s:
            parent = sets.get(s["subset-of"])
            if parent is None:
                problems.append(f"spec: set {s['name']} is a subset of unknown set {s['subset-of']}")
                continue
            names = {a["name"] for a in parent["attributes"]}
            for a in s["attributes"]:
                if a["name"] not in names:
                    problems.append(f"spec: subset {s['name']} names {a['name']}, not in {parent['name']}")
            continue
        if s["name"] == family:
            prefix = s.get("name-prefix", f"{family}-a-")
        else:
            prefix = s.get("name-prefix", f"{family}-a-{s['name']}-")
        value = 1
        members = []
        for a in s["attributes"]:
            value = a.get("value", value)
            cname = c_upper(prefix + a["name"])
            members.append((cname, value))
            attr_types[cname] = a["type"]
            value += 1
            if a["type"] == "nest" and a.get("nested-attributes") not in sets:
                problems.append(f"spec: {s['name']}.{a['name']} nests unknown set {a.get('nested-attributes')}")
            if "enum" in a and a["enum"] not in enum_defs:
                problems.append(f"spec: {s['name']}.{a['name']} uses unknown enum {a['enum']}")
        cnt = s.get("attr-cnt-name", f"__{prefix}max")
        mx = s.get("attr-max-name", f"{prefix}max")
        members.append((c_upper(cnt), value))
        members.append((c_upper(mx), value - 1))
        enums.append((s.get("enum-name"), members))

    ops = spec["operations"]
    prefix = ops.get("name-prefix", f"{family}-cmd-")
    value = 1
    members = []
    groups = {g["name"] for g in spec.get("mcast-groups", {}).get("list", [])}
    for op in ops["list"]:
        value = op.get("value", value)
        members.append((c_upper(prefix + op["name"]), value))
        value += 1
        aset = sets.get(op.get("attribute-set", ""))
        names = {a["name"] for a in aset["attributes"]} if aset else set()
        lists = []
        for mode in ("do", "dump"):
            for part in ("request", "reply"):
                lists.append(((op.get(mode) or {}).get(part) or {}).get("attributes", []))
        lists.append((op.get("event") or {}).get("attributes", []))
        for attrs in lists:
            if attrs and not aset:
                problems.append(f"spec: operation {op['name']} lists attributes but has no attribute-set")
                break
            for a in attrs:
                if a not in names:
                    problems.append(f"spec: operation {op['name']} uses {a}, not in set {aset['name']}")
        if "mcgrp" in op and op["mcgrp"] not in groups:
            problems.append(f"spec: operation {op['name']} uses unknown group {op['mcgrp']}")
    members.append((c_upper(f"__{prefix}max"), value))
    members.append((c_upper(f"{prefix}max"), value - 1))
    enums.append((ops.get("enum-name"), members))

    for g in spec.get("mcast-groups", {}).get("list", []):
        defines[c_upper(g.get("c-define-name", f"{family}-mcgrp-{g['name']}"))] = g["name"]
    return defines, enums, attr_types, problems


def enum_key(name, members):
    return name if name else f"<anonymous enum starting {members[0][0]}>"


def compare(header, spec):
    h_defines, h_enums, h_types = header
    s_defines, s_enums, s_types, problems = spec
    out = list(problems)

    for name in sorted(set(h_defines) | set(s_defines)):
        if name not in s_defines:
            out.append(f"#define {name}: in the header, not in the spec")
        elif name not in h_defines:
            out.append(f"#define {name}: in the spec, not in the header")
        elif h_defines[name] != s_defines[name]:
            out.append(f"#define {name}: header {h_defines[name]!r}, spec {s_defines[name]!r}")

    h_map = {enum_key(n, m): m for n, m in h_enums}
    s_map = {enum_key(n, m): m for n, m in s_enums}
    for key in sorted(set(h_map) | set(s_map)):
        if key not in s_map:
            out.append(f"enum {key}: in the header, not in the spec")
            continue
        if key not in h_map:
            out.append(f"enum {key}: in the spec, not in the header")
            continue
        h_lines = [f"{n} = {v}" for n, v in h_map[key]]
        s_lines = [f"{n} = {v}" for n, v in s_map[key]]
        if h_lines != s_lines:
            diff = difflib.unified_diff(h_lines, s_lines, "header", "spec", lineterm="", n=1)
            out.append(f"enum {key} differs:\n    " + "\n    ".join(diff))

    for member, ctype in sorted(h_types.items()):
        stype = s_types.get(member)
        if stype is not None and stype != ctype:
            out.append(f"{member}: the header's comment says {ctype}, the spec {stype}")
    return out


# ---- userspace/attrs.c ---------------------------------------------------

KIND_OF_TYPE = {
    "unused": "UNUSED", "u8": "U8", "u16": "U16", "u32": "U32", "u64": "U64",
    "s32": "S32", "string": "STRING", "binary": "BINARY", "nest": "NEST",
    "pad": "PAD",
}


def check_attrs_c(path, spec):
    """vconnectctl's tables must use the spec's names and types."""
    family = spec["name"]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    problems = []
    by_const = {}
    sets = {s["name"]: s for s in spec.get("attribute-sets", [])}

    for s in spec.get("attribute-sets", []):
        if "subset-of" in s:
            continue
        prefix = s.get("name-prefix", f"{family}-a-" if s["name"] == family
                       else f"{family}-a-{s['name']}-")
        for a in s["attributes"]:
            if a["type"] == "unused":
                continue
            nested = a.get("nested-attributes")
            if nested in sets and "subset-of" in sets[nested]:
                nested = sets[nested]["subset-of"]
            by_const[c_upper(prefix + a["name"])] = (a["name"], KIND_OF_TYPE[a["type"]],
                                                    nested, bool(a.get("multi-attr")))
    ops = spec["operations"]
    op_prefix = ops.get("name-prefix", f"{family}-cmd-")
    names = {c_upper(op_prefix + op["name"]): op["name"] for op in ops["list"]
             if op["name"] != "unspec"}
    for d in spec.get("definitions", []):
        if d["type"] != "enum":
            continue
        prefix = d.get("name-prefix", f"{family}-{d['name']}-")
        for e in d["entries"]:
            ent = e if isinstance(e, dict) else {"name": e}
            names[c_upper(prefix + ent["name"])] = ent["name"]

    seen = set()
    attr_re = re.compile(r'^\s*\[(VCONNECT_A_\w+)\]\s*=\s*\{\s*"([^"]+)",\s*VC_(\w+)(.*)$', re.M)
    for m in attr_re.finditer(text):
        const, name, kind, rest = m.groups()
        seen.add(const)
        if const not in by_const:
            problems.append(f"attrs.c: {const} is not an attribute of the spec")
            continue
        want_name, want_kind, want_nested, want_multi = by_const[const]
        if (name, kind) != (want_name, want_kind):
            problems.append(f"attrs.c: {const} is {{\"{name}\", VC_{kind}}}, the spec says "
                            f"{{\"{want_name}\", VC_{want_kind}}}")
        nested = re.search(r"\.nested\s*=\s*&vc_(\w+)_set", rest)
        if (nested.group(1) if nested else None) != want_nested:
            problems.append(f"attrs.c: {const} nests {nested.group(1) if nested else None}, "
                            f"the spec says {want_nested}")
        if (".multi = true" in rest) != want_multi:
            problems.append(f"attrs.c: {const} multi-attr differs from the spec ({want_multi})")
    for const in sorted(set(by_const) - seen):
        problems.append(f"attrs.c: no table entry for {const} ({by_const[const][0]})")

    for m in re.finditer(r'^\s*\[(VCONNECT_(?!A_)\w+)\]\s*=\s*"([^"]+)"', text, re.M):
        const, name = m.groups()
        if const not in names:
            problems.append(f"attrs.c: {const} is not in the spec")
        elif names[const] != name:
            problems.append(f"attrs.c: {const} is named \"{name}\", the spec says \"{names[const]}\"")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--header", default=DEFAULT_HEADER)
    ap.add_argument("--spec", default=DEFAULT_SPEC)
    ap.add_argument("--attrs", default=DEFAULT_ATTRS,
                    help="vconnectctl's attrs.c ('' to skip)")
    args = ap.parse_args()
    try:
        spec, how = load_spec(args.spec)
        header = parse_header(args.header)
        problems = compare(header, spec_expectations(spec))
        if args.attrs:
            problems += check_attrs_c(args.attrs, spec)
    except (InputError, OSError, KeyError, TypeError, SyntaxError) as e:
        print(f"check-uapi: cannot check: {e!r}" if not isinstance(e, InputError)
              else f"check-uapi: {e}", file=sys.stderr)
        return 2
    if problems:
        print(f"check-uapi: {args.header} and {args.spec} disagree:")
        for p in problems:
            print(f"  - {p}")
        print(f"check-uapi: {len(problems)} problem(s)")
        return 1
    print(f"check-uapi: OK: {os.path.relpath(args.header, ROOT)} matches "
          f"{os.path.relpath(args.spec, ROOT)} ({len(header[1])} enums, "
          f"{len(header[0])} defines; spec read by {how})"
          + (f"; attrs.c agrees" if args.attrs else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
