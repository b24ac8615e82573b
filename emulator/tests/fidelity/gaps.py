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
from collections.abc import Iterable
from typing import Any

from scoring import RULES, key_paths

KINDS = ("missing operation/resource type", "catalogue too small", "property dropped",
         "property Azure computes missing", "key Azure does not return", "protocol detail", "error code")
MISSING_CODES = {"InvalidResourceType", "NoRegisteredProviderFound", "InvalidResourceNamespace", "MethodNotAllowed"}
CATALOGUE_CODES = {"PlatformImageNotFound", "SkuNotAvailable", "InvalidImageReference", "ImageNotFound",
                   "LocationNotAvailableForResourceType"}
# (theme, pattern on "code: message") for refusals that come from a catalogue the emulator keeps too small
CATALOGUES = (
    ("VM size catalogue", re.compile(r"value (\S+) provided for the VM size", re.I)),
    ("platform image catalogue", re.compile(r"platform image '([^']+)'|Artifact: (VMImage|VMExtension)", re.I)),
    ("VM extension image catalogue", re.compile(r"extension image|Artifact: VMExtension", re.I)),
    ("location names", re.compile(r"location '([^']+)' is not available", re.I)),
    ("SKU catalogue", re.compile(r"SkuNotAvailable", re.I)),
)
CREATE_OPTION = re.compile(r"createOption Empty only \(given: '([^']+)'\)")


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
    refused = not score.status and actual.status >= 400
    if not score.status:
        azure_ok = min(expected.statuses) < 300
        refusal = f"{actual.error_code}: {actual.error_message or ''}"
        if actual.status >= 400 and actual.error_code in MISSING_CODES:
            found.append(("missing operation/resource type", where))
        elif actual.status >= 400 and azure_ok and CREATE_OPTION.search(refusal):
            option = CREATE_OPTION.search(refusal).group(1)  # type: ignore[union-attr]
            found.append(("missing operation/resource type", f"{where} with createOption {option}"))
        elif actual.status >= 400 and azure_ok and catalogue_theme(refusal):
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
    if score.lro_headers is False and not refused:  # an error answer has no LRO: not a gap of its own
        found.append(("protocol detail", f"{where}: LRO headers (Azure-AsyncOperation, Location) "
                                         f"{_flags(actual.async_operation, actual.location)}, Azure "
                                         f"{_flags(expected.async_operation, expected.location)}"))
    if score.final_status is False and not refused:
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


def catalogue_theme(refusal: str) -> str | None:
    """The catalogue an emulator refusal ("code: message") points at, or None."""
    code = refusal.split(":", 1)[0]
    for theme, pattern in CATALOGUES:
        if pattern.search(refusal):
            return theme
    return "catalogue" if code in CATALOGUE_CODES else None


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


def theme(kind: str, detail: str) -> str:
    """The unit of work a gap belongs to: closing it closes all gaps of its theme.

    A missing resource type with its child types and actions (when the parent is missing too, see
    by_payoff), or one action on an existing type; a disk createOption family; one catalogue; one
    resource type's schema for property gaps; one method and type for protocol details."""
    if kind == "missing operation/resource type":
        if detail.startswith("set-up could not create "):
            return detail[len("set-up could not create "):].split(":", 1)[0]
        if " with createOption " in detail:
            return detail.split(" with ", 1)[0].split(" ", 1)[1] + " createOption other than Empty"
        return detail.split(" ", 1)[1]
    if kind == "catalogue too small":
        return catalogue_theme(detail) or detail
    if kind in ("property dropped", "property Azure computes missing", "key Azure does not return"):
        return detail.split(":", 1)[0]
    if kind == "protocol detail":
        return detail.split(":", 1)[0]
    return detail


def by_payoff(ops: list[Any], limit: int = 15) -> list[tuple[str, str, int, list[str]]]:
    """The gaps whose closing would fix the most operations: (kind, theme, operations, details).

    Missing types are merged case-insensitively with their set-up failures, and a child type or
    action of a missing type joins its parent's theme."""
    found = [(kind, theme(kind, detail), detail, index)
             for index, op in enumerate(ops) for kind, detail in classify(op)]
    spelled: dict[str, str] = {}  # lower-case type -> its ARM spelling (set-up failures are lower-case)
    for kind, name, _, _ in found:
        if kind == "missing operation/resource type" and (name.lower() not in spelled or not name.islower()):
            spelled[name.lower()] = name
    themes: dict[tuple[str, str], tuple[set[int], dict[str, None]]] = defaultdict(lambda: (set(), {}))
    for kind, name, detail, index in found:
        if kind == "missing operation/resource type":
            parts = name.lower().split("/")
            parent = "/".join(parts[:2])
            name = spelled[parent] if len(parts) > 2 and parent in spelled else spelled[name.lower()]
        indexes, details = themes[(kind, name)]
        indexes.add(index)
        details[detail] = None
    ranked = sorted(themes.items(), key=lambda item: (-len(item[1][0]), item[0]))
    return [(kind, name, len(indexes), list(details)) for (kind, name), (indexes, details) in ranked[:limit]]


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
             "An operation matches when its status, LRO headers (Azure-AsyncOperation / Location presence), "
             "final LRO status and recursive key set all agree with Azure's (ignore rules at the end). "
             "Recordings are Azure's real answers and are compared both ways; spec examples are compared for "
             "the keys Azure documents (see `example-*` rules). Gap kinds:", "",
             "- **missing operation/resource type**: the emulator answers InvalidResourceType/405, or cannot "
             "create a resource the operation needs (set-up), or refuses a creation mode (disk createOption);",
             "- **catalogue too small**: a VM size, platform image, extension image or location Azure knows;",
             "- **property dropped**: the request sent it, the emulator's answer lacks it;",
             "- **property Azure computes missing**: Azure returns it unasked, the emulator does not;",
             "- **key Azure does not return**: the emulator adds a key Azure's real answer lacks;",
             "- **protocol detail**: status code, LRO headers, sync vs async, final LRO status;",
             "- **error code**: the emulator refuses, or answers an error, where Azure does otherwise.", "",
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
              "Operations affected if the gap is closed. A theme is one unit of work: a missing resource type "
              "with its child types and actions, one catalogue, one resource type's schema, one method's protocol. "
              "An operation can sit under several themes (it matches only when all of them are closed).", "",
              "| # | kind | theme | operations | gaps in it |", "|---:|---|---|---:|---|"]
    for rank, (kind, name, count, details) in enumerate(by_payoff(ops), 1):
        shown = "; ".join(_short(d, 70) for d in details[:3]) + (f" (+{len(details) - 3})" if len(details) > 3 else "")
        lines.append(f"| {rank} | {kind} | {name} | {count} | {shown.replace('|', '/')} |")
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
    policy = [rule for rule in RULES if rule.startswith("policy-")]
    lines += ["", "Content that comes from the recording subscription's own Azure Policy is ignored only through "
              f"the named rules {', '.join(f'`{rule}`' for rule in policy)}, never silently; "
              f"they fired {sum(hits.get(rule, 0) for rule in policy)} times in this corpus. Spec examples carry "
              "no policy content; the rules are there for recordings of VMs in a policy-managed subscription."]
    return "\n".join(lines) + "\n"


def _pct(good: int, total: int) -> str:
    return f"{100 * good / total:.0f}%" if total else "n/a"
