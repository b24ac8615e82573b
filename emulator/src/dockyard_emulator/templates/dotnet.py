"""The .NET formatting ARM inherits: composite format strings ({0}, {0:N2}, {1,-5}), numeric
format specifiers, DateTime custom and standard formats (en-US, as ARM's documented outputs
show) and ISO 8601 durations for dateTimeAdd()."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from typing import Any

from .errors import ExpressionError

_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_STANDARD_DATE = {   # InvariantCulture patterns: utcNow('d') is documented as 03/05/2019
    "d": "MM/dd/yyyy", "D": "dddd, dd MMMM yyyy", "t": "HH:mm", "T": "HH:mm:ss",
    "f": "dddd, dd MMMM yyyy HH:mm", "F": "dddd, dd MMMM yyyy HH:mm:ss", "g": "MM/dd/yyyy HH:mm",
    "G": "MM/dd/yyyy HH:mm:ss", "m": "MMMM dd", "M": "MMMM dd", "y": "yyyy MMMM", "Y": "yyyy MMMM",
    "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'", "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "o": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK", "O": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'", "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
}
_DATE_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|\\.|y+|M+|d+|H+|h+|m+|s+|f+|F+|t+|K|z+|.", re.S)


def to_text(value: Any, *, quote: str = '"') -> str:
    """A value as .NET's JToken.ToString would render it inside a string (bools are True/False)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, (dict, list)):
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        if quote == "'":
            text = _single_quoted_json(value)
        return text
    return str(value)


def _float_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value).replace("e+", "E+").replace("e-", "E-")


def _single_quoted_json(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{_squote(k)}:{_single_quoted_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_single_quoted_json(v) for v in value) + "]"
    if isinstance(value, str):
        return _squote(value)
    return json.dumps(value)


def _squote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def format_number(value: int | float, spec: str) -> str:
    """A .NET standard numeric format (D, N, F, X, P, E, G, C) with optional precision."""
    if not spec:
        return to_text(value)
    kind, digits = spec[0], spec[1:]
    if digits and not digits.isdigit():
        return _custom_number(value, spec)
    precision = int(digits) if digits else None
    upper = kind.upper()
    if upper == "D":
        if not isinstance(value, int):
            raise ExpressionError(f"Format specifier '{spec}' is only valid for integers.")
        body = str(abs(value)).zfill(precision or 0)
        return ("-" if value < 0 else "") + body
    if upper == "X":
        if not isinstance(value, int):
            raise ExpressionError(f"Format specifier '{spec}' is only valid for integers.")
        text = format(value & 0xFFFFFFFFFFFFFFFF if value < 0 else value, "x").zfill(precision or 0)
        return text.upper() if kind == "X" else text
    if upper == "N":
        return f"{value:,.{2 if precision is None else precision}f}"
    if upper == "F":
        return f"{value:.{2 if precision is None else precision}f}"
    if upper == "P":
        return f"{value * 100:,.{2 if precision is None else precision}f} %"
    if upper == "C":
        return ("-" if value < 0 else "") + f"${abs(value):,.{2 if precision is None else precision}f}"
    if upper == "E":
        mantissa, exponent = f"{value:.{6 if precision is None else precision}e}".split("e")
        sign, number = exponent[0], exponent[1:].lstrip("0")
        return f"{mantissa}{kind}{sign}{number.zfill(3)}"
    if upper in ("G", "R"):
        return to_text(value)
    return _custom_number(value, spec)


def _custom_number(value: int | float, spec: str) -> str:
    """Enough of custom numeric formats for zero padding and grouping ("000", "#,##0.00")."""
    if not re.fullmatch(r"[0#,]*(\.[0#]+)?", spec):
        return spec
    integer, _, fraction = spec.partition(".")
    decimals = len(fraction)
    text = f"{abs(value):{',' if ',' in integer else ''}.{decimals}f}"
    whole, _, frac = text.partition(".")
    whole = whole.zfill(integer.count("0") + (whole.count(",") if "," in integer else 0))
    if fraction:
        kept = len(fraction.rstrip("#"))
        frac = frac.rstrip("0").ljust(kept, "0")
    result = whole + ("." + frac if frac else "")
    return ("-" if value < 0 else "") + result


def composite_format(template: str, args: list[Any]) -> str:
    """String.Format: {index[,alignment][:format]} with {{ and }} escapes."""
    out: list[str] = []
    pos = 0
    while pos < len(template):
        char = template[pos]
        if char in "{}" and template[pos:pos + 2] in ("{{", "}}"):
            out.append(char)
            pos += 2
            continue
        if char == "}":
            raise ExpressionError("Input string was not in a correct format.")
        if char != "{":
            out.append(char)
            pos += 1
            continue
        end = template.find("}", pos)
        match = re.fullmatch(r"\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?(?::(.*))?", template[pos + 1:end]) if end > 0 else None
        if not match:
            raise ExpressionError("Input string was not in a correct format.")
        index = int(match.group(1))
        if index >= len(args):
            raise ExpressionError("Index (zero based) must be greater than or equal to zero and less than the size of the argument list.")
        value, spec = args[index], match.group(3) or ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = format_number(value, spec)
        else:
            text = to_text(value, quote="'")
        width = int(match.group(2) or 0)
        out.append(text.rjust(width) if width >= 0 else text.ljust(-width))
        pos = end + 1
    return "".join(out)


def parse_datetime(value: str) -> dt.datetime:
    """ISO 8601 date-times as ARM accepts them ('2020-04-07 14:53:14Z', '...T...', offsets)."""
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    match = re.fullmatch(r"(.*T\d{2}:\d{2}:\d{2})\.(\d+)(.*)", text)
    if match:  # Python takes at most 6 fractional digits; .NET gives 7
        text = f"{match.group(1)}.{match.group(2)[:6].ljust(6, '0')}{match.group(3)}"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ExpressionError(f"The provided DateTime value '{value}' is not a valid ISO 8601 date-time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def format_datetime(value: dt.datetime, fmt: str) -> str:
    """A .NET DateTime format string (standard single letter or custom pattern), en-US names."""
    pattern = _STANDARD_DATE.get(fmt, fmt) if len(fmt) == 1 else fmt
    out: list[str] = []
    for token in _DATE_TOKEN.findall(pattern):
        out.append(_date_token(value, token))
    return "".join(out)


def _date_token(value: dt.datetime, token: str) -> str:
    head, size = token[0], len(token)
    if head in "'\"" and size >= 2 and token[-1] == head:
        return token[1:-1]
    if head == "\\" and size == 2:
        return token[1]
    if head == "y":
        return str(value.year % 100).zfill(2) if size == 2 else str(value.year).zfill(size)
    if head == "M":
        return [str(value.month), f"{value.month:02d}", _MONTHS[value.month - 1][:3], _MONTHS[value.month - 1]][min(size, 4) - 1]
    if head == "d":
        return [str(value.day), f"{value.day:02d}", _DAYS[value.weekday()][:3], _DAYS[value.weekday()]][min(size, 4) - 1]
    if head == "H":
        return f"{value.hour:0{min(size, 2)}d}"
    if head == "h":
        return f"{(value.hour % 12) or 12:0{min(size, 2)}d}"
    if head == "m":
        return f"{value.minute:0{min(size, 2)}d}"
    if head == "s":
        return f"{value.second:0{min(size, 2)}d}"
    if head in "fF":
        digits = f"{value.microsecond:06d}0"[:size]
        return digits.rstrip("0") if head == "F" else digits
    if head == "t":
        return ("AM" if value.hour < 12 else "PM")[:size]
    if token == "K" or head == "z":
        return "Z" if token == "K" else "+00:00"[: {1: 3, 2: 3}.get(size, 6)]
    return token


def same_format_as(text: str) -> str:
    """The format a date-time text was written in (dateTimeAdd() keeps the base value's format)."""
    stripped = text.strip()
    if re.fullmatch(r"\d{8}T\d{6}Z", stripped):
        return "yyyyMMddTHHmmssZ"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z", stripped):
        return "u"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped):
        return "yyyy-MM-dd"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", stripped):
        return "s"
    fraction = re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d+)Z", stripped)
    if fraction:
        return "yyyy-MM-ddTHH:mm:ss." + "f" * min(len(fraction.group(1)), 7) + "Z"
    return "yyyy-MM-ddTHH:mm:ssZ"


_DURATION = re.compile(r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def add_duration(value: dt.datetime, duration: str) -> dt.datetime:
    """Add an ISO 8601 duration (P1Y2M3DT4H5M6S, PT1H, -P9D) the calendar way."""
    match = _DURATION.fullmatch(duration.strip())
    if not match or duration.strip() in ("P", "-P", "PT") or duration.strip().endswith("T"):
        raise ExpressionError(f"The provided duration '{duration}' is not a valid ISO 8601 duration.")
    sign = -1 if match.group(1) else 1
    years, months, weeks, days, hours, minutes = (int(g or 0) for g in match.groups()[1:7])
    seconds = float(match.group(8) or 0)
    month_index = value.month - 1 + sign * (years * 12 + months)
    year, month = value.year + month_index // 12, month_index % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    moved = value.replace(year=year, month=month, day=day)
    return moved + sign * dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
