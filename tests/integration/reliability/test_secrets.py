# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret a module is given (or makes) shows anywhere, at -vvvv, with --diff and in check mode (issue 11).

One playbook runs every module that takes a secret: Azure credentials given as options (a client
secret; a certificate with its password), a VM whose custom data holds a secret, a VM extension
with protected settings, docker_extension with a TLS server key (as text), a registry password and
a Compose environment value, compose with a secret in its interpolation environment, arm_deployment
with a secure parameter, vm_run_command with protected parameters and a run-as password, and
docker_tls (the private keys it writes). It runs three times: check mode with diff, then for real, then again
with diff; all at -vvvv. Then stdout, stderr, the task results and the emulator's request log are
searched for every secret value.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from azure_rest import Arm
from harness import KEY, TEST_IMAGE, Playbook, remove_project, unique, write_playbook


def encrypted_client_certificate(state_dir, path, password):
    """The emulator's client certificate with its key encrypted by `password` (what CertificateCredential takes)."""
    from cryptography.hazmat.primitives import serialization
    pem = (Path(state_dir) / "client.pem").read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    certificate = pem[pem.index(b"-----BEGIN CERTIFICATE-----"):]
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(password.encode()))
    Path(path).write_bytes(encrypted + certificate)


def key_lines(path):
    """Lines of a PEM private key's body: any one of them in the output would be a leak."""
    return [line for line in Path(path).read_text().splitlines() if line and not line.startswith("-----")]


def test_no_secret_shows_at_vvvv_with_diff_or_in_check_mode(emulator, engine, busybox, tmp_path, figures):
    env = emulator.env
    arm = Arm(env)
    marker = uuid.uuid4().hex[:10]
    secrets = {
        "client_secret": env["AZURE_CLIENT_SECRET"],
        "client_certificate_password": "dy-cert-pass-" + marker,
        "custom_data": "dy-custom-data-" + marker,
        "protected_settings": "dy-protected-" + marker,
        "registry_password": "dy-registry-pass-" + marker,
        "docker_extension_compose_environment": "dy-ext-compose-env-" + marker,
        "compose_environment": "dy-compose-env-" + marker,
        "secure_parameters": "dy-secure-param-" + marker,
        "protected_parameters": "dy-protected-param-" + marker,
        "run_as_password": "dy-run-as-pass-" + marker,
    }
    rg = unique("dysecret-")
    status, body = arm.call("PUT", "/resourcegroups/" + rg, "2022-09-01", {"location": "westeurope"})
    assert status in (200, 201), body
    certificate = tmp_path / "sp-encrypted.pem"
    encrypted_client_certificate(emulator.state_dir, certificate, secrets["client_certificate_password"])
    vm_args = {"resource_group": rg, "size": "Standard_B1s", "image": "debian12", "ssh_public_keys": [KEY],
               "public_ip": True, "inbound_rules": [{"ports": ["22"], "source_prefixes": ["203.0.113.0/24"]}]}
    setup = write_playbook(tmp_path, "setup", [
        {"name": "VM for the extensions", "dockyard.azure.vm": dict(vm_args, name=rg + "-ext")},
        {"name": "TLS material", "dockyard.azure.docker_tls": {"path": str(tmp_path / "pki"), "ip_addresses": ["10.0.0.4"]}},
    ])
    Playbook(setup, tmp_path, env).run()
    server_key_text = (tmp_path / "pki" / "server-key.pem").read_text()
    tls_keys = [tmp_path / directory / name for directory in ("pki", "pki-made")
                for name in ("ca-key.pem", "server-key.pem", "key.pem")]
    project = unique("dysecret")
    tasks = [
        {"name": "Credentials as options: a client secret", "dockyard.azure.resource_group_info": {
            "name": rg, "auth_source": "service_principal", "tenant_id": env["AZURE_TENANT_ID"],
            "client_id": env["AZURE_CLIENT_ID"], "client_secret": secrets["client_secret"]}},
        {"name": "Credentials as options: a certificate and its password", "environment": {"AZURE_CLIENT_SECRET": ""},
         "dockyard.azure.resource_group_info": {
             "name": rg, "auth_source": "service_principal", "tenant_id": env["AZURE_TENANT_ID"],
             "client_id": env["AZURE_CLIENT_ID"], "client_certificate_path": str(certificate),
             "client_certificate_password": secrets["client_certificate_password"]}},
        {"name": "A VM whose custom data holds a secret", "dockyard.azure.vm": dict(
            vm_args, name=rg + "-cd", custom_data="#!/bin/sh\necho token=%s > /etc/token\n" % secrets["custom_data"])},
        {"name": "An extension with protected settings", "dockyard.azure.vm_extension": {
            # Another handler than docker_extension's Custom Script (a Linux VM takes one extension per handler).
            "vm_name": rg + "-ext", "resource_group": rg, "name": "probe", "publisher": "Microsoft.OSTCExtensions",
            "type": "CustomScriptForLinux", "type_handler_version": "1.5",
            "protected_settings": {"commandToExecute": "echo %s" % secrets["protected_settings"]}}},
        {"name": "Docker with a TLS key, a registry login and a Compose environment", "dockyard.azure.docker_extension": {
            "vm_name": rg + "-ext", "resource_group": rg, "name": "dockyard-docker", "tcp_port": 2376,
            "tls_ca_cert": str(tmp_path / "pki" / "ca.pem"), "tls_server_cert": str(tmp_path / "pki" / "server-cert.pem"),
            "tls_server_key": server_key_text,
            "registries": [{"server": "registry.example", "username": "bot", "password": secrets["registry_password"]}],
            "compose": {"definition": {"services": {"app": {"image": "busybox", "environment": {"T": "${T}"}}}},
                        "environment": {"T": secrets["docker_extension_compose_environment"]}}}},
        {"name": "The same as cloud-init", "dockyard.azure.docker_extension": {
            "output": "cloud_init", "tls_ca_cert": str(tmp_path / "pki" / "ca.pem"),
            "tls_server_cert": str(tmp_path / "pki" / "server-cert.pem"), "tls_server_key": server_key_text,
            "registries": [{"server": "registry.example", "username": "bot", "password": secrets["registry_password"]}]}},
        {"name": "Compose with a secret in its environment", "dockyard.azure.compose": {
            "project_name": project, "environment": {"DB_PASSWORD": secrets["compose_environment"]},
            "definition": {"services": {"db": {"image": TEST_IMAGE, "command": ["sleep", "3600"], "stop_grace_period": "1s",
                                               "environment": {"DB_PASSWORD": "${DB_PASSWORD}"}}}}}},
        {"name": "A template deployment with a secure parameter", "dockyard.azure.arm_deployment": {
            "resource_group": rg, "name": "dysecret-template",
            "template": {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                         "contentVersion": "1.0.0.0",
                         "parameters": {"adminPassword": {"type": "securestring"}, "label": {"type": "string"}},
                         "resources": [{"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
                                        "name": "dysecret-nsg", "location": "westeurope",
                                        "tags": {"label": "[parameters('label')]"}}],
                         "outputs": {"label": {"type": "string", "value": "[parameters('label')]"}}},
            "parameters": {"label": "visible"}, "secure_parameters": {"adminPassword": secrets["secure_parameters"]}}},
        {"name": "A run command with protected parameters and a run-as password", "dockyard.azure.vm_run_command": {
            "resource_group": rg, "vm_name": rg + "-ext", "script": ["echo \"$TOKEN\""], "run_as_user": "azureuser",
            "parameters": {"WHO": "visible"}, "protected_parameters": {"TOKEN": secrets["protected_parameters"]},
            "run_as_password": secrets["run_as_password"]}},
        {"name": "A canary (not a secret): shows that the search looks where task output goes",
         "ansible.builtin.debug": {"msg": "canary-" + marker}},
        {"name": "TLS material made (again on every run)", "dockyard.azure.docker_tls": {
            "path": str(tmp_path / "pki-made"), "ip_addresses": ["10.0.0.4"], "force": True}},
    ]
    playbook = Playbook(write_playbook(tmp_path, "secrets", tasks), tmp_path, env)
    since = emulator.last_sequence()
    runs = []
    try:
        for mode in (dict(check=True, diff=True), dict(), dict(diff=True)):
            runs.append(playbook.run(verbosity=4, **mode))
        # The secret did reach where it belongs: the container's environment (read from the engine, not the output).
        container_env = engine.api.inspect_container(project + "-db-1")["Config"]["Env"]
    finally:
        remove_project(engine, project)
    assert "DB_PASSWORD=" + secrets["compose_environment"] in container_env
    haystacks = {"output of run %d" % n: run.output for n, run in enumerate(runs)}
    haystacks.update({"results of run %d" % n: json.dumps(run.results) for n, run in enumerate(runs)})
    haystacks["emulator request log"] = json.dumps(emulator.requests(since))
    values = dict(secrets)
    for path in tls_keys:  # the keys docker_extension was given, and those docker_tls wrote last (force=true)
        for number, line in enumerate(key_lines(path)):
            values["%s line %d" % (path.name, number)] = line
    assert all("canary-" + marker in run.output for run in runs), "the search would miss what tasks print"
    assert rg in haystacks["emulator request log"], "the search would miss the request log"
    leaks = sorted("%s in %s" % (name, where) for name, value in values.items() for where, text in haystacks.items()
                   if value in text)
    figures("secrets", secret_values=len(values), places_searched=len(haystacks), leaks=len(leaks))
    assert not leaks, leaks
