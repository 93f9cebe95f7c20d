"""The deployment files agree with the code and with the published schemas (no cluster,
no Docker engine): see ``tests.deploy.deployfiles`` for what each check derives from."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import crossplane
import pytest

from infra.settings import KafkaSettings
from tests.deploy import deployfiles as d


@pytest.fixture(scope="module")
def image() -> list[tuple[str, str]]:
    return d.dockerfile_instructions(d.IMAGE.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    (document,) = d.yaml_documents(d.COMPOSE)
    return document


@pytest.fixture(scope="module")
def manifests() -> list[tuple[str, dict[str, Any]]]:
    return d.k8s_documents()


@pytest.fixture(scope="module")
def processes(image, compose, manifests) -> list[d.Process]:
    env = d.dockerfile_env(image)
    return d.compose_processes(compose, env) + d.k8s_processes(manifests, env)


def test_every_file_parses_and_runs_the_product(compose, manifests, processes) -> None:
    assert {p.command for p in processes} == {"topics", "worker", "edge"}
    assert len([p for p in processes if p.where.startswith("compose")]) == 5  # topics, 2 workers, 2 edges
    assert {doc["kind"] for _, doc in manifests} >= {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}
    assert crossplane.parse(str(d.NGINX), single=True)["status"] == "ok"


def test_the_image_is_the_molt_command_run_unprivileged(image) -> None:
    assert d.exec_form(image, "ENTRYPOINT") == ["molt"]
    assert d.unknown_commands(d.exec_form(image, "CMD")) == []
    users = [arguments for keyword, arguments in image if keyword == "USER"]
    assert users and not re.match(r"(root|0)(:|$)", users[-1])
    # The compiled modules are asserted in the build itself, after the wheel is installed.
    assert any("EXTENSION_SUFFIXES" in arguments for keyword, arguments in image if keyword == "RUN")


def test_every_variable_set_is_a_setting(processes) -> None:
    known = d.known_settings()
    assert d.flatten(d.unknown_variables(p, known) for p in processes) == []


def test_every_command_exists_in_molt(processes) -> None:
    assert d.flatten(d.bad_commands(p) for p in processes) == []


def test_ports_and_probe_paths_are_those_served(processes) -> None:
    probed = [p for p in processes if p.command in ("worker", "edge")]
    assert all(p.probes for p in probed)
    assert d.flatten(d.bad_ports_and_probes(p) for p in probed) == []
    assert d.flatten(d.unmounted_files(p) for p in processes) == []


def test_kubernetes_probes_liveness_and_readiness(manifests) -> None:
    k8s = d.k8s_processes(manifests, {})
    assert {(p.command, probe.path) for p in k8s for probe in p.probes} == {
        ("edge", "/healthz"),
        ("edge", "/readyz"),
        ("worker", "/healthz/"),
        ("worker", "/readyz/"),
    }


def test_topics_are_the_products(manifests) -> None:
    (settings,) = [doc["data"] for _, doc in manifests if doc["kind"] == "ConfigMap"]
    assert d.bad_topics(manifests, settings) == []


def test_manifests_match_their_published_schemas(manifests) -> None:
    problems = [
        f"{file}: {p}" for file, doc in manifests if doc["kind"] != "Kustomization" for p in d.schema_errors(doc)
    ]
    assert problems == []


def test_kustomization_applies_every_manifest(manifests) -> None:
    (kustomization,) = [doc for _, doc in manifests if doc["kind"] == "Kustomization"]
    others = {path.name for path in d.K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(others)


def test_workers_keep_state_on_volumes_and_edges_scale(manifests) -> None:
    kinds = {(doc["kind"], doc.get("metadata", {}).get("name")) for _, doc in manifests}
    assert {
        ("StatefulSet", "molt-worker"),
        ("Deployment", "molt-edge"),
        ("HorizontalPodAutoscaler", "molt-edge"),
    } <= kinds
    assert ("PodDisruptionBudget", "molt-edge") in kinds and ("Ingress", "molt-edge") in kinds
    (workers,) = [doc for _, doc in manifests if doc["kind"] == "StatefulSet"]
    (state,) = workers["spec"]["volumeClaimTemplates"]
    (worker,) = d.k8s_processes([("worker.yaml", workers)], {})
    assert d.settings_of(d.WorkerSettings, worker.env).data_dir.as_posix() in worker.mounts
    assert state["metadata"]["name"] in {
        m["name"] for m in workers["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    }


def test_kafka_user_logs_in_with_scram_as_the_settings_say(manifests) -> None:
    (user,) = [doc for _, doc in manifests if doc["kind"] == "KafkaUser"]
    (cluster,) = [doc for _, doc in manifests if doc["kind"] == "Kafka"]
    (settings,) = [doc["data"] for _, doc in manifests if doc["kind"] == "ConfigMap"]
    kafka = d.settings_of(
        KafkaSettings, {k: v for k, v in settings.items() if not k.endswith("_FILE")} | {"MOLT_KAFKA_PASSWORD": "x"}
    )
    assert user["spec"]["authentication"]["type"] == kafka.sasl_mechanism.lower() == "scram-sha-512"
    assert kafka.username == user["metadata"]["name"] and kafka.security_protocol == "SASL_SSL"
    (listener,) = cluster["spec"]["kafka"]["listeners"]
    assert listener["tls"] and listener["authentication"]["type"] == "scram-sha-512"
    assert kafka.bootstrap_servers == f"{cluster['metadata']['name']}-kafka-bootstrap:{listener['port']}"


def test_compose_matches_the_compose_specification(compose) -> None:
    assert d.compose_schema_errors(compose) == []


def test_compose_runs_a_three_node_kraft_cluster_of_the_projects_kafka(compose) -> None:
    nodes = {name: s for name, s in compose["services"].items() if s["image"].startswith("apache/kafka:")}
    assert len(nodes) == 3
    assert {s["image"] for s in nodes.values()} == {f"apache/kafka:{KafkaSettings.model_fields['version'].default}"}
    for service in nodes.values():
        env = service["environment"]
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3" and env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
    voters = {
        voter.split("@")[1].split(":")[0]
        for voter in nodes["kafka-1"]["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    }
    assert voters == set(nodes)
    for process in d.compose_processes(compose, {}):
        hosts = {server.split(":")[0] for server in process.env["MOLT_KAFKA_BOOTSTRAP"].split(",")}
        assert hosts == set(nodes)


def test_compose_balances_the_edges_and_they_trust_only_it(compose) -> None:
    edges = {p.where.split()[-1]: p for p in d.compose_processes(compose, {}) if p.command == "edge"}
    assert len(edges) == 2
    config = crossplane.parse(str(d.NGINX), single=True)["config"][0]["parsed"]
    text = d.NGINX.read_text()
    servers = re.findall(r"^\s*server ([\w-]+):(\d+)", text, re.M)
    assert {host for host, _ in servers} == set(edges)
    for host, port in servers:
        assert int(port) == d.settings_of(d.EdgeSettings, edges[host].env).port
    assert config and "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text
    (lb,) = [s for s in compose["services"].values() if s["image"].startswith("nginx:")]
    (address,) = [network["ipv4_address"] for network in lb["networks"].values()]
    assert d.flatten(d.untrusted_proxy(address, edge) for edge in edges.values()) == []


def test_edges_take_token_keys_from_a_file_never_a_default(compose) -> None:
    for name, service in compose["services"].items():
        env = service.get("environment") or {}
        assert "MOLT_EDGE_TOKEN_KEYS" not in env and env.get("MOLT_EDGE_ENV") != "development", name
    edges = [s for s in compose["services"].values() if s.get("command") == ["edge"]]
    assert all(s["env_file"] == [{"path": "edge-tokens.env", "required": True}] for s in edges)
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "infra/compose/edge-tokens.env"], cwd=d.ROOT, check=False
    ).returncode
    assert ignored == 0


def test_the_dockerfile_passes_hadolint_and_nginx_conf_parses() -> None:
    assert d.hadolint_errors(d.IMAGE) == []
    assert d.nginx_errors(d.NGINX) == []
