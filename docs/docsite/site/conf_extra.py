
# ---- dockyard.azure: appended to antsibull-docs' generated conf.py by `make docs` ----
# (docs/docsite/site/conf_extra.py; the generated part above defines `extensions` and friends)
import os as _os
import re as _re
import zlib as _zlib

# The guides (docs/*.md, copied to guides/ by `make docs`) are Markdown.
globals()["extensions"].append("myst_parser")

# No network while building. The generated pages link to two pages of the Ansible docs by label;
# a small local intersphinx inventory resolves them to docs.ansible.com (Sphinx would otherwise
# download the whole inventory from there).
_ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
_ANSIBLE_LABELS = {
    "common_return_values": ("reference_appendices/common_return_values.html", "Return Values"),
    "ansible_configuration_settings": ("reference_appendices/config.html", "Ansible Configuration Settings"),
}
_INVENTORY = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "ansible_devel.inv")
with open(_INVENTORY, "wb") as _inventory:
    _inventory.write(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
                     b"# The remainder of this file is compressed using zlib.\n")
    _inventory.write(_zlib.compress("".join(
        "%s std:label -1 %s %s\n" % (label, uri, title) for label, (uri, title) in sorted(_ANSIBLE_LABELS.items())
    ).encode()))
intersphinx_mapping = {"ansible_devel": (_ANSIBLE_DOCS, _INVENTORY)}

# Links from a guide to files outside docs/ (a role's README, a script) point at the repository.
_SOURCE_URL = _os.environ.get("DOCKYARD_DOCS_SOURCE_URL", "https://example.invalid/dockyard/azure/blob/main").rstrip("/")
_OUTSIDE_DOCS = _re.compile(r"\]\(\.\./([^)\s]+)\)")


def _link_outside_docs(app, docname, source):
    if docname.startswith("guides/"):
        source[0] = _OUTSIDE_DOCS.sub(lambda match: "](%s/%s)" % (_SOURCE_URL, match.group(1)), source[0])


def setup(app):
    app.connect("source-read", _link_outside_docs)
