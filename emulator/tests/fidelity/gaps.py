"""What kind of gap each mismatch is, and the report that groups them by payoff.

Kinds (the order of issue 10): a missing operation or resource type, a catalogue too small, a
property dropped (the request sent it, the answer lacks it), a property Azure computes missing,
a key Azure does not return, a protocol detail (status, LRO headers, sync vs async, final LRO
status), an error code. Each mismatch gets a detail line; details are grouped and sorted by the
number of operations they affect, which is the payoff of closing them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Iterable

from scoring import RULES, key_paths

KINDS = ("missing operation/resource type", "catalogue too small", "property dropped",
         "property Azure computes missing", "key Azure does not return", "protocol detail", "error code")
MISSING_CODES = {"InvalidResourceType", "NoRegisteredProviderFound", "InvalidResourceNamespace", "MethodNotAllowed"}
CATALOGUE = re.compile(r"(VM size|vmSize|platform image|Publisher|Artifact|Image '|image)", re.I)
CATALOGUE_CODES = {"PlatformImageNotFound", "SkuNotAvailable", "InvalidImageReference", "ImageNotFound"}


def resource_type(path: str) -> str:
    """'/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm/restart'
    -> 'Microsoft.Compute/virtualMachines/restart'; a trailing action or collection keeps its name."""
    path = path.split("?", 1)[0]
    if "/providers/" not in path.lower():
        return "Microsoft.Resources/resourceGroups" if "/resourcegroups/" in path.lower() else "Microsoft.Resources"
    tail = re.split(r"/providers/", path, flags=re.I)[-1].strip("/").split("/")
    namespace, parts = tail[0], tail[1:]
    types = parts[0::2]
    return "/".join([namespace] + types)


def classify(op: Any) -> list[tuple[str, str]]:
    """[(kind, detail)] for one scored operation (an OpResult of replay.py)."""
    found: list[tuple[str, str]] = []
    expected, actual, score = op.expected, op.actual, op.score
    where = f"{op.method} {op.rtype}"
    for failure in op.seed_failures:
        kind = "missing operation/resource type" if any(c in failure for c in MISSING_CODES) else "error code"
        found.append((kind, f"set-up could not create {failure}"))
    if not score.status:
        azure_ok = min(expected.statuses) < 300
        if actual.status >= 400 and actual.error_code in MISSING_CODES:
            found.append(("missing operation/resource type", where))
        elif actual.status >= 400 and azure_ok and (actual.error_code in CATALOGUE_CODES or (
                actual.error_code in ("InvalidParameter", "NotFound", "BadRequest")
                and CATALOGUE.search(actual.error_message or ""))):
            found.append(("catalogue too small", f"{actual.error_code}: {_short(actual.error_message)}"))
        elif actual.status >= 400 and azure_ok:
            if not op.seed_failures:
                found.append(("error code", f"{where}: refused a request Azure accepts: {actual.status} "
                                            f"{actual.error_code}: {_short(actual.error_message)}"))
        elif actual.status >= 400 or not azure_ok:
            found.append(("error code", f"{where}: {actual.status} {actual.error_code}, Azure "
                                        f"{'/'.join(map(str, expected.statuses))} {expected.error_code or ''}".rstrip()))
        else:
            found.append(("protocol detail", f"{where}: status {actual.status}, Azure "
                                             f"{'/'.join(map(str, expected.statuses))}"))
    if score.lro_headers is False:
        found.append(("protocol detail", f"{where}: LRO headers (Azure-AsyncOperation, Location) "
                                         f"{_flags(actual.async_operation, actual.location)}, Azure "
                                         f"{_flags(expected.async_operation, expected.location)}"))
    if score.final_status is False:
        found.append(("protocol detail", f"{where}: final LRO status {actual.final_status}, "
                                         f"Azure {expected.final_status}"))
    sent = key_paths(op.request) if op.request is not None else set()
    for path in score.missing:
        kind = "property dropped" if path in sent else "property Azure computes missing"
        found.append((kind, f"{op.rtype}: {path}"))
    for path in score.extra:
        found.append(("key Azure does not return", f"{op.rtype}: {path}"))
    if score.keys is False and expected.error_code and not score.missing and not score.extra:
        found.append(("error code", f"{where}: {actual.error_code}, Azure {expected.error_code}"))
    return found


def _flags(async_operation: Any, location: Any) -> str:
    return f"({'yes' if async_operation else 'no'}, {'yes' if location else 'no'})"


def _short(text: str, size: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[:size - 1] + "…"


def group(ops: Iterable[Any]) -> dict[str, list[tuple[str, int, list[str]]]]:
    """kind -> [(detail, operations affected, sources)] sorted by operations affected."""
    table: dict[tuple[str, str], list[str]] = defaultdict(list)
    for op in ops:
        for kind, detail in dict.fromkeys(classify(op)):
            table[(kind, detail)].append(op.source)
    result: dict[str, list[tuple[str, int, list[str]]]] = {kind: [] for kind in KINDS}
    for (kind, detail), sources in table.items():
        result[kind].append((detail, len(sources), sorted(set(sources))))
    for rows in result.values():
        rows.sort(key=lambda row: (-row[1], row[0]))
    return result


def by_payoff(ops: list[Any], limit: int = 15) -> list[tuple[str, str, int]]:
    """The gaps whose closing would fix the most operations: (kind, theme, operations affected).

    Property gaps are themed per resource type (one schema pass closes them together); the
    others are themed by their detail line."""
    themes: dict[tuple[str, str], set[int]] = defaultdict(set)
    for index, op in enumerate(ops):
        for kind, detail in classify(op):
            if kind in ("property dropped", "property Azure computes missing", "key Azure does not return"):
                detail = detail.split(":", 1)[0]
            elif detail.startswith("set-up could not create"):
                detail = detail.rsplit(":", 1)[0]
            themes[(kind, detail)].add(index)
    ranked = sorted(themes.items(), key=lambda item: (-len(item[1]), item[0]))
    return [(kind, detail, len(indexes)) for (kind, detail), indexes in ranked[:limit]]


def markdown(results: list[Any], hits: dict[str, int], seconds: float, corpus_note: str) -> str:
    """docs/fidelity-gaps.md: the scores and every mismatch grouped by kind."""
    ops = [op for result in results for op in result.ops]
    matched = sum(op.score.matched for op in ops)
    lines = ["# Emulator fidelity gaps", "",
             "Generated by `python emulator/tests/fidelity/replay.py --markdown docs/fidelity-gaps.md` "
             "(fresh emulator, `none` VM backend, no faults). Do not edit by hand; rerun it.", "",
             corpus_note, "",
             f"**Total: {matched}/{len(ops)} operations match ({_pct(matched, len(ops))})**, "
             f"full replay {seconds:.0f} s.", "",
             "## Score per recording and per example file", "",
             "| source | operations | match | score |", "|---|---:|---:|---:|"]
    for result in sorted(results, key=lambda r: (r.kind, r.name)):
        good = sum(op.score.matched for op in result.ops)
        lines.append(f"| {result.kind}: {result.name} | {len(result.ops)} | {good} | "
                     f"{_pct(good, len(result.ops))} |")
    for kind in ("recording", "example"):
        subset = [op for result in results if result.kind == kind for op in result.ops]
        good = sum(op.score.matched for op in subset)
        lines.append(f"| **all {kind}s** | {len(subset)} | {good} | {_pct(good, len(subset))} |")
    lines += ["", "## Top gaps by payoff", "",
              "Operations affected if the gap is closed (a property theme is one resource type's schema).", "",
              "| # | kind | gap | operations |", "|---:|---|---|---:|"]
    for rank, (kind, detail, count) in enumerate(by_payoff(ops), 1):
        lines.append(f"| {rank} | {kind} | {detail} | {count} |")
    grouped = group(ops)
    lines += ["", "## Every mismatch, by kind", "",
              "| kind | distinct gaps | operations affected |", "|---|---:|---:|"]
    for kind in KINDS:
        lines.append(f"| {kind} | {len(grouped[kind])} | {sum(row[1] for row in grouped[kind])} |")
    for kind in KINDS:
        if not grouped[kind]:
            continue
        lines += ["", f"### {kind}", "", "| gap | operations | where |", "|---|---:|---|"]
        for detail, count, sources in grouped[kind]:
            shown = ", ".join(sources[:4]) + (f" (+{len(sources) - 4})" if len(sources) > 4 else "")
            lines.append(f"| {detail.replace('|', '/')} | {count} | {shown} |")
    lines += ["", "## Ignore rules (how often each fired)", "", "| rule | fired | what it ignores |",
              "|---|---:|---|"]
    for rule, text in RULES.items():
        lines.append(f"| {rule} | {hits.get(rule, 0)} | {text} |")
    return "\n".join(lines) + "\n"


def _pct(good: int, total: int) -> str:
    return f"{100 * good / total:.0f}%" if total else "n/a"
