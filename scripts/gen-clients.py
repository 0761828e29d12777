#!/usr/bin/env python3
"""Writes the typed clients of both bindings from the operation catalog.

    cargo run -q -p ticketry-wire --features schema --bin catalog > catalog.json
    scripts/gen-clients.py catalog.json            # writes the files below
    scripts/gen-clients.py catalog.json --check    # fails if any of them is stale

Node: bindings/node/index.js (the methods over the native `call`) and
bindings/node/index.d.ts (every type and method). Python (scripts/gen_python.py):
bindings/python/python/ticketry/models.py (dataclasses and enums) and
bindings/python/python/ticketry/_ops.py (every method, blocking and `_async`,
annotated). The catalog comes from bindings/wire (the operation table and the
core's JSON Schemas).
"""

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from gen_python import BANNER, clean_doc, ref_name, strip_null  # noqa: E402  (scripts/gen_python.py)

ROOT = pathlib.Path(__file__).resolve().parent.parent


def camel(s):
    head, *rest = s.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def pascal(s):
    return "".join(p[:1].upper() + p[1:] for p in s.split("_"))


def doc_lines(text, indent, style):
    text = clean_doc(text)
    if not text:
        return []
    lines = text.split("\n")
    if style == "js":
        if len(lines) == 1:
            return [f"{indent}/** {lines[0]} */"]
        return [f"{indent}/**"] + [f"{indent} * {l}".rstrip() for l in lines] + [f"{indent} */"]
    return lines


class Catalog:
    def __init__(self, path):
        c = json.loads(pathlib.Path(path).read_text())
        self.ops = c["ops"]
        self.defs = c["definitions"]
        self.codes = c["error_codes"]
        self.inputs = set()
        self.outputs = set()
        for op in self.ops:
            for a in op["args"]:
                self.reach(a["schema"], self.inputs)
            self.reach(op["result"], self.outputs)

    def reach(self, schema, seen):
        if isinstance(schema, dict):
            name = ref_name(schema)
            if name and name not in seen:
                seen.add(name)
                self.reach(self.defs[name], seen)
            for v in schema.values():
                self.reach(v, seen)
        elif isinstance(schema, list):
            for v in schema:
                self.reach(v, seen)

    def is_id(self, name):
        return name.endswith("Id") and self.defs[name].get("type") == "string"

    def is_enum(self, name):
        alts = self.defs[name].get("oneOf") or []
        return bool(alts) and all("const" in a for a in alts) or "enum" in self.defs[name]

    def enum_values(self, name):
        d = self.defs[name]
        return [a["const"] for a in d["oneOf"]] if "oneOf" in d else list(d["enum"])

    def is_struct(self, name):
        return self.defs[name].get("type") == "object" and "properties" in self.defs[name]


# ----- TypeScript ---------------------------------------------------------------------------


class TS:
    # A record whose name is taken by a class of the client.
    RENAMED = {"Workspace": "WorkspaceInfo"}

    def __init__(self, cat):
        self.cat = cat

    def type(self, s, io):
        s, nullable = strip_null(s)
        t = self.base(s, io)
        return f"{t} | null" if nullable else t

    def base(self, s, io):
        name = ref_name(s)
        if name:
            if self.cat.is_id(name) or name == "NumberFormat":
                return "string"
            if name == "Bytes":
                return "Uint8Array"  # a Buffer when returned
            if name == "Link" and io == "in":
                return "Link | string"
            return self.RENAMED.get(name, name)
        if "const" in s:
            return json.dumps(s["const"]).replace('"', "'")
        if "oneOf" in s:
            return " | ".join(self.type(a, io) for a in s["oneOf"])
        if "anyOf" in s:
            return " | ".join(self.type(a, io) for a in s["anyOf"])
        t = s.get("type")
        fmt = s.get("format")
        if t == "string":
            return "Date" if fmt == "date-time" else "string"
        if t == "integer" or t == "number":
            return "number"
        if t == "boolean":
            return "boolean"
        if t == "null":
            return "null"
        if t == "array":
            inner = self.type(s["items"], io)
            return f"Array<{inner}>"
        if t == "object":
            if "properties" in s:
                return self.inline(s, io)
            extra = s.get("additionalProperties", True)
            if extra is True or extra == {}:
                return "Record<string, unknown>"
            return f"Record<string, {self.type(extra, io)}>"
        return "unknown"

    def inline(self, s, io):
        req = set(s.get("required", []))
        parts = []
        for k, v in s["properties"].items():
            opt = "?" if (io == "in" and k not in req) else ""
            parts.append(f"{camel(k)}{opt}: {self.type(v, io)}")
        return "{ " + "; ".join(parts) + " }"

    def props(self, s, io, indent="  "):
        out = []
        req = set(s.get("required", []))
        for k, v in s["properties"].items():
            desc = v.get("description") or ""
            if self.duration(v):
                desc = (desc + " (milliseconds)").strip()
            out += doc_lines(desc, indent, "js")
            opt = "?" if (io == "in" and k not in req) else ""
            out.append(f"{indent}{camel(k)}{opt}: {self.type(v, io)}")
        return out

    @staticmethod
    def duration(v):
        v, _ = strip_null(v)
        return v.get("format") == "duration"

    def definition(self, name):
        d = self.cat.defs[name]
        io = "in" if name in self.cat.inputs else "out"
        out = doc_lines(d.get("description"), "", "js")
        if self.cat.is_id(name) or name in ("NumberFormat", "Bytes"):
            return []
        if name == "EventKind":
            return []
        if name == "Event":
            return self.event()
        alias = []
        if name == "Status":
            alias = ["/** The status of a ticket (`Status`). */", "export type TicketStatus = Status"]
        ts_name = self.RENAMED.get(name, name)
        if self.cat.is_enum(name):
            vals = " | ".join(f"'{v}'" for v in self.cat.enum_values(name))
            return out + [f"export type {ts_name} = {vals}"] + alias
        if "oneOf" in d:
            alts = [self.base(a, io) for a in d["oneOf"]]
            return out + [f"export type {ts_name} =", *[f"  | {a}" for a in alts]]
        if self.cat.is_struct(name):
            return out + [f"export interface {ts_name} {{", *self.props(d, io), "}"]
        return out + [f"export type {ts_name} = {self.base(d, io)}"]

    def event(self):
        kinds = self.cat.defs["EventKind"]["oneOf"]
        lines = [
            "/** An event of the workspace log: the envelope, the dotted `type`, and the",
            " * kind's fields under `data`; narrow on `type`. */",
            "export type Event = EventBase & (",
        ]
        for k in kinds:
            props = {p: v for p, v in k["properties"].items() if p != "type"}
            data = self.inline({"properties": props, "required": k.get("required", [])}, "out")
            lines.append(f"  | {{ type: '{k['properties']['type']['const']}'; data: {data} }}")
        lines.append(")")
        lines += [
            "/** The dotted name of an event. */",
            "export type EventType = Event['type']",
            "/** Fields every event has. */",
            "export interface EventBase {",
            "  /** Position in the workspace's log (the cursor), gap-free from 1. */",
            "  seq: number",
            "  workspaceId: string",
            "  /** The ticket concerned, if any. */",
            "  ticketId: string | null",
            "  actor: Actor",
            "  at: Date",
            "}",
        ]
        return lines

    def options_name(self, op, rest):
        required = [a for a in rest if not a["rust"].startswith("Option")]
        return pascal(op["name"]) + ("Input" if required else "Options"), bool(required)

    def method(self, op):
        pos = op["args"][: op["js"]]
        rest = op["args"][op["js"] :]
        params = []
        for a in pos:
            optional = a["rust"].startswith("Option")
            params.append(f"{camel(a['name'])}{'?' if optional else ''}: {self.type(a['schema'], 'in')}")
        extra = []
        if rest:
            name, required = self.options_name(op, rest)
            params.append(f"{'options' if not required else 'input'}{'' if required else '?'}: {name}")
            s = {
                "properties": {a["name"]: {**a["schema"], "description": ""} for a in rest},
                "required": [a["name"] for a in rest if not a["rust"].startswith("Option")],
            }
            extra = [f"/** Options of `{camel(op['name'])}`. */", f"export interface {name} {{", *self.props(s, "in"), "}"]
        result = self.type(op["result"], "out")
        result = "void" if result == "null" else result
        if op["name"] == "create_workspace":
            result = "Workspace"
        lines = doc_lines(op["doc"], "  ", "js")
        lines.append(f"  {camel(op['name'])}({', '.join(params)}): Promise<{result}>")
        return lines, extra

    def dts(self):
        out = [f"/* {BANNER}", " *", " * Conventions: instants are `Date`; durations are milliseconds; every",
               " * operation returns a Promise; a failure is an `Error` whose `code` is one of",
               " * `ERROR_CODES` (see `TicketryError`). */", "",
               "import * as native from './native'",
               "export { Calendar, ManualClock } from './native'",
               "export type { InMemoryOptions, ConnectOptions } from './native'", "",
               "/** The stable error codes of Ticketry, as `err.code`. */",
               "export type ErrorCode =", *[f"  | '{c}'" for c in self.cat.codes], "",
               "/** Every stable error code, in the core's order. */",
               "export declare const ERROR_CODES: ErrorCode[]", "",
               "/** What a rejected Promise (or a throwing method) gives you. */",
               "export interface TicketryError extends Error {",
               "  /** The stable code. */",
               "  code: ErrorCode",
               "  /** The offending field of an `invalid_input` error (`subject`, `weekly.mon[1]`). */",
               "  field?: string",
               "  /** Why that field was refused (`invalid_input`). */",
               "  reason?: string",
               "  /** The kind of record (`ticket`, `agent`, ...) of `not_found` and `already_exists`,",
               "   * and of an incident's or access request's `invalid_transition`. */",
               "  entity?: string",
               "  /** The id that was not found (`not_found`). */",
               "  id?: string",
               "  /** The taken key (`already_exists`). */",
               "  key?: string",
               "  /** The status that forbids the operation (`invalid_transition`). */",
               "  status?: string",
               "  /** What is wrong with a calendar (`overlapping_intervals`, `no_business_time`, ...). */",
               "  kind?: string",
               "}", ""]
        for name in sorted(self.cat.inputs | self.cat.outputs | {"CalendarConfig", "Segment", "BoundaryMode"}):
            lines = self.definition(name)
            if lines:
                out += lines + [""]
        for scope, cls in (("desk", "Helpdesk"), ("ws", "Workspace")):
            methods, extras = [], []
            for op in self.cat.ops:
                if op["scope"] == scope:
                    m, e = self.method(op)
                    methods += m
                    extras += e + ([""] if e else [])
            out += extras
            if cls == "Helpdesk":
                out += [
                    "/** The help desk: one per process, shared by every request. */",
                    "export declare class Helpdesk extends native.Helpdesk {",
                    "  /** A help desk whose data lives in this process (the embedded default). */",
                    "  static inMemory(options?: native.InMemoryOptions | undefined | null): Helpdesk",
                    "  /** Connects to PostgreSQL; call `migrate()` once to create or upgrade the schema. */",
                    "  static connect(url: string, options?: native.ConnectOptions | undefined | null): Promise<Helpdesk>",
                    "  /** The handle of a workspace by id, without I/O. */",
                    "  workspace(id: string): Workspace",
                    "  /** The handle of a workspace by slug; `not_found` if there is none. */",
                    "  workspaceBySlug(slug: string): Promise<Workspace>",
                ]
            else:
                out += [
                    "/** A workspace (tenant): the scope of every per-workspace operation. */",
                    "export declare class Workspace extends native.Workspace {",
                ]
            out += methods + ["}", ""]
        return "\n".join(out)

    def js(self):
        out = [f"// {BANNER}", "'use strict'", "", "const native = require('./native.js')",
               "const { Helpdesk, Workspace } = native", "",
               "function define(cls, name, fn) {",
               "  Object.defineProperty(cls.prototype, name, { value: fn, writable: true, configurable: true })",
               "}", ""]
        for op in self.cat.ops:
            cls = "Helpdesk" if op["scope"] == "desk" else "Workspace"
            pos = [camel(a["name"]) for a in op["args"][: op["js"]]]
            has_rest = len(op["args"]) > op["js"]
            params = pos + (["options"] if has_rest else [])
            call = f"this.call('{op['name']}', [{', '.join(pos)}]{', options' if has_rest else ''})"
            if op["result"].get("type") == "null":
                call += ".then(() => undefined)"
            out.append(f"define({cls}, '{camel(op['name'])}', function {camel(op['name'])}({', '.join(params)}) {{")
            out.append(f"  return {call}")
            out.append("})")
        out += ["",
                "// Node hands out a handle for a new workspace (its record is `info()`).",
                "define(Helpdesk, 'createWorkspace', async function createWorkspace(input) {",
                "  return this.workspace((await this.call('create_workspace', [], input)).id)",
                "})",
                "define(Helpdesk, 'workspaceBySlug', async function workspaceBySlug(slug) {",
                "  return this.workspace((await this.getWorkspaceBySlug(slug)).id)",
                "})", "",
                *[f"exports.{n} = native.{n}" for n in ("Calendar", "Helpdesk", "ManualClock", "Workspace")],
                f"exports.ERROR_CODES = {json.dumps(self.cat.codes)}",
                ""]
        return "\n".join(out)


def write(path, text, check):
    path = ROOT / path
    old = path.read_text() if path.exists() else None
    if old == text:
        return True
    if check:
        print(f"gen-clients: {path.relative_to(ROOT)} is stale: run scripts/gen-clients.py", file=sys.stderr)
        return False
    path.write_text(text)
    print(f"gen-clients: wrote {path.relative_to(ROOT)}")
    return True


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    check = "--check" in sys.argv
    cat = Catalog(args[0])
    ts = TS(cat)
    ok = write("bindings/node/index.d.ts", ts.dts(), check)
    ok = write("bindings/node/index.js", ts.js(), check) and ok
    if "--node-only" not in sys.argv:
        import gen_python

        ok = gen_python.generate(cat, write, check) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
