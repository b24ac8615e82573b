"""Offline stand-in for the get-pip.py script that `ansible-test --venv` downloads.

ansible-test runs this file as ``python get_pip_X_Y.py [pip options] pip==X.Y ...`` inside a
fresh virtual environment. Here pip comes from the interpreter's own ensurepip, then pip
installs the requested packages from the configured package index.
"""

import ensurepip
import runpy
import sys

# get-pip.py understands these; pip itself does not.
GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}


def main():
    ensurepip.bootstrap(upgrade=True)
    arguments = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    sys.argv = ["pip", "install", *arguments]
    runpy.run_module("pip", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
