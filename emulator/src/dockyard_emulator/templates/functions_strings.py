"""Template functions over strings: text, encodings, URIs, hashes and dates."""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.parse
import uuid
from typing import Any

from .dotnet import add_duration, composite_format, format_datetime, parse_datetime, same_format_as, to_text
from .errors import ExpressionError
from .evaluator import Context, Function
from .functions_values import expect
from .hashing import arm_guid, unique_string


def _string(ctx: Context, args: list[Any]) -> str:
    value = args[0]
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    return to_text(value)


def _substring(ctx: Context, args: list[Any]) -> str:
    text = expect("substring", args[0], "string")
    start = expect("substring", args[1], "int") if len(args) > 1 else 0
    length = expect("substring", args[2], "int") if len(args) > 2 else len(text) - start
    if start < 0 or length < 0 or start + length > len(text):
        raise ExpressionError("The index and length parameters must refer to a location within the string. "
                              f"The index parameter: '{start}', the length parameter: '{length}', "
                              f"the length of the string parameter: '{len(text)}'.")
    return text[start:start + length]


def _split(ctx: Context, args: list[Any]) -> list[str]:
    text = expect("split", args[0], "string")
    delimiters = args[1] if isinstance(args[1], list) else [expect("split", args[1], "string")]
    parts = [text]
    for delimiter in delimiters:
        if delimiter:
            parts = [piece for part in parts for piece in part.split(delimiter)]
    return parts


def _join(ctx: Context, args: list[Any]) -> str:
    return expect("join", args[1], "string").join(to_text(item) for item in expect("join", args[0], "array"))


def _pad_left(ctx: Context, args: list[Any]) -> str:
    value = args[0]
    text = to_text(expect("padLeft", value, "string", "int"))
    pad = expect("padLeft", args[2], "string") if len(args) > 2 else " "
    if len(pad) != 1:
        raise ExpressionError("The template language function 'padLeft' expects a single padding character.")
    return text.rjust(expect("padLeft", args[1], "int"), pad)


def _starts_ends(name: str, args: list[Any]) -> bool:
    text, part = (expect(name, a, "string").lower() for a in args)   # case-insensitive
    return text.startswith(part) if name == "startsWith" else text.endswith(part)


def _base64_decode(name: str, value: Any) -> str:
    try:
        return base64.b64decode(expect(name, value, "string"), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise ExpressionError(f"The template language function '{name}' expects a valid base64 string.") from None


def _uri(ctx: Context, args: list[Any]) -> str:
    base, relative = (expect("uri", a, "string") for a in args)
    if not urllib.parse.urlsplit(base).scheme:
        raise ExpressionError(f"The template language function 'uri' expects an absolute base URI, got '{base}'.")
    return urllib.parse.urljoin(base, relative)


def _uri_component(ctx: Context, args: list[Any]) -> str:
    return urllib.parse.quote(expect("uriComponent", args[0], "string"), safe="-_.~")


def _data_uri(ctx: Context, args: list[Any]) -> str:
    text = to_text(args[0]) if not isinstance(args[0], str) else args[0]
    return "data:text/plain;charset=utf8;base64," + base64.b64encode(text.encode("utf-8")).decode()


def _data_uri_to_string(ctx: Context, args: list[Any]) -> str:
    header, _, data = expect("dataUriToString", args[0], "string").partition(",")
    if not header.startswith("data:"):
        raise ExpressionError("The template language function 'dataUriToString' expects a data URI.")
    if header.endswith(";base64"):
        return _base64_decode("dataUriToString", data)
    return urllib.parse.unquote(data)


def _hash_args(name: str, args: list[Any]) -> list[str]:
    for arg in args:
        if not isinstance(arg, str):
            raise ExpressionError(f"The template language function '{name}' expects its parameters to be of type 'String'. "
                                  f"Please see {'https://aka.ms/arm-functions'} for usage details.")
    return list(args)


def _only_in_defaults(name: str, ctx: Context) -> None:
    if ctx.where != "parameterDefault":
        raise ExpressionError(f"The template function '{name}' is not expected at this location. "
                              "The function can only be used with parameter default values.")


def _utc_now(ctx: Context, args: list[Any]) -> str:
    _only_in_defaults("utcNow", ctx)
    return format_datetime(ctx.host.now, expect("utcNow", args[0], "string") if args else "yyyyMMddTHHmmssZ")


def _new_guid(ctx: Context, args: list[Any]) -> str:
    _only_in_defaults("newGuid", ctx)
    return str(uuid.uuid4())


def _date_time_add(ctx: Context, args: list[Any]) -> str:
    base = expect("dateTimeAdd", args[0], "string")
    moved = add_duration(parse_datetime(base), expect("dateTimeAdd", args[1], "string"))
    return format_datetime(moved, expect("dateTimeAdd", args[2], "string") if len(args) > 2 else same_format_as(base))


def _date_time_to_epoch(ctx: Context, args: list[Any]) -> int:
    return int(parse_datetime(expect("dateTimeToEpoch", args[0], "string")).timestamp())


def _date_time_from_epoch(ctx: Context, args: list[Any]) -> str:
    moment = dt.datetime.fromtimestamp(expect("dateTimeFromEpoch", args[0], "int"), dt.timezone.utc)
    return format_datetime(moment, "yyyy-MM-ddTHH:mm:ssZ")


def _format(ctx: Context, args: list[Any]) -> str:
    return composite_format(expect("format", args[0], "string"), list(args[1:]))


def _replace(ctx: Context, args: list[Any]) -> str:
    text, old, new = (expect("replace", a, "string") for a in args)
    return text.replace(old, new) if old else text


def _simple(fn: Any, lo: int, hi: int | None = None) -> Function:
    return Function(lambda ctx, args: fn(args), lo, lo if hi is None else hi)


FUNCTIONS: dict[str, Function] = {
    "string": Function(_string, 1, 1),
    "substring": Function(_substring, 1, 3),
    "tolower": _simple(lambda a: expect("toLower", a[0], "string").lower(), 1),
    "toupper": _simple(lambda a: expect("toUpper", a[0], "string").upper(), 1),
    "trim": _simple(lambda a: expect("trim", a[0], "string").strip(), 1),
    "replace": Function(_replace, 3, 3),
    "split": Function(_split, 2, 2),
    "join": Function(_join, 2, 2),
    "padleft": Function(_pad_left, 2, 3),
    "startswith": _simple(lambda a: _starts_ends("startsWith", a), 2),
    "endswith": _simple(lambda a: _starts_ends("endsWith", a), 2),
    "format": Function(_format, 1, None),
    "base64": _simple(lambda a: base64.b64encode(expect("base64", a[0], "string").encode("utf-8")).decode(), 1),
    "base64tostring": _simple(lambda a: _base64_decode("base64ToString", a[0]), 1),
    "base64tojson": _simple(lambda a: json.loads(_base64_decode("base64ToJson", a[0])), 1),
    "datauri": Function(_data_uri, 1, 1),
    "datauritostring": Function(_data_uri_to_string, 1, 1),
    "uri": Function(_uri, 2, 2),
    "uricomponent": Function(_uri_component, 1, 1),
    "uricomponenttostring": _simple(lambda a: urllib.parse.unquote(expect("uriComponentToString", a[0], "string")), 1),
    "uniquestring": Function(lambda ctx, a: unique_string(*_hash_args("uniqueString", a)), 1, None),
    "guid": Function(lambda ctx, a: arm_guid(*_hash_args("guid", a)), 1, None),
    "newguid": Function(_new_guid, 0, 0),
    "utcnow": Function(_utc_now, 0, 1),
    "datetimeadd": Function(_date_time_add, 2, 3),
    "datetimetoepoch": Function(_date_time_to_epoch, 1, 1),
    "datetimefromepoch": Function(_date_time_from_epoch, 1, 1),
}
