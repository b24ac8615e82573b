"""A JSON reader that remembers where each value sits, so errors can cite line and column.

ARM parses templates with Newtonsoft.Json and reports positions the Newtonsoft way: 1-based
line, and the column of the last character read for the token (for an object or an array,
its opening bracket).  `parse_json` returns the value and a map from JSON path (a tuple of
keys and indices) to that (line, column).  Comments (// and /* */) are accepted as ARM does.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import TemplateError, parse_failed

JsonPath = tuple[Any, ...]

_WS = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.S)
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]


@dataclass
class JsonDocument:
    value: Any
    positions: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: JsonPath) -> tuple[int, int] | None:
        return self.positions.get(tuple(path))


def path_text(path: JsonPath) -> str:
    """Newtonsoft's path notation: resources[0].properties['odd key']."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_$][\w$]*", part):
            text += f".{part}" if text else part
        else:
            text += f"['{part}']"
    return text


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.positions: dict[JsonPath, tuple[int, int]] = {}
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def fail(self, reason: str, path: JsonPath, offset: int | None = None) -> TemplateError:
        line, col = self.line_col(min(self.pos if offset is None else offset, max(len(self.text) - 1, 0)))
        return parse_failed(reason, path_text(path), line, col)

    def skip(self) -> None:
        self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def value(self, path: JsonPath) -> Any:
        self.skip()
        char = self.peek()
        start = self.pos
        if char == "{":
            self.positions[path] = self.line_col(start)
            return self.object(path)
        if char == "[":
            self.positions[path] = self.line_col(start)
            return self.array(path)
        if char == '"':
            try:
                result, self.pos = _scanstring(self.text, start + 1, True)
            except json.JSONDecodeError as exc:
                raise self.fail(f"Unterminated string or bad escape: {exc.msg}.", path, exc.pos) from None
        elif char == "-" or char.isdigit():
            match = _NUMBER.match(self.text, start)
            if not match:
                raise self.fail(f"Unexpected character encountered while parsing value: {char}.", path)
            self.pos = match.end()
            result = float(match.group()) if match.group(1) or match.group(2) else int(match.group())
        else:
            word = re.match(r"[A-Za-z]+", self.text[start:start + 8])
            if not word or word.group() not in _LITERALS:
                shown = char or "end of input"
                raise self.fail(f"Unexpected character encountered while parsing value: {shown}.", path)
            self.pos = start + len(word.group())
            result = _LITERALS[word.group()]
        self.positions[path] = self.line_col(self.pos - 1)
        return result

    def object(self, path: JsonPath) -> dict[str, Any]:
        self.pos += 1
        result: dict[str, Any] = {}
        self.skip()
        if self.peek() == "}":
            self.pos += 1
            return result
        while True:
            self.skip()
            if self.peek() != '"':
                shown = self.peek() or "end of input"
                last = (*path, next(reversed(result))) if result else path     # Newtonsoft cites the last property
                raise self.fail(f"Invalid property identifier character: {shown}.", last)
            try:
                key, self.pos = _scanstring(self.text, self.pos + 1, True)
            except json.JSONDecodeError as exc:
                raise self.fail(f"Unterminated string or bad escape: {exc.msg}.", path, exc.pos) from None
            if key in result:
                raise self.fail(f"Can not add property {key} to Newtonsoft.Json.Linq.JObject. "
                                "Property with the same name already exists on object.", path)
            self.skip()
            if self.peek() != ":":
                raise self.fail(f"Invalid character after parsing property name. Expected ':' but got: {self.peek() or 'end of input'}.",
                                (*path, key))
            self.pos += 1
            result[key] = self.value((*path, key))
            self.skip()
            char = self.peek()
            self.pos += 1
            if char == "}":
                return result
            if char != ",":
                raise self.fail(f"After parsing a value an unexpected character was encountered: {char or 'end of input'}.",
                                (*path, key), self.pos - 1)

    def array(self, path: JsonPath) -> list[Any]:
        self.pos += 1
        result: list[Any] = []
        self.skip()
        if self.peek() == "]":
            self.pos += 1
            return result
        while True:
            result.append(self.value((*path, len(result))))
            self.skip()
            char = self.peek()
            self.pos += 1
            if char == "]":
                return result
            if char != ",":
                raise self.fail(f"After parsing a value an unexpected character was encountered: {char or 'end of input'}.",
                                (*path, len(result) - 1), self.pos - 1)


def parse_json(text: str) -> JsonDocument:
    """Parse JSON text (comments allowed) into its value and the position of every node."""
    parser = _Parser(text.lstrip("\ufeff"))
    value = parser.value(())
    parser.skip()
    if parser.pos < len(parser.text):
        raise parser.fail("Additional text encountered after finished reading JSON content: "
                          f"{parser.text[parser.pos]}.", ())
    return JsonDocument(value, parser.positions)
