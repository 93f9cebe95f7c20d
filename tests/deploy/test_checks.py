"""The checks of ``tests.deploy.deployfiles`` fail on what they are meant to catch: each
is shown a document with one mistake and must name it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.deploy import deployfiles as d

EDGE_POD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: molt-edge}
spec:
  selector: {matchLabels: {app: e}}
  template:
    metadata: {labels: {app: e}}
    spec:
      containers:
        - name: edge
          image: moltstation-live
          args: ["edge"]
          env:
            - {name: MOLT_EDGE_HOST, value: 0.0.0.0}
          ports:
            - {name: http, containerPort: 8000}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
"""


@pytest.fixture
def edge_pod() -> dict:
    import yaml

    return yaml.safe_load(EDGE_POD)


def _process(document: dict) -> d.Process:
    (process,) = d.k8s_processes([("edge.yaml", document)], {})
    return process


def test_a_good_edge_pod_passes(edge_pod) -> None:
    process = _process(edge_pod)
    assert d.unknown_variables(process, d.known_settings()) == []
    assert d.bad_commands(process) == []
    assert d.bad_ports_and_probes(process) == []
    assert d.schema_errors(edge_pod) == []


def test_the_known_settings_come_from_the_settings_classes() -> None:
    known = d.known_settings()
    assert {
        "MOLT_EDGE_TOKEN_KEYS",
        "MOLT_WORKER_WEB_PORT",
        "MOLT_KAFKA_PASSWORD_FILE",
        "MOLT_TOPICS_PARTITIONS",
    } <= known
    prefixes = ("MOLT_KAFKA_", "MOLT_SCHEMA_REGISTRY_", "MOLT_TOPICS_", "MOLT_WORKER_", "MOLT_EDGE_")
    assert all(name.startswith(prefixes) for name in known)


def test_an_unknown_variable_is_named(edge_pod) -> None:
    edge_pod["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": "MOLT_EDGE_HOSTNAME", "value": "x"})
    edge_pod["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": "FORWARDED_ALLOW_IPS", "value": "*"})
    problems = d.unknown_variables(_process(edge_pod), d.known_settings())
    assert len(problems) == 2 and "MOLT_EDGE_HOSTNAME" in problems[1] and "FORWARDED_ALLOW_IPS" in problems[0]


@pytest.mark.parametrize("argv", [["edges"], ["worker", "--fast"], []])
def test_a_command_molt_lacks_is_named(edge_pod, argv) -> None:
    edge_pod["spec"]["template"]["spec"]["containers"][0]["args"] = argv
    assert d.bad_commands(_process(edge_pod)) != []


def test_a_command_that_replaces_the_entrypoint_must_be_molt(edge_pod) -> None:
    edge_pod["spec"]["template"]["spec"]["containers"][0]["command"] = ["python", "-m", "molt"]
    assert d.bad_commands(_process(edge_pod)) != []


def test_a_wrong_port_or_probe_path_is_named(edge_pod) -> None:
    container = edge_pod["spec"]["template"]["spec"]["containers"][0]
    wrong_port, wrong_path, moved = copy.deepcopy(edge_pod), copy.deepcopy(edge_pod), copy.deepcopy(edge_pod)
    wrong_port["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 8080
    wrong_path["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"] = "/ready"
    # The edge told to listen elsewhere than its declared port.
    moved["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": "MOLT_EDGE_PORT", "value": "9000"})
    assert container["ports"][0]["containerPort"] == 8000
    assert any("port http is 8080" in p for p in d.bad_ports_and_probes(_process(wrong_port)))
    assert any("/ready is not served" in p for p in d.bad_ports_and_probes(_process(wrong_path)))
    assert any("serves 9000" in p for p in d.bad_ports_and_probes(_process(moved)))


def test_worker_pages_and_edge_routes_are_read_from_the_apps() -> None:
    assert {"/healthz/", "/readyz/"} <= d.worker_pages()
    assert {"/healthz", "/readyz", "/api/agents"} <= d.edge_routes()


def test_a_file_setting_outside_the_volumes_is_named(edge_pod) -> None:
    env = edge_pod["spec"]["template"]["spec"]["containers"][0]["env"]
    env.append({"name": "MOLT_KAFKA_CA_FILE", "value": "/etc/molt/kafka-ca/ca.crt"})
    assert d.unmounted_files(_process(edge_pod)) != []
    edge_pod["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] = [
        {"name": "ca", "mountPath": "/etc/molt/kafka-ca"}
    ]
    assert d.unmounted_files(_process(edge_pod)) == []


def test_topics_that_differ_from_schemas_topics_are_named(edge_pod) -> None:
    manifests = d.k8s_documents()
    (settings,) = [doc["data"] for _, doc in manifests if doc["kind"] == "ConfigMap"]
    topics = [(f, doc) for f, doc in manifests if doc["kind"] == "KafkaTopic"]
    fewer = topics[1:]
    renamed = copy.deepcopy(topics)
    renamed[0][1]["spec"]["topicName"] = "session.command"
    reshaped = copy.deepcopy(topics)
    reshaped[1][1]["spec"]["partitions"] = 16
    reshaped[2][1]["spec"]["config"]["retention.ms"] = "1000"
    assert d.bad_topics(topics, settings) == []
    assert d.bad_topics(fewer, settings) == ["KafkaTopic session.commands: missing"]
    assert len(d.bad_topics(renamed, settings)) == 2
    assert len(d.bad_topics(reshaped, settings)) == 2
    assert len(d.bad_topics(topics, {**settings, "MOLT_TOPICS_PARTITIONS": "4"})) == len(topics)


def test_schemas_refuse_unknown_and_mistyped_fields(edge_pod) -> None:
    typo = copy.deepcopy(edge_pod)
    typo["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    mistyped = copy.deepcopy(edge_pod)
    mistyped["spec"]["replicas"] = "two"
    assert d.schema_errors(typo) != [] and d.schema_errors(mistyped) != []
    topic = {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaTopic",
        "metadata": {"name": "t"},
        "spec": {"partition": 8},
    }
    assert d.schema_errors(topic) != []
    topic["spec"] = {"partitions": 8, "replicas": 3}
    assert d.schema_errors(topic) == []
    unknown = {"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}}
    assert d.schema_errors(unknown) != []


def test_compose_schema_refuses_an_unknown_key() -> None:
    assert d.compose_schema_errors({"services": {"a": {"image": "x"}}}) == []
    assert d.compose_schema_errors({"services": {"a": {"image": "x", "comand": ["edge"]}}}) != []


def test_an_untrusted_load_balancer_is_named(edge_pod) -> None:
    process = _process(edge_pod)
    assert d.untrusted_proxy("172.28.0.10", process) != []
    process.env["MOLT_EDGE_TRUSTED_PROXIES"] = "172.28.0.0/24"
    assert d.untrusted_proxy("172.28.0.10", process) == []


def test_bad_nginx_and_dockerfile_are_refused(tmp_path: Path) -> None:
    nginx = tmp_path / "nginx.conf"
    nginx.write_text("http { server { listen 8080; proxy_pass; } }\n")
    assert d.nginx_errors(nginx) != []
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python\nRUN cd /src && pip install .\nCOPY --chown molt . /src\n")
    assert d.hadolint_errors(dockerfile) != []


def test_dockerfile_instructions_join_lines_and_read_env() -> None:
    instructions = d.dockerfile_instructions('# c\nENV A=1 \\\n    B="two words"\nENTRYPOINT ["molt"]\n')
    assert d.dockerfile_env(instructions) == {"A": "1", "B": "two words"}
    assert d.exec_form(instructions, "ENTRYPOINT") == ["molt"]
