"""The Custom Script handler's reading of its settings (providers/compute/custom_script.py): pure, the
script it would run or the handler's own error message."""

import base64
import gzip

import pytest

from dockyard_emulator.errors import HandlerError
from dockyard_emulator.providers.compute.custom_script import CSE_MAX_SCRIPT, custom_script_command


def b64(data):
    return base64.b64encode(data).decode()


def test_command_to_execute_runs_under_sh():
    assert custom_script_command({"commandToExecute": "echo hi"}, {}) == "#!/bin/sh\necho hi\n"
    assert custom_script_command({"timestamp": 3}, {"commandToExecute": "true"}) == "#!/bin/sh\ntrue\n"


def test_script_is_decoded_unzipped_and_dos2unixed():
    assert custom_script_command({"script": b64(b"\xef\xbb\xbfecho a\r\necho b\r\n")}, {}) == b"#!/bin/sh\necho a\necho b\n"
    zipped = b64(gzip.compress(b"#!/usr/bin/python3\r\nprint(1)\r\n"))
    assert custom_script_command({}, {"script": zipped}) == b"#!/usr/bin/python3\nprint(1)\n"
    kept = custom_script_command({"script": b64(b"echo a\r\n"), "skipDos2Unix": True}, {})
    assert kept == b"#!/bin/sh\necho a\r\n"


@pytest.mark.parametrize("public, protected, message", [
    ({}, {}, "either 'commandToExecute' or 'script' should be specified, but neither was specified"),
    ({"commandToExecute": "a", "script": b64(b"b")}, {}, "'commandToExecute' and 'script' were both specified"),
    ({"commandToExecute": "a"}, {"commandToExecute": "b"}, "'commandToExecute' was specified both in public and "
                                                            "protected settings"),
    ({"commandToExecute": "a", "colour": "red"}, {}, "invalid public settings JSON: colour: Additional property "
                                                     "colour is not allowed"),
    ({"commandToExecute": "a", "timestamp": "1"}, {}, "timestamp: Invalid type. Expected: integer"),
    ({"commandToExecute": "a", "skipDos2Unix": "yes"}, {}, "skipDos2Unix: Invalid type. Expected: boolean"),
    ({"commandToExecute": "a", "fileUris": ["https://x/y.sh"]}, {}, "fileUris are not supported"),
    ({"script": "not base64!"}, {}, "failed to decode script"),
    ({"script": b64(b"\x1f\x8bnot gzip")}, {}, "failed to decompress script"),
    ({"script": "A" * (CSE_MAX_SCRIPT + 4)}, {}, "exceeded the maximum allowed length"),
])
def test_settings_the_handler_refuses(public, protected, message):
    with pytest.raises(HandlerError) as err:
        custom_script_command(public, protected)
    assert message in err.value.message
