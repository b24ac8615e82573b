# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load one Compose project with our loader and print it as JSON: what ``docker compose config --format json`` does.

    python load.py CASE_DIR ARGS_JSON

ARGS_JSON is the ``args`` mapping of the case's case.yml (files, env_files, environment, profiles,
services, project_name). Exit status 1 with the message on stderr when the loader refuses the project,
as the CLI does. Run by bench.py with the collection on PYTHONPATH (the ansible_collections directory).
"""

from __future__ import annotations

import json
import sys


def main():
    case_dir, args = sys.argv[1], json.loads(sys.argv[2])
    from ansible_collections.dockyard.azure.plugins.module_utils.compose.loader import ComposeError, load_project  # noqa: PLC0415
    env = {'HOME': '/root'}
    env.update(args.get('environment') or {})
    try:
        model = load_project(project_dir=case_dir, files=args.get('files'), env_files=args.get('env_files'), environment=env,
                             profiles=args.get('profiles'), services=args.get('services'), project_name=args.get('project_name'))
    except ComposeError as exc:
        sys.stderr.write('%s\n' % exc)
        return 1
    json.dump(model, sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main())
