# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copy images between two Docker engines by streaming ``save`` into ``load``."""


from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import one_line
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError


class ImageCopyError(DockyardError):
    """Copying an image failed; the message names the image and the engine."""


def _status(exc):
    return getattr(getattr(exc, 'response', None), 'status_code', None)


def _image_id(client, ref, where):
    try:
        return client.inspect_image(ref).get('Id')
    except Exception as exc:  # pylint: disable=broad-except
        if _status(exc) == 404:
            return None
        raise ImageCopyError('inspect image %s on the %s engine: %s' % (ref, where, one_line(exc))) from exc


def _split_ref(ref):
    name = ref
    if '@' in name:
        return name, None
    last = name.rsplit('/', 1)[-1]
    if ':' in last:
        repo, tag = name.rsplit(':', 1)
        return repo, tag
    return name, 'latest'


def plan_copy(source, target, images):
    """[{'image', 'id', 'action': 'copy'|'tag'|'skip'}] (reads only)."""
    plan = []
    for ref in images:
        image_id = _image_id(source, ref, 'source')
        if image_id is None:
            raise ImageCopyError('images: %s is not present on the source engine' % ref)
        on_target = _image_id(target, ref, 'target')
        if on_target == image_id:
            action = 'skip'
        elif _image_id(target, image_id, 'target') == image_id:
            action = 'tag'
        else:
            action = 'copy'
        plan.append({'image': ref, 'id': image_id, 'action': action})
    return plan


def copy_image(source, target, ref, chunk_size=2 * 1024 * 1024):
    """Stream ``docker save ref`` from source into ``docker load`` on target."""
    try:
        stream = source.get_image(ref, chunk_size=chunk_size)
    except Exception as exc:  # pylint: disable=broad-except
        raise ImageCopyError('save image %s on the source engine: %s' % (ref, one_line(exc))) from exc
    try:
        result = target.load_image(stream)
        for event in result or []:
            if isinstance(event, dict) and (event.get('error') or event.get('errorDetail')):
                raise ImageCopyError('load image %s on the target engine: %s'
                                     % (ref, event.get('error') or event['errorDetail'].get('message')))
    except ImageCopyError:
        raise
    except Exception as exc:  # pylint: disable=broad-except
        raise ImageCopyError('load image %s on the target engine: %s' % (ref, one_line(exc))) from exc


def tag_image(target, image_id, ref):
    repo, tag = _split_ref(ref)
    try:
        target.tag(image_id, repo, tag)
    except Exception as exc:  # pylint: disable=broad-except
        raise ImageCopyError('tag image %s on the target engine: %s' % (ref, one_line(exc))) from exc
