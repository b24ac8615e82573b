# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Variable interpolation and ``.env`` parsing as Compose does them (private to dockyard.azure).

``substitute`` implements every form of the Compose specification:
``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
``${VAR:?error}``, ``${VAR?error}``, ``${VAR:+alt}``, ``${VAR+alt}``,
``$$`` (a literal ``$``) and nested expressions in defaults.
``parse_dotenv`` follows Compose's dotenv rules (quotes, escapes, inline
comments, ``export``, ``KEY: value``, inherited keys, interpolation).
"""

from __future__ import annotations

import re

from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import DotEnvError, MissingRequiredError, TemplateError

_PATTERN = re.compile(
    r'\$(?i:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)|\{(?:(?P<braced>[_a-z][_a-z0-9]*(?::?[-+?](.*))?)\}|(?P<invalid>)))',
)

_OPERATORS = (':?', '?', ':-', '-', ':+', '+')


def _first_brace_closing(s):
    depth = 0
    i = 0
    while i < len(s):
        if s[i] == '}':
            depth -= 1
            if depth == 0:
                return i
        if s.startswith('${', i):
            depth += 1
            i += 1
        i += 1
    return -1


def _pick_operator(text):
    best = None
    best_index = None
    for op in _OPERATORS:
        idx = text.find(op)
        if idx < 0:
            continue
        if best is None or idx < best_index:
            best, best_index = op, idx
    return best


def _apply_operator(op, substitution, lookup, warn):
    name, sep, arg = substitution.partition(op)
    if not sep:
        return None
    found, value = lookup(name)
    if op in (':?', '?'):
        valid = found and (op == '?' or value != '')
        if not valid:
            raise MissingRequiredError(name, substitute(arg, lookup, warn))
        return value
    if op in (':-', '-'):
        if not found or (op == ':-' and value == ''):
            return substitute(arg, lookup, warn)
        return value
    # ':+' and '+'
    if found and (op == '+' or value != ''):
        return substitute(arg, lookup, warn)
    return ''


def substitute(template, lookup, warn=None):
    """Interpolate ``template``.

    ``lookup(name)`` returns ``(found, value)``.  ``warn(name)`` is called for
    unset variables that default to an empty string.
    """
    errors = []

    def replace(match):
        substring = match.group(0)
        op = _pick_operator(substring)
        closing = _first_brace_closing(substring)
        rest = ''
        if closing > -1:
            rest = substring[closing + 1:]
            substring = substring[:closing + 1]
        sub = _PATTERN.match(substring)
        if sub is None or sub.group('escaped'):
            return '$'
        braced = False
        name = sub.group('named')
        if not name:
            name = sub.group('braced')
            braced = True
        if not name:
            errors.append(TemplateError('Invalid template: "%s"' % template))
            return ''
        try:
            if braced and op is not None:
                value = _apply_operator(op, name, lookup, warn)
                if value is not None:
                    return value + substitute(rest, lookup, warn)
            found, value = lookup(name)
        except (MissingRequiredError, TemplateError) as exc:
            errors.append(exc)
            return ''
        if not found:
            if warn is not None:
                warn(name)
            return ''
        return value

    result = _PATTERN.sub(replace, template)
    if errors:
        raise errors[0]
    return result


def mapping_lookup(*mappings):
    """Build a lookup over dicts, first one wins."""
    def lookup(name):
        for mapping in mappings:
            if name in mapping and mapping[name] is not None:
                return True, mapping[name]
        return False, ''
    return lookup


# ---------------------------------------------------------------------------
# dotenv
# ---------------------------------------------------------------------------

_DOTENV_SPACE = '\t\v\f\r \x85\xa0'
_ESCAPES = {'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v',
            '\\': '\\', '"': '"'}


def _expand_escapes(value):
    def repl(match):
        text = match.group(0)
        if text == '\\$':
            return '$$'
        if text.startswith('\\0'):
            return chr(int(text[2:] or '0', 8))
        return _ESCAPES[text[1]]
    return re.sub(r'\\(?:[abfnrtv$"\\]|0[0-7]{0,3})', repl, value)


def parse_dotenv(text, lookup=None):
    """Parse env file content; return an ordered dict of variables.

    ``lookup(name) -> (found, value)`` is consulted first when expanding
    ``$VAR`` in values, then the variables already read from this file.
    A line holding only a key inherits its value from ``lookup``.
    """
    out = {}
    if lookup is None:
        lookup = mapping_lookup()

    def expand(value):
        def combined(name):
            found, val = lookup(name)
            if found:
                return True, val
            if name in out:
                return True, out[name]
            return False, ''
        return substitute(value, combined)

    src = text
    line = 1
    pos = 0
    length = len(src)
    while True:
        # statement start: skip whitespace and comment lines
        while True:
            while pos < length and src[pos].isspace():
                if src[pos] == '\n':
                    line += 1
                pos += 1
            if pos >= length:
                return out
            if src[pos] != '#':
                break
            nl = src.find('\n', pos)
            if nl < 0:
                return out
            pos = nl
        # key
        if src.startswith('export', pos) and pos + 6 < length and src[pos + 6] in _DOTENV_SPACE:
            pos += 6
            while pos < length and src[pos] in _DOTENV_SPACE:
                pos += 1
        start = pos
        key = None
        inherited = False
        while pos < length:
            char = src[pos]
            if char in _DOTENV_SPACE:
                pos += 1
                continue
            if char in '=:\n':
                key = src[start:pos]
                inherited = char == '\n'
                pos += 1
                break
            if char in '_.-[]' or char.isalnum():
                pos += 1
                continue
            raise DotEnvError('line %d: unexpected character "%s" in variable name "%s"'
                              % (line, char, src[start:].split('\n')[0]))
        if key is None:
            key = src[start:pos]
            inherited = True
        key = key.rstrip()
        if ' ' in key:
            raise DotEnvError('line %d: key cannot contain a space' % line)
        if inherited:
            line += 1
            found, value = lookup(key)
            if found:
                out[key] = value
            continue
        while pos < length and src[pos] in _DOTENV_SPACE:
            pos += 1
        quote = src[pos] if pos < length and src[pos] in '"\'' else None
        if quote is None:
            nl = src.find('\n', pos)
            if nl < 0:
                raw, pos = src[pos:], length
            else:
                raw, pos = src[pos:nl], nl + 1
            line += 1
            raw = raw.split(' #', 1)[0].rstrip()
            out[key] = expand(raw)
            continue
        i = pos + 1
        closed = False
        while i < length:
            char = src[i]
            if char == '\n':
                line += 1
            if char != quote or src[i - 1] == '\\':
                i += 1
                continue
            value = src[pos + 1:i]
            if quote == '"':
                value = expand(_expand_escapes(value))
            out[key] = value
            pos = i + 1
            closed = True
            break
        if not closed:
            end = src.find('\n', pos)
            if end < 0:
                end = length
            raise DotEnvError('line %d: unterminated quoted value %s' % (line, src[pos:end]))
