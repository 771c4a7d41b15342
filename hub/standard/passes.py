"""A record type's field pass compiled into one Python function per reading mode.

The validator runs steps 2-4 (coerce, normalise, check) on every field of every record. Run as a
loop over field plans, each field costs the loop's bookkeeping (unpacking the plan, testing what
kind of field it is, calling its handler) more than the checks themselves for the common clean
value. This module writes the loop out instead, once per record type and mode: straight-line code
per field, with the field's name, memo and handler bound as constants and the in-line tests of
:class:`~hub.standard.fields.Inline` (plain text, canonical codes, ISO timestamps) written in
place, so a clean value costs a dictionary lookup and a few string tests.

The generated source holds no text of the standard: field names are passed as constants of the
function's namespace (``n0``, ``n1``...), never written into the code. The pass also says
whether the values it saw were flat, so the validator needs no walk of its own over a flat
record to know it is within the shape bounds. Whatever the pass does, it
does through the same handlers and memos as :class:`~hub.standard.fields.FieldPlan`; an in-line
test only ever accepts values its handler would return unchanged and without findings (the
frozen verdict corpus in tests/standard checks that the outcomes are the same).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hub.standard.checks import Finding
from hub.standard.fields import FieldPlan, FieldResult
from hub.standard.schema import FieldSpec

__all__ = ["SCALARS", "FieldPass", "Reported", "compile_pass"]

#: ``(path, spec, finding)`` as the validator collects them.
Found = tuple[str | None, FieldSpec | None, Finding]
#: What the pass calls for a field whose handler had something to report.
Reported = Callable[[FieldPlan, FieldResult, dict[str, Any], list[Found], list[Any]], None]
#: ``pass(raw.get, values, found, changes)``: fills ``values`` and ``found`` for one record and
#: says whether every value it saw is flat (a string, another scalar or an array of scalars).
#: ``values`` comes holding None for every field, in the fields' order; the pass sets the values,
#: leaves None for an absent optional field and deletes the fields that have no value (a
#: required one absent, or one whose value is invalid), so a record's dictionary is built
#: without growing it key by key.
FieldPass = Callable[[Callable[[str], Any], dict[str, Any], list[Found], list[Any]], bool]
#: The exact types of JSON scalars.
SCALARS = frozenset({str, int, float, bool, type(None)})

_REQUIRED = Finding("SCHEMA.REQUIRED")


def _field_source(i: int, plan: FieldPlan, memoised: bool, lenient: bool) -> list[str]:
    """The lines of one field (indented for the body of ``run``)."""
    name = f"n{i}"
    lines = [f"    v = get({name})", "    if v is None:"]
    if plan.required:
        lines += [f"        found.append(({name}, s{i}, REQUIRED))", f"        del values[{name}]"]
    else:
        lines.append("        pass")
    inline = plan.inline
    if inline is not None and inline.kind == "text":
        lines += [
            f"    elif type(v) is str and v.strip() is v and 0 < len(v) <= {int(inline.limit)}:",
            f"        values[{name}] = v",
        ]
    elif inline is not None and inline.kind == "code" and not memoised:
        # a memo hit is cheaper than the test: only for codes that are not memoised
        checked = f" and not c{i}(v)" if inline.check is not None else ""
        lines += [
            "    elif (",
            "        type(v) is str",
            "        and v.isascii()",
            "        and v.isalnum()",
            "        and (v.isdigit() or v.isupper())",
            f"        and len(v) <= {int(inline.limit)}{checked}",
            "    ):",
            f"        values[{name}] = v",
        ]
    # a value that is not a string: is it a scalar or an array of scalars (the record stays flat)?
    shape = [
        "            if type(v) is list:",
        "                if not all_scalars(map(type, v)):",
        "                    flat = False",
        "            elif type(v) not in SCALARS:",
        "                flat = False",
    ]
    general = [
        *(
            [
                "        if type(v) is str:",
                f"            r = m{i}(v)",
                "            if r is None:",
                f"                r = p{i}.miss(v, {lenient!r})",
                "        else:",
                *shape,
                f"            r = h{i}(v, {lenient!r})",
            ]
            if memoised
            else [
                "        if type(v) is not str:",
                *shape,
                f"        r = h{i}(v, {lenient!r})",
            ]
        ),
        "        if type(r) is FieldResult:",
        f"            reported(p{i}, r, values, found, changes)",
        "        else:",
        f"            values[{name}] = r",
    ]
    if inline is not None and inline.kind in ("text_list", "code_list"):
        if inline.kind == "text_list":
            bad = (
                f"type(x) is not str or x.strip() is not x or not 0 < len(x) <= {int(inline.limit)}"
            )
        else:
            bad = (
                "type(x) is not str or not (x.isascii() and x.isalnum())"
                f" or not (x.isdigit() or x.isupper()) or len(x) > {int(inline.limit)}"
            )
        lines += [
            "    else:",
            "        ok = type(v) is list",
            "        if ok:",
            "            for x in v:",
            f"                if {bad}:",
            "                    ok = False",
            "                    break",
            "        if ok:",
            f"            values[{name}] = list(v)",
            "        else:",
            *("    " + line for line in general),
        ]
    elif inline is not None and inline.kind == "timestamp":
        lines += [
            "    else:",
            "        r = None",
            "        if type(v) is str and len(v) > 10 and v.isascii() and v.strip() is v:",
            "            try:",
            "                r = fromisoformat(v)",
            "            except ValueError:",
            "                pass",
            "            else:",
            "                if r.tzinfo is None:",
            "                    r = None",
            "        if r is not None:",
            f"            values[{name}] = r",
            "        else:",
            *("    " + line for line in general),
        ]
    else:
        lines += ["    else:", *general]
    return lines


def compile_pass(plans: tuple[FieldPlan, ...], lenient: bool, reported: Reported) -> FieldPass:
    """The field pass of ``plans`` for one reading mode, with each plan's memo as it is now
    (compile again when a memo is switched off)."""
    namespace: dict[str, Any] = {
        "FieldResult": FieldResult,
        "SCALARS": SCALARS,
        "all_scalars": SCALARS.issuperset,
        "REQUIRED": _REQUIRED,
        "fromisoformat": dt.datetime.fromisoformat,
        "reported": reported,
    }
    body: list[str] = []
    for i, plan in enumerate(plans):
        memo = plan.lenient if lenient else plan.strict
        namespace |= {f"n{i}": plan.name, f"s{i}": plan.spec, f"h{i}": plan.handler, f"p{i}": plan}
        if memo is not None:
            namespace[f"m{i}"] = memo.get
        if plan.inline is not None and plan.inline.check is not None:
            namespace[f"c{i}"] = plan.inline.check
        body += _field_source(i, plan, memo is not None, lenient)
    head = ["def run(get, values, found, changes):", "    flat = True"]
    source = "\n".join([*head, *body, "    return flat", ""])
    code = compile(source, f"<field pass of {len(plans)} fields>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated source, no text of the standard in it
    run: FieldPass = namespace["run"]
    return run
