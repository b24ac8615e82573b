# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One deployment of a Compose project by our engine, as one process (what ``docker compose up -d`` is for the CLI).

    python deploy.py PROJECT_DIR PROJECT_NAME [--profile]

Loads the project (our loader), plans and applies it with our engine on the local Docker engine
(DOCKER_HOST or the socket), and exits. ``--profile`` prints where the time went on stderr: interpreter
start to first import, imports, load, observe + plan, apply. Run by bench.py with the collection on
PYTHONPATH (the ansible_collections directory).
"""

from __future__ import annotations

import sys
import time

STARTED = time.perf_counter()


def main():
    project_dir, name = sys.argv[1], sys.argv[2]
    marks = [('start', STARTED)]
    from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels  # noqa: PLC0415
    from ansible_collections.dockyard.azure.plugins.module_utils.compose.engine import ComposeEngine  # noqa: PLC0415
    from ansible_collections.dockyard.azure.plugins.module_utils.compose.loader import load_project  # noqa: PLC0415
    from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import get_api_client  # noqa: PLC0415
    marks.append(('imports', time.perf_counter()))
    model = load_project(project_dir=project_dir, project_name=name)
    marks.append(('load', time.perf_counter()))
    working_dir, files, env_files = labels.project_paths(project_dir)
    engine = ComposeEngine(get_api_client({}))
    engine.run(name, model, {'state': 'present'},
               {'working_dir': working_dir, 'config_files': files, 'environment_files': env_files})
    marks.append(('engine', time.perf_counter()))
    if '--profile' in sys.argv:
        sys.stderr.write(' '.join('%s %.3f' % (label, at - before) for (label, at), (_prev, before)
                                  in zip(marks[1:], marks[:-1])) + '\n')


if __name__ == '__main__':
    main()
