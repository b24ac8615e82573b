# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bad-input table of the reliability suite: one row per case (issue 11).

A row is ``(target, args, fragment)``: the module (or ``role:<name>``) run with `args`, and a fragment
the error message must contain, which names the option (or the Compose key) at fault. The test
runs every row through ansible-playbook and checks that no write happened: no ARM write in the
emulator's request log, no engine event of the rows' projects, no file where a row would write.

Placeholders, filled in by the test: ``@RG@`` an existing resource group, ``@TMP@`` a scratch
directory, ``@PKI1@``/``@PKI2@`` directories of two independent sets of TLS material,
``@FOREIGN@`` the name of a container that is not part of any project, ``@SUB@`` a
subscription ID that is well-formed but unknown. Docker rows name their projects ``dybadin...``
so that the engine's events can be told apart from other tests'.
"""

from __future__ import annotations

import base64
import struct

TEST_IMAGE = "dockyard-test/busybox:latest"


def _rsa_1024_key():
    def string(data):
        return struct.pack(">I", len(data)) + data
    modulus = b"\x00" + b"\xc3" * 128  # 1024 bits
    blob = string(b"ssh-rsa") + string(b"\x01\x00\x01") + string(modulus)
    return "ssh-rsa " + base64.b64encode(blob).decode()


ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA bad-inputs"


def vm(**args):
    base = {"name": "badvm", "resource_group": "@RG@", "size": "Standard_B1s", "image": "debian12",
            "ssh_public_keys": [ED25519], "inbound_rules": [{"ports": ["22"], "source_prefixes": ["203.0.113.0/24"]}]}
    base.update(args)
    return ("vm", base)


def rule(**fields):
    base = {"ports": ["22"], "source_prefixes": ["203.0.113.0/24"]}
    base.update(fields)
    return [base]


def tls(one="@PKI1@", two=None, **override):
    args = {"tls_ca_cert": one + "/ca.pem", "tls_server_cert": one + "/server-cert.pem",
            "tls_server_key": (two or one) + "/server-key.pem"}
    args.update(override)
    return args


def ext(**args):
    base = {"vm_name": "badvm", "resource_group": "@RG@"}
    base.update(args)
    return ("docker_extension", base)


def project(name, services, **top):
    definition = {"services": services}
    definition.update(top)
    return {"project_name": name, "definition": definition}


def svc(**fields):
    base = {"image": TEST_IMAGE, "command": ["sleep", "60"]}
    base.update(fields)
    return base


def compose(name, services=None, **args):
    base = project(name, services or {"app": svc()}) if services is not False else {"project_name": name}
    base.update(args)
    return ("compose", base)


def host(**fields):
    base = {"name": "badhost1"}
    base.update(fields)
    return base


def docker_host(**variables):
    base = {"docker_host_hosts": [host()], "docker_host_resource_group": "@RG@", "docker_host_location": "westeurope",
            "docker_host_ssh_source_prefixes": ["203.0.113.0/24"], "docker_host_ssh_public_key": ED25519,
            "docker_host_tls_dir": "@TMP@/tls", "docker_host_wait_for_connection": False}
    base.update(variables)
    return ("role:docker_host", base)


def compose_app(**variables):
    base = {"compose_app_project_name": "dybadinapp", "compose_app_definition": {"services": {"app": svc()}},
            "compose_app_work_dir": "@TMP@/stage", "compose_app_verify": False, "compose_app_wait": False}
    base.update(variables)
    return ("role:compose_app", base)


def template(**sections):
    body = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": []}
    body.update(sections)
    return body


def arm(**args):
    base = {"resource_group": "@RG@", "template": template()}
    base.update(args)
    return ("arm_deployment", {key: value for key, value in base.items() if value is not None})


def run(**args):
    base = {"resource_group": "@RG@", "vm_name": "badvm", "script": "true"}
    base.update(args)
    return ("vm_run_command", {key: value for key, value in base.items() if value is not None})


def row(target_args, fragment):
    target, args = target_args
    return (target, args, fragment)


ROWS = [
    # ---------------------------------------------------------------- Azure connection (any Azure module)
    row(("resource_group_info", {"subscription_id": "not-a-uuid"}), "subscription_id 'not-a-uuid'"),
    row(("resource_group", {"name": "@RG@", "subscription_id": "@SUB@"}), "check subscription_id"),
    row(("vm", dict(vm()[1], subscription_id="@SUB@")), "check subscription_id"),
    row(("resource_group", {"name": "@RG@", "client_certificate_password": "pw"}), "client_certificate_password"),
    row(("resource_group", {"name": "@RG@", "arm_endpoint": "http://127.0.0.1:1"}), "arm_endpoint"),
    row(("resource_group", {"name": "@RG@", "cloud": "mars"}), "cloud"),
    row(("resource_group", {"name": "@RG@", "timeout": 0}), "timeout"),
    row(("resource_group", {"name": "@RG@", "api_retries": -1}), "api_retries"),
    row(("resource_group", {"name": "@RG@", "ca_bundle": "@TMP@/missing-ca.pem"}), "ca_bundle"),
    row(("resource_group", {"name": "@RG@", "auth_source": "service_principal",
                            "client_certificate_path": "@TMP@/missing-sp.pem", "client_secret": None}),
        "client_certificate_path"),
    row(("resource_group", {"name": "@RG@", "auth_source": "workload_identity",
                            "federated_token_file": "@TMP@/missing-token"}), "federated_token_file"),
    row(("resource_group", {"name": "@RG@", "auth_source": "sometimes"}), "auth_source"),
    row(("resource_group", {"name": "@RG@", "polling_interval": 0}), "polling_interval"),
    # ---------------------------------------------------------------- resource_group
    row(("resource_group", {"name": "bad/name", "location": "westeurope"}), "name"),
    row(("resource_group", {"name": "x" * 91, "location": "westeurope"}), "name"),
    row(("resource_group", {"name": "ends-with-dot.", "location": "westeurope"}), "name"),
    row(("resource_group", {"name": "", "location": "westeurope"}), "name"),
    row(("resource_group", {"name": "dybadin-rg-new", "location": "nowhere"}), "location"),
    row(("resource_group", {"name": "dybadin-rg-new"}), "location"),
    row(("resource_group", {"name": "@RG@", "location": "northeurope"}), "location"),
    row(("resource_group", {"name": "dybadin-rg-new", "location": "westeurope", "tags": {"bad<name": "v"}}), "tags"),
    row(("resource_group", {"name": "bad/name", "state": "absent"}), "name"),
    row(("resource_group_info", {"name": "bad/name"}), "name"),
    row(("resource_group_info", {"tags": ["bad<tag"]}), "tags"),
    # ---------------------------------------------------------------- vm
    row(vm(name="bad_name"), "name"),
    row(vm(name="12345"), "name"),
    row(vm(resource_group="bad/rg"), "resource_group"),
    row(vm(resource_group="dybadin-missing-rg"), "resource_group"),
    row(vm(location="nowhere"), "location"),
    row(vm(admin_username="root"), "admin_username"),
    row(vm(admin_username="Bad User"), "admin_username"),
    row(vm(ssh_public_keys=["not a key"]), "ssh_public_keys"),
    row(vm(ssh_public_keys=[_rsa_1024_key()]), "ssh_public_keys"),
    row(vm(ssh_public_keys=[]), "ssh_public_keys"),
    row(vm(size="Standard_Nope"), "size"),
    row(vm(image="debian99"), "image"),
    row(vm(image="Debian:debian-12:12-gen2:9.9.9"), "image"),
    row(vm(virtual_network="dybadnet", virtual_network_address_prefixes=["10.0.0.0/33"]), "virtual_network_address_prefixes"),
    row(vm(virtual_network="dybadnet", virtual_network_address_prefixes=["10.0.0.0/16"], subnet_address_prefix="10.1.0.0/24"),
        "subnet_address_prefix"),
    row(vm(virtual_network="dybadnet", subnet_address_prefix="abc"), "subnet_address_prefix"),
    row(vm(virtual_network="bad/net/name"), "virtual_network"),
    row(vm(virtual_network="dybadnet", subnet="bad name!"), "subnet"),
    row(vm(inbound_rules=rule(ports=["2375"])), "inbound_rules[0].ports"),
    row(vm(inbound_rules=rule(ports=["abc"])), "inbound_rules[0].ports"),
    row(vm(inbound_rules=rule(source_prefixes=["999.1.1.1"])), "inbound_rules[0]"),
    row(vm(inbound_rules=rule(source_prefixes=[])), "inbound_rules[0].source_prefixes"),
    row(vm(inbound_rules=rule(priority=50)), "inbound_rules[0].priority"),
    row(vm(inbound_rules=rule(name="bad name!")), "inbound_rules[0].name"),
    row(vm(inbound_rules=rule(name="same") + rule(name="same", ports=["80"])), "inbound_rules[1].name"),
    row(vm(dns_label="Bad_Label"), "dns_label"),
    row(vm(dns_label="dybadlabel", public_ip=False), "dns_label"),
    row(vm(os_disk={"size_gb": 0}), "os_disk.size_gb"),
    row(vm(data_disks=[{"lun": 64, "size_gb": 8}]), "data_disks[0].lun"),
    row(vm(data_disks=[{"lun": 1, "size_gb": 8}, {"lun": 1, "size_gb": 8}]), "data_disks[1].lun"),
    row(vm(custom_data="#!/bin/sh\n" + "x" * 90000), "custom_data"),
    row(vm(eviction_policy="Delete"), "eviction_policy"),
    row(vm(priority="Spot", max_price=-5), "max_price"),
    row(vm(max_price=0.5), "max_price"),
    row(vm(identity={"user_assigned": ["not-an-id"]}), "identity.user_assigned[0]"),
    row(vm(network_interface="not-an-id"), "network_interface"),
    row(vm(tags={"bad>name": "v"}), "tags"),
    row(vm(tags={"dockyard-custom-data-sha256": "x"}), "tags"),
    row(("vm_info", {"resource_group": "bad/rg"}), "resource_group"),
    row(("vm_info", {"name": "badvm"}), "resource_group"),
    row(("vm_info", {"resource_group": "@RG@", "tags": ["bad>tag"]}), "tags"),
    # ---------------------------------------------------------------- vm_extension
    row(("vm_extension", {"vm_name": "badvm", "resource_group": "@RG@", "name": "ext", "publisher": "Microsoft.Azure.Extensions",
                          "type": "CustomScript", "type_handler_version": "latest"}), "type_handler_version"),
    row(("vm_extension", {"vm_name": "badvm", "resource_group": "@RG@", "name": "ext", "publisher": "",
                          "type": "CustomScript", "type_handler_version": "2.1"}), "publisher"),
    row(("vm_extension", {"vm_name": "badvm", "resource_group": "@RG@", "name": "bad/name", "publisher": "P", "type": "T",
                          "type_handler_version": "2.1"}), "name"),
    row(("vm_extension", {"vm_name": "bad vm", "resource_group": "@RG@", "name": "ext", "publisher": "P", "type": "T",
                          "type_handler_version": "2.1"}), "vm_name"),
    row(("vm_extension", {"vm_name": "dybadin-novm", "resource_group": "@RG@", "name": "ext", "publisher": "P", "type": "T",
                          "type_handler_version": "2.1"}), "dybadin-novm"),
    row(("vm_extension", {"vm_name": "badvm", "resource_group": "bad/rg", "name": "ext", "state": "absent"}), "resource_group"),
    # ---------------------------------------------------------------- docker_extension
    row(ext(tcp_port=2376), "tcp_port"),
    row(ext(tcp_port=2375, **tls()), "tcp_port"),
    row(ext(tls_ca_cert="@PKI1@/ca.pem", tls_server_cert="@PKI1@/server-cert.pem"), "tls_server_key"),
    row(ext(**tls(two="@PKI2@")), "tls_server_key does not match tls_server_cert"),
    row(ext(**tls(tls_server_cert="@PKI2@/server-cert.pem", tls_server_key="@PKI2@/server-key.pem")),
        "tls_server_cert was not issued by tls_ca_cert"),
    row(ext(**tls(tls_ca_cert="@TMP@/missing-ca.pem")), "tls_ca_cert"),
    row(ext(**tls(tls_server_key="@PKI1@/server-cert.pem")), "tls_server_key"),
    row(ext(**tls(tls_server_cert="@PKI1@/server-key.pem")), "tls_server_cert"),
    row(ext(daemon_options={"hosts": ["tcp://0.0.0.0:2375"]}), "daemon_options.hosts"),
    row(ext(registries=[{"server": "r.example", "username": "u", "password": ""}]), "registries[0].password"),
    row(ext(registries=[{"server": "r.example", "username": "u", "password": "p"},
                        {"server": "r.example", "username": "v", "password": "q"}]), "registries"),
    row(ext(compose={"definition": "hello"}), "compose.definition"),
    row(ext(compose={"definition": {"servics": {}}}), "compose.definition"),
    row(ext(compose={"project_name": "Bad Name", "definition": {"services": {}}}), "compose.project_name"),
    row(ext(compose={"definition": {"services": {}}, "environment": {"1BAD": "x"}}), "compose.environment"),
    row(ext(users=["root; rm -rf /"]), "users"),
    row(("docker_extension", {"resource_group": "@RG@"}), "vm_name"),
    row(("docker_extension", {"output": "cloud_init", "state": "absent"}), "state"),
    row(ext(name="bad/name"), "name"),
    row(ext(vm_name="bad/vm"), "vm_name"),
    row(ext(endpoint_host="bad host!", **tls()), "endpoint_host"),
    # ---------------------------------------------------------------- arm_deployment, arm_deployment_info
    # What ARM's what-if finds (undeclared or missing parameters, unknown functions) is refused by what-if
    # itself, a POST that writes nothing: the test allows POST .../whatIf, no other write.
    row(arm(template=template(), template_file="@TMP@/template.json"), "template"),
    row(("arm_deployment", {"resource_group": "@RG@"}), "template"),
    row(arm(template=None, template_file="@TMP@/missing-template.json"), "template_file: the template file @TMP@/missing-template.json: no such file"),
    row(arm(template=None, template_file="@TMP@/not-json.json"), "InvalidTemplate"),
    row(arm(template="{not json"), "InvalidTemplate"),
    row(arm(template=[1, 2]), "must be a JSON object"),
    row(arm(template={"$schema": "x", "contentVersion": "1.0.0.0"}), "'resources' section"),
    row(arm(template=template(parameters=["a"])), "'parameters' section"),
    row(arm(name="bad name!"), "name: the deployment name 'bad name!'"),
    row(arm(name="x" * 65), "name: the deployment name"),
    row(arm(resource_group="bad/rg"), "resource_group: 'bad/rg'"),
    row(arm(resource_group=None), "location is required"),
    row(arm(resource_group=None, location="westeurope", mode="complete"), "mode=complete"),
    row(arm(mode="full"), "mode"),
    row(arm(parameters=["a"]), "parameters"),
    row(arm(parameters={"parameters": "x", "contentVersion": "1.0.0.0"}), "parameters: 'parameters' must be an object"),
    row(arm(parameters_file="@TMP@/missing-parameters.json"), "parameters_file: the parameters file @TMP@/missing-parameters.json: no such file"),
    row(arm(parameters_file="@TMP@/not-json.json"), "InvalidTemplate"),
    row(arm(parameters={"undeclared": "x"}), "'undeclared' in the parameters file are not valid"),
    row(arm(template=template(parameters={"prefix": {"type": "string"}})),
        "The value for the template parameter 'prefix'"),
    row(arm(template=template(parameters={"size": {"type": "int", "allowedValues": [1, 2]}}), parameters={"size": 3}),
        "size"),
    row(arm(template=template(outputs={"x": {"type": "string", "value": "[nosuchfunction()]"}})), "nosuchfunction"),
    row(("arm_deployment_info", {"resource_group": "bad/rg"}), "resource_group: 'bad/rg'"),
    row(("arm_deployment_info", {"resource_group": "@RG@", "name": "bad name!"}), "name: the deployment name 'bad name!'"),
    row(("arm_deployment_info", {"resource_group": "@RG@", "provisioning_state": "failed"}), "did you mean 'Failed'"),
    row(("arm_deployment_info", {"resource_group": "@RG@", "provisioning_state": "Failed' or name eq 'x"}),
        "provisioning_state"),
    row(("arm_deployment_info", {"resource_group": "@RG@", "operations": "maybe"}), "operations"),
    # ---------------------------------------------------------------- vm_run_command
    row(("vm_run_command", {"resource_group": "@RG@", "script": "true"}), "vm_name, tags"),
    row(run(tags={"role": "web"}), "vm_name|tags"),
    row(("vm_run_command", {"vm_name": "badvm", "script": "true"}), "resource_group"),
    row(run(script=""), "script"),
    row(run(script=["echo ok", 5]), "script"),
    row(run(timeout_seconds=6000), "timeout_seconds"),
    row(run(max_concurrency=0), "max_concurrency"),
    row(run(run_as_password="pw"), "run_as_password needs run_as_user"),
    row(run(resource_group="bad/rg"), "resource_group: 'bad/rg'"),
    row(run(vm_name="bad/vm"), "vm_name: 'bad/vm'"),
    row(run(vm_name="dybadin-novm"), "vm_name: the VM dybadin-novm does not exist"),
    row(run(vm_name=None, tags={"bad<tag": "x"}), "tags: 'bad<tag'"),
    row(run(vm_name=None, tags={"dybadin": "nothing-has-it"}), "tags: no VM of resource group"),
    row(run(parameters={"bad name": "x"}), "parameters: 'bad name'"),
    row(run(protected_parameters={"1X": "y"}), "protected_parameters: '1X'"),
    row(run(parameters={"TOKEN": "visible-value"}, protected_parameters={"TOKEN": "hidden-value"}),
        "protected_parameters: 'TOKEN' is also in parameters"),
    # ---------------------------------------------------------------- container_registry, container_registry_info
    row(("container_registry", {"name": "dybadinreg1"}), "resource_group"),
    row(("container_registry", {"name": "bad_name!", "resource_group": "@RG@", "location": "westeurope"}),
        "name: 'bad_name!' is not a valid registry name"),
    row(("container_registry", {"name": "abc", "resource_group": "@RG@", "location": "westeurope"}), "name: 'abc'"),
    row(("container_registry", {"name": "dybadinreg2", "resource_group": "@RG@", "sku": "Gold"}), "sku"),
    row(("container_registry", {"name": "dybadinreg3", "resource_group": "@RG@", "credentials": "admin",
                                "state": "absent"}), "credentials"),
    row(("container_registry_info", {"name": "dybadinreg4"}), "missing parameter(s) required by 'name': resource_group"),
    row(("container_registry_info", {"credentials": "admin"}), "credentials: give the registry name"),
    row(("container_registry_info", {"resource_group": "@RG@", "credentials": "all"}), "credentials"),
    # ---------------------------------------------------------------- image_push
    row(("image_push", {"images": [TEST_IMAGE]}), "registry"),
    row(("image_push", {"registry": "a/b", "images": [TEST_IMAGE]}), "registry: 'a/b'"),
    row(("image_push", {"registry": "127.0.0.1:1", "images": []}), "images"),
    row(("image_push", {"registry": "127.0.0.1:1", "images": [{"source": TEST_IMAGE, "colour": "red"}]}),
        "images[0]: unknown key(s) colour"),
    row(("image_push", {"registry": "127.0.0.1:1", "images": [{"repository": "x"}]}), "images[0]"),
    row(("image_push", {"registry": "127.0.0.1:1", "images": [TEST_IMAGE], "username": "u"}), "required together: username, password"),
    # ---------------------------------------------------------------- swarm, swarm_info, swarm_node, stack (from main at
    # the deadline: argument-spec rows only so far)
    row(("swarm", {"state": "leave"}), "state"),
    row(("swarm", {"data_path_port": "high"}), "data_path_port"),
    row(("swarm_info", {"nodes": "maybe"}), "nodes"),
    row(("swarm_node", {"availability": "active"}), "missing required arguments: node"),
    row(("swarm_node", {"node": "dybadin-node", "availability": "sleep"}), "availability"),
    row(("stack", {"state": "present"}), "missing required arguments: name"),
    row(("stack", {"name": "dybadinstack", "state": "gone"}), "state"),
    # ---------------------------------------------------------------- docker_tls (a writer of local files)
    row(("docker_tls", {"path": "@TMP@/tls-a", "dns_names": ["bad name!"]}), "dns_names: 'bad name!'"),
    row(("docker_tls", {"path": "@TMP@/tls-b", "dns_names": ["-lead.example"]}), "dns_names"),
    row(("docker_tls", {"path": "@TMP@/tls-d", "ip_addresses": ["not-an-ip"]}), "ip_addresses"),
    row(("docker_tls", {"path": "@TMP@/tls-e"}), "ip_addresses"),
    row(("docker_tls", {"path": "@TMP@/tls-f", "ip_addresses": ["10.0.0.4"], "renew_before_days": 900}), "renew_before_days"),
    row(("docker_tls", {"path": "@TMP@/tls-g", "ip_addresses": ["10.0.0.4"], "ca_valid_days": 0}), "ca_valid_days"),
    row(("docker_tls", {"path": "@TMP@/tls-i", "ip_addresses": ["10.0.0.4"], "rsa_key_size": 1024, "key_type": "rsa"}),
        "rsa_key_size"),
    row(("docker_tls", {"path": "@TMP@/a-file", "ip_addresses": ["10.0.0.4"]}), "path"),
    row(("docker_tls", {"path": "@TMP@/tls-k", "ip_addresses": ["10.0.0.4"], "cert_valid_days": 0}), "cert_valid_days"),
    row(("docker_tls", {"path": "@TMP@/tls-l", "ip_addresses": ["10.0.0.4"], "server_common_name": "x" * 70}),
        "server_common_name"),
    # ---------------------------------------------------------------- compose: options
    row(compose("../../x", False, state="absent"), "project_name '../../x'"),
    row(("compose", {"project_src": "@TMP@/with-compose-file", "definition": {"services": {"app": svc()}},
                     "project_name": "dybadin1"}), "definition and project_src both define the project"),
    row(("compose", {"project_src": "@TMP@/missing-dir", "project_name": "dybadin2"}), "project_src"),
    row(("compose", {"files": ["@TMP@/with-compose-file/compose.yaml"], "definition": {"services": {}},
                     "project_name": "dybadin3"}), "files"),
    row(compose("dybadin4", False), "state=present needs project_src, files or definition"),
    row(compose("dybadin5", scale={"app": -1}), "scale.app"),
    row(compose("dybadin6", remove_volumes=True), "remove_volumes"),
    row(compose("dybadin7", wait_timeout=-1), "wait_timeout"),
    row(compose("dybadin8", lock_timeout=-5), "lock_timeout"),
    row(compose("dybadin9", docker_host="http2://somewhere"), "docker_host"),
    row(compose("dybadin10", docker_host="tcp://127.0.0.1:2376", validate_certs=True, ca_path="@TMP@/missing-ca.pem"),
        "ca_path: @TMP@/missing-ca.pem does not exist"),
    row(compose("dybadin11", docker_host="tcp://127.0.0.1:2376", tls=True, client_cert="@PKI1@/cert.pem"), "client_key"),
    row(("compose", dict(project("dybadin12", {"app": svc()}), services=["nope"])), "services: no such service: nope"),
    row(compose("dybadin13", env_files=["@TMP@/missing.env"]), "missing.env"),
    # ---------------------------------------------------------------- compose: the project (issue 11: before the first write)
    row(compose("dybadin20", {"app": svc(volumes=[{"type": "npipe", "source": r"\\.\pipe\docker_engine",
                                                   "target": r"\\.\pipe\docker_engine"}])}), "services.app.volumes[0]"),
    row(compose("dybadin21", {"a": svc(container_name="dybadin21same"), "b": svc(container_name="dybadin21same")}),
        "container_name"),
    row(("compose", dict(project("dybadin22", {"app": svc(secrets=["token"])},
                                 secrets={"token": {"file": "@TMP@/missing-secret.txt"}}))), "secrets.token.file"),
    row(("compose", dict(project("dybadin23", {"app": svc(secrets=["token"])},
                                 secrets={"token": {"environment": "DYBADIN_UNSET_TOKEN"}}))), "DYBADIN_UNSET_TOKEN"),
    row(("compose", dict(project("dybadin24", {"app": svc(secrets=["token"])}, secrets={"token": {"external": True}}))),
        "secrets"),
    row(compose("dybadin25", {"a": svc(ports=["127.0.0.1:18431:80"]), "b": svc(ports=["127.0.0.1:18431:80"])}),
        "host port 127.0.0.1:18431/tcp"),
    row(compose("dybadin26", {"app": svc(unknown_key=1)}), "unknown_key"),
    row(compose("dybadin27", {"app": {"command": ["true"]}}), "app"),
    row(compose("dybadin28", {"app": {"build": {"context": "@TMP@/missing-context"}}}), "build"),
    row(compose("dybadin29", {"app": svc(depends_on=["nope"])}), "nope"),
    row(compose("dybadin30", {"a": svc(depends_on=["b"]), "b": svc(depends_on=["a"])}), "cycle"),
    row(compose("dybadin31", {"app": svc(image="dybadin/absent:1", pull_policy="never")}), "dybadin/absent:1"),
    row(("compose", dict(project("dybadin32", {"app": svc(networks=["ext"])},
                                 networks={"ext": {"external": True, "name": "dybadin32-missing"}}))),
        "dybadin32-missing"),
    row(("compose", dict(project("dybadin33", {"app": svc(volumes=["ext:/data"])},
                                 volumes={"ext": {"external": True, "name": "dybadin33-missing"}}))),
        "dybadin33-missing"),
    row(compose("dybadin34", {"app": svc(container_name="dybadin34c", scale=2)}), "container_name"),
    row(compose("dybadin35", {"app": svc(ports=["x:y:z:w"])}), "ports"),
    # The loader refuses these while it converts the model: it names the service and the value (not yet the key).
    row(compose("dybadin36", {"app": svc(healthcheck={"test": ["CMD", "true"], "interval": "soon"})}),
        'services.app: time: invalid duration "soon"'),
    row(compose("dybadin37", {"app": svc(mem_limit="lots")}), "services.app: invalid size: 'lots'"),
    row(compose("dybadin38", {"app": svc(volumes=[{"type": "bind", "source": "@TMP@/missing-bind", "target": "/data"}])}),
        "missing-bind"),
    row(compose("dybadin39", {"app": svc(container_name="@FOREIGN@")}), "is already in use by container"),
    row(compose("dybadin40", {"app": svc(network_mode="service:nope")}), "nope"),
    row(compose("dybadin41", {"app": svc(environment={"A": "${DYBADIN_REQUIRED:?set DYBADIN_REQUIRED}"})}),
        "DYBADIN_REQUIRED"),
    row(compose("dybadin42", {"app": svc(build={"context": "@TMP@", "dockerfile_inline": "FROM scratch"})}),
        "dockerfile_inline"),
    row(compose("dybadin44", {"app": svc(restart="sometimes")}), "services.app.restart"),
    row(compose("dybadin45", {"app": svc(cpus="many")}), "cpus"),
    # ---------------------------------------------------------------- compose_info, image_copy
    row(("compose_info", {"project_name": "../x"}), "project_name"),
    row(("compose_info", {"docker_host": "http2://x"}), "docker_host"),
    row(("image_copy", {"images": ["Bad Ref!!"]}), "images"),
    row(("image_copy", {"images": [""]}), "images"),
    row(("image_copy", {"images": [TEST_IMAGE], "source": {"docker_host": "http2://x"}}), "source"),
    row(("image_copy", {"images": ["dybadin/absent:1"], "source": {}}), "dybadin/absent:1"),
    row(("image_copy", {"images": [TEST_IMAGE], "docker_host": "tcp://127.0.0.1:2376", "validate_certs": True,
                        "ca_path": "@TMP@/missing-ca.pem"}), "ca_path"),
    # ---------------------------------------------------------------- role docker_host
    row(("role:docker_host", {"docker_host_resource_group": "@RG@", "docker_host_location": "westeurope",
                              "docker_host_ssh_source_prefixes": ["203.0.113.0/24"]}), "docker_host_hosts"),
    row(docker_host(docker_host_hosts=[host(name="bad_name")]), "docker_host_hosts"),
    row(docker_host(docker_host_hosts=[host(), host()]), "docker_host_hosts"),
    row(docker_host(docker_host_hosts=[host(name="../x")]), "docker_host_hosts"),
    row(docker_host(docker_host_resource_group="../../x"), "docker_host_resource_group"),
    row(docker_host(docker_host_docker_port=2375), "docker_host_docker_port"),
    # Issue 11: a resource group that does not exist yet used to be created before the vm module refused the CIDR.
    row(docker_host(docker_host_resource_group="dybadin-rg-cidr",
                    docker_host_network={"name": "dybadnet", "address_prefixes": ["10.0.0.0/33"]}),
        "virtual_network_address_prefixes"),
    row(docker_host(docker_host_network={"name": "dybadnet", "subnet_address_prefix": "10.9.0.0/24"}),
        "subnet_address_prefix"),
    row(docker_host(docker_host_size="Standard_Nope"), "size"),
    row(docker_host(docker_host_image="debian99"), "image"),
    row(docker_host(docker_host_admin_username="root"), "admin_username"),
    row(docker_host(docker_host_ssh_source_prefixes=["999.0.0.0/8"]), "inbound_rules"),
    row(docker_host(docker_host_inbound_rules=[{"ports": ["2375"], "source_prefixes": ["10.0.0.0/8"]}]), "port 2375"),
    row(docker_host(docker_host_daemon_options={"hosts": ["tcp://0.0.0.0:2375"]}), "daemon_options.hosts"),
    row(docker_host(docker_host_install_source="snap"), "docker_host_install_source"),
    row(docker_host(docker_host_ssh_public_key="", docker_host_ssh_private_key_file="@TMP@/no-key"),
        "docker_host_ssh_private_key_file"),
    row(docker_host(docker_host_vm_timeout=0), "docker_host_vm_timeout"),
    row(docker_host(docker_host_location="nowhere", docker_host_resource_group="dybadin-rg-role"), "location"),
    row(docker_host(docker_host_tags={"bad<tag": "v"}), "tags"),
    row(docker_host(docker_host_hosts=[host(data_disks=[{"lun": 70, "size_gb": 4}])]), "data_disks[0].lun"),
    # ---------------------------------------------------------------- role compose_app
    row(compose_app(compose_app_project_name="../../x", compose_app_src="@TMP@/with-compose-file",
                    compose_app_definition={}), "compose_app_project_name: '../../x'"),
    row(compose_app(compose_app_src="@TMP@/with-compose-file"), "set exactly one of compose_app_src"),
    row(compose_app(compose_app_definition={}), "set exactly one of compose_app_src"),
    row(compose_app(compose_app_src="@TMP@/missing-dir", compose_app_definition={}), "compose_app_src"),
    row(compose_app(compose_app_docker_host="http://somewhere"), "compose_app_docker_host"),
    row(compose_app(compose_app_verify=True, compose_app_verify_url="ftp://x"), "compose_app_verify_url"),
    row(compose_app(compose_app_wait_timeout=-1), "compose_app_wait_timeout"),
    row(compose_app(compose_app_remove_images="some", compose_app_state="absent"), "compose_app_remove_images"),
    row(compose_app(compose_app_definition={"services": {"app": svc(volumes=[{"type": "npipe", "source": "x",
                                                                              "target": "y"}])}}),
        "services.app.volumes[0]"),
    row(compose_app(compose_app_project_name="dybadinapp2", compose_app_images=["Bad Ref!!"]), "images"),
    row(compose_app(compose_app_docker_host="tcp://127.0.0.1:2376", compose_app_docker_tls_verify=True,
                    compose_app_docker_ca_path="@TMP@/missing-ca.pem"), "ca_path"),
]
