
# ---- dockyard.azure: appended to antsibull-docs' generated conf.py by `make docs` ----
# (docs/docsite/site/conf_extra.py; the generated part above defines `extensions` and friends)
import os as _os
import re as _re
import zlib as _zlib

# The guides (docs/*.md, copied to guides/ by `make docs`) are Markdown.
globals()["extensions"].append("myst_parser")

# No network while building: Sphinx would download the Ansible docs' whole intersphinx inventory.
# The generated pages link by label to two pages of the Ansible docs and to the plugins of other
# collections (M(ansible.builtin.uri) ...); a small local inventory resolves exactly those labels
# to their pages on docs.ansible.com.
_ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
_ANSIBLE_LABELS = {
    "common_return_values": ("reference_appendices/common_return_values.html", "Return Values"),
    "ansible_configuration_settings": ("reference_appendices/config.html", "Ansible Configuration Settings"),
}
_HERE = _os.path.dirname(_os.path.abspath(__file__))
# ansible_collections.<namespace>.<name>.<plugin>_<type>[__<anchor>] of any collection but this one
_OTHER_COLLECTION_LABEL = _re.compile(
    r"ansible_collections\.(?!dockyard\.azure\.)([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)_([a-z]+)(?:__([A-Za-z0-9_./-]+))?")
for _root, _dirs, _files in _os.walk(_os.path.join(_HERE, "rst")):
    for _file in _files:
        if _file.endswith(".rst"):
            with open(_os.path.join(_root, _file), encoding="utf-8") as _source:
                for _match in _OTHER_COLLECTION_LABEL.finditer(_source.read()):
                    _namespace, _name, _plugin, _type, _anchor = _match.groups()
                    _ANSIBLE_LABELS[_match.group(0)] = (
                        "collections/%s/%s/%s_%s.html%s" % (_namespace, _name, _plugin, _type, "#" + _anchor if _anchor else ""),
                        "%s.%s.%s %s" % (_namespace, _name, _plugin, _type))
# Ansible's own settings named by the pages (the inventory plugin's cache options, from ansible-core's
# inventory_cache fragment): :envvar:`ANSIBLE_CACHE_PLUGIN` -> the configuration settings page.
_ANSIBLE_ENVVAR = _re.compile(r":envvar:`(ANSIBLE(?:\\?_[A-Z0-9]+)+)`")  # the RST escapes the underscores
_ENVVARS = set()
for _root, _dirs, _files in _os.walk(_os.path.join(_HERE, "rst")):
    for _file in _files:
        if _file.endswith(".rst"):
            with open(_os.path.join(_root, _file), encoding="utf-8") as _source:
                _ENVVARS.update(name.replace("\\", "") for name in _ANSIBLE_ENVVAR.findall(_source.read()))
_INVENTORY = _os.path.join(_HERE, "ansible_devel.inv")
with open(_INVENTORY, "wb") as _inventory:
    _inventory.write(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
                     b"# The remainder of this file is compressed using zlib.\n")
    _inventory.write(_zlib.compress("".join(
        ["%s std:label -1 %s %s\n" % (label, uri, title) for label, (uri, title) in sorted(_ANSIBLE_LABELS.items())]
        + ["%s std:envvar -1 reference_appendices/config.html#envvar-%s -\n" % (name, name) for name in sorted(_ENVVARS)]
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
