# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VM images (private to dockyard.azure): short aliases, marketplace URNs (with `latest` resolved) and image resource IDs.

Parsing and comparison are pure; `resolve_image` makes the marketplace call
(virtual_machine_images.list or .get) through a compute client it is given.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import RestDict, ids_equal, lower, read_or_none
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError


class ImageSpec(TypedDict, total=False):
    """The image option parsed: an image resource ID, or a marketplace image (version may be 'latest')."""

    id: str
    publisher: str
    offer: str
    sku: str
    version: str
    alias: str | None


# alias -> (publisher, offer, sku, version). Gen2 SKUs: every current VM size supports them.
IMAGE_ALIASES = {
    'debian13': ('Debian', 'debian-13', '13-gen2', 'latest'),
    'debian12': ('Debian', 'debian-12', '12-gen2', 'latest'),
    'debian11': ('Debian', 'debian-11', '11-gen2', 'latest'),
    'ubuntu2404': ('Canonical', 'ubuntu-24_04-lts', 'server', 'latest'),
    'ubuntu2204': ('Canonical', '0001-com-ubuntu-server-jammy', '22_04-lts-gen2', 'latest'),
    'ubuntu2004': ('Canonical', '0001-com-ubuntu-server-focal', '20_04-lts-gen2', 'latest'),
    'rhel9': ('RedHat', 'RHEL', '9-lvm-gen2', 'latest'),
    'almalinux9': ('almalinux', 'almalinux-x86_64', '9-gen2', 'latest'),
    'rockylinux9': ('resf', 'rockylinux-x86_64', '9-base', 'latest'),
    'azurelinux3': ('MicrosoftCBLMariner', 'azure-linux-3', 'azure-linux-3-gen2', 'latest'),
}

# Image resource IDs: managed images, Compute Gallery image versions/definitions, shared/community galleries.
_IMAGE_ID_RE = re.compile(
    r'^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/'
    r'(images/[^/]+|galleries/[^/]+/images/[^/]+(/versions/[^/]+)?)$', re.IGNORECASE)
_URN_PART_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')


def alias_names() -> list[str]:
    return sorted(IMAGE_ALIASES)


def parse_image(value: str | None) -> ImageSpec:
    """An image spec dict from the `image` option; raises AzureModuleError naming the option.

    Returns {'id': ...} for an image resource ID, otherwise
    {'publisher', 'offer', 'sku', 'version', 'alias'} (version may be 'latest').
    """
    text = (value or '').strip()
    if not text:
        raise AzureModuleError('image: an image is required; use an alias (%s), a URN Publisher:Offer:Sku:Version '
                               'or an image resource ID.' % ', '.join(alias_names()))
    if text.startswith('/'):
        if not _IMAGE_ID_RE.match(text):
            raise AzureModuleError(
                "image: '%s' is not an image resource ID. Expected /subscriptions/<id>/resourceGroups/<group>/providers/"
                "Microsoft.Compute/images/<name> or .../galleries/<gallery>/images/<definition>[/versions/<version>]." % text)
        return {'id': text}
    alias = IMAGE_ALIASES.get(text.lower())
    if alias:
        publisher, offer, sku, version = alias
        return {'publisher': publisher, 'offer': offer, 'sku': sku, 'version': version, 'alias': text.lower()}
    parts = text.split(':')
    if len(parts) != 4 or not all(_URN_PART_RE.match(part) for part in parts):
        raise AzureModuleError(
            "image: '%s' is neither a known alias (%s) nor a URN Publisher:Offer:Sku:Version (use 'latest' as the "
            "version for the newest) nor an image resource ID." % (text, ', '.join(alias_names())))
    publisher, offer, sku, version = parts
    return {'publisher': publisher, 'offer': offer, 'sku': sku, 'version': 'latest' if version.lower() == 'latest' else version,
            'alias': None}


def image_urn(spec: ImageSpec) -> str:
    if spec.get('id'):
        return spec['id']
    return '%s:%s:%s:%s' % (spec['publisher'], spec['offer'], spec['sku'], spec['version'])


def version_key(version: str) -> tuple:
    """Sort key of a marketplace image version ('12.20240211.1588' -> (12, 20240211, 1588))."""
    key = []
    for part in str(version).split('.'):
        key.append((0, int(part), '') if part.isdigit() else (1, 0, part))
    return tuple(key)


def pick_latest(versions: list[str | None]) -> str | None:
    """The highest of the version strings, comparing numerically part by part; None if empty."""
    present = [version for version in versions if version]
    return max(present, key=version_key) if present else None


def image_reference(spec: ImageSpec) -> dict[str, Any]:
    """The storageProfile.imageReference body of a (resolved) image spec."""
    if spec.get('id'):
        return {'id': spec['id']}
    return {'publisher': spec['publisher'], 'offer': spec['offer'], 'sku': spec['sku'], 'version': spec['version']}


def image_matches(spec: ImageSpec, actual_reference: RestDict | None) -> bool:
    """Whether a VM created from `actual_reference` satisfies the image option `spec`.

    Publisher, offer and SKU compare case-insensitively; a 'latest' version accepts any version
    (the VM keeps the version it was created from), a fixed version must equal the VM's.
    """
    actual = actual_reference or {}
    if spec.get('id'):
        return ids_equal(spec['id'], actual.get('id'))
    for key in ('publisher', 'offer', 'sku'):
        if lower(spec.get(key)) != lower(actual.get(key)):
            return False
    if spec.get('version', 'latest') == 'latest':
        return True
    return spec['version'] in (actual.get('exactVersion'), actual.get('version'))


def actual_image_text(actual_reference: RestDict | None) -> str:
    actual = actual_reference or {}
    if actual.get('id'):
        return actual['id']
    return '%s:%s:%s:%s' % (actual.get('publisher'), actual.get('offer'), actual.get('sku'),
                            actual.get('exactVersion') or actual.get('version'))


def resolve_image(compute: Any, location: str, spec: ImageSpec) -> ImageSpec:
    """Check that a marketplace image exists in `location` and pin 'latest' to the newest version.

    One call: virtual_machine_images.list (for 'latest') or .get (for a fixed version).
    Image resource IDs are returned unchanged (Azure checks them when the VM is created).
    """
    if spec.get('id'):
        return spec.copy()
    what = image_urn(spec)
    error_prefix = "image: could not look up '%s' in '%s'" % (what, location)
    unknown = AzureModuleError(
        "image: '%s' was not found in location '%s'. Use an alias (%s), or a URN Publisher:Offer:Sku:Version "
        "that exists there (az vm image list --location %s --all)."
        % (spec.get('alias') or what, location, ', '.join(alias_names()), location), image=what)
    images = compute.virtual_machine_images
    if spec['version'] == 'latest':
        listed = read_or_none(what, images.list, location, spec['publisher'], spec['offer'], spec['sku'], error_prefix=error_prefix)
        latest = pick_latest([(item or {}).get('name') for item in listed or []])
        if latest is None:
            raise unknown
        resolved = spec.copy()
        resolved['version'] = latest
        return resolved
    found = read_or_none(what, images.get, location, spec['publisher'], spec['offer'], spec['sku'], spec['version'],
                         error_prefix=error_prefix)
    if found is None:
        raise unknown
    return spec.copy()
