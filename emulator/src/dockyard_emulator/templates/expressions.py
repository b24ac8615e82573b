"""Parser for ARM template language expressions: the `[...]` strings of a template.

A JSON string is an expression when it starts with '[' and ends with ']'; a leading '[['
escapes a literal bracket ("[[x]" is the text "[x]").  Inside: function calls (names are
case-insensitive, user functions are `namespace.name`), string literals in single quotes with
'' for a quote, integer and decimal numbers, property access `.name` and index `[expr]`.
There are no boolean or null literals: templates call true(), false() and null().
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Union

from .errors import ExpressionError


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Property:
    target: Node
    name: str


@dataclass(frozen=True)
class Index:
    target: Node
    index: Node


Node = Union[Literal, Call, Property, Index]

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_$][\w$]*)
  | (?P<punct>[()\[\],.])
""", re.X)

_TOKEN_NAMES = {"(": "LeftParenthesis", ")": "RightParenthesis", "[": "LeftSquareBracket",
                "]": "RightSquareBracket", ",": "Comma", ".": "Dot"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    pos: int

    @property
    def label(self) -> str:
        if self.kind == "punct":
            return _TOKEN_NAMES[self.text]
        return {"string": "String", "number": "Integer", "ident": "Identifier", "end": "EndOfData"}[self.kind]


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 2 and value[0] == "[" and value[-1] == "]" and value[:2] != "[["


def _tokens(text: str, source: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ExpressionError(f"The language expression '{source}' is not valid: the string character "
                                  f"'{text[pos]}' at position '{pos}' is not expected.")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(_Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.source = text
        self.tokens = _tokens(text, text)
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self, kind: str, text: str | None = None) -> _Token:
        token = self.peek()
        if token.kind != kind or (text is not None and token.text != text):
            wanted = _TOKEN_NAMES[text] if text else {"ident": "Identifier"}.get(kind, kind)
            raise ExpressionError(f"Unable to parse language expression '{self.source}': expected token '{wanted}' "
                                  f"and actual '{token.label}'.")
        self.index += 1
        return token

    def parse(self) -> Node:
        node = self.expression()
        if self.peek().kind != "end":
            raise ExpressionError(f"Unable to parse language expression '{self.source}': expected token 'EndOfData' "
                                  f"and actual '{self.peek().label}'.")
        return node

    def expression(self) -> Node:
        node = self.primary()
        while True:
            token = self.peek()
            if token.kind == "punct" and token.text == ".":
                self.index += 1
                node = Property(node, self.take("ident").text)
            elif token.kind == "punct" and token.text == "[":
                self.index += 1
                index = self.expression()
                self.take("punct", "]")
                node = Index(node, index)
            else:
                return node

    def primary(self) -> Node:
        token = self.peek()
        if token.kind == "string":
            self.index += 1
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "number":
            self.index += 1
            return Literal(float(token.text) if "." in token.text else int(token.text))
        if token.kind == "ident":
            self.index += 1
            name = token.text
            nxt = self.peek()
            if nxt.kind == "punct" and nxt.text == ".":  # namespace.function( : a user-defined function
                self.index += 1
                name = f"{name}.{self.take('ident').text}"
            self.take("punct", "(")
            args: list[Node] = []
            if not (self.peek().kind == "punct" and self.peek().text == ")"):
                args.append(self.expression())
                while self.peek().kind == "punct" and self.peek().text == ",":
                    self.index += 1
                    args.append(self.expression())
            self.take("punct", ")")
            return Call(name, tuple(args))
        raise ExpressionError(f"Unable to parse language expression '{self.source}': expected token 'Identifier' "
                              f"and actual '{token.label}'.")


@functools.lru_cache(maxsize=8192)
def parse_expression(text: str) -> Node:
    """Parse the inside of an expression (without its brackets)."""
    if not text.strip():
        raise ExpressionError("The language expression '' is not valid: the expression is empty.")
    return _Parser(text.strip()).parse()


def parse_template_string(value: str) -> Node | None:
    """The expression a template string holds, a Literal for '[[' escapes, None for plain text."""
    if value[:2] == "[[" and value.endswith("]"):
        return Literal(value[1:])
    if not is_expression(value):
        return None
    return parse_expression(value[1:-1])


def calls(node: Node) -> list[Call]:
    """Every function call in an expression tree, outermost first."""
    found: list[Call] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Call):
            found.append(current)
            stack.extend(reversed(current.args))
        elif isinstance(current, Property):
            stack.append(current.target)
        elif isinstance(current, Index):
            stack.extend([current.index, current.target])
    return found
