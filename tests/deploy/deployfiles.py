"""Reads the deployment files (infra/image, infra/compose, infra/k8s) and checks them
against the code, without a cluster.

Everything is derived from the code, never restated: the settings from the pydantic
settings classes, the commands from ``molt``'s parser, the ports from the settings'
defaults and the probe paths from the routes the edge's and the worker's apps register,
the topics from ``schemas.topics``. Each check returns the problems it found, one line
each, so a test on a bad document shows that it can fail.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import crossplane
import jsonschema
import kubernetes_validate
import yaml
from pydantic_settings import BaseSettings

import infra.settings
from infra.settings import EdgeSettings, KafkaSettings, TopicSettings, WorkerSettings, proxy_networks
from schemas.topics import all_topics

ROOT = Path(__file__).resolve().parents[2]
IMAGE = ROOT / "infra" / "image" / "Dockerfile"
COMPOSE = ROOT / "infra" / "compose" / "compose.yaml"
NGINX = ROOT / "infra" / "compose" / "nginx.conf"
K8S = ROOT / "infra" / "k8s"
# The published schemas of the custom resources (see schemas/README.md), by (apiVersion, kind).
CRD_SCHEMAS = Path(__file__).parent / "schemas"
# The Kubernetes release the manifests are validated against (kubernetes-validate's schemas).
KUBERNETES_VERSION = "1.33.0"
# Variables the image itself sets for Python; every other one of a product container is a setting.
PYTHON_VARIABLES = {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
# The name the image has in Compose and in the manifests.
PRODUCT_IMAGE = "moltstation-live"
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


# --- what the code serves ------------------------------------------------------------


def known_settings() -> set[str]:
    """Every environment variable a settings class of ``infra.settings`` reads."""
    classes = [
        value
        for value in vars(infra.settings).values()
        if isinstance(value, type) and issubclass(value, BaseSettings) and value is not BaseSettings
    ]
    return {f"{cls.model_config.get('env_prefix', '')}{name}".upper() for cls in classes for name in cls.model_fields}


def unknown_commands(argv: list[str]) -> list[str]:
    """What ``molt``'s own parser refuses in ``argv`` (empty: the command exists)."""
    from molt.cli import build_parser

    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        try:
            build_parser().parse_args(argv)
        except SystemExit as exit:
            if exit.code:
                return [f"`molt {' '.join(argv)}`: {errors.getvalue().strip().splitlines()[-1]}"]
    return []


@cache
def edge_routes() -> frozenset[str]:
    """The paths the edge's app serves on its public port."""
    from app.main import create_app

    def paths(routes: list[Any]) -> Iterator[str]:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router (app.main adds them with no prefix)
                yield from paths(route.original_router.routes)
            elif path := getattr(route, "path", None):
                yield path

    return frozenset(paths(create_app(EdgeSettings(env="development"), KafkaSettings(), TopicSettings()).routes))


@cache
def worker_pages() -> frozenset[str]:
    """The paths the worker's web server serves (its Faust pages)."""
    from streams.app import create_app

    with tempfile.TemporaryDirectory() as data:
        app = create_app(WorkerSettings(data_dir=Path(data)), KafkaSettings(), TopicSettings())
        return frozenset(view.view_path for view in app.web.views.values())


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


S = TypeVar("S", bound=BaseSettings)


def settings_of(cls: type[S], env: Mapping[str, str]) -> S:
    """The settings a process would read with ``env`` (the values must parse)."""
    with _environment(env):
        return cls()


# --- the processes the files run ----------------------------------------------------


@dataclass
class Probe:
    port: int | str
    path: str


@dataclass
class Process:
    """One product container (or Compose service): what it runs and what it is told."""

    where: str
    argv: list[str]
    env: dict[str, str]
    # name -> container port; Compose services have no names: the default ports apply.
    ports: dict[str, int] = field(default_factory=dict)
    probes: list[Probe] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)

    @property
    def command(self) -> str:
        return self.argv[0] if self.argv else ""

    def port(self, ref: int | str) -> int | None:
        return self.ports.get(ref) if isinstance(ref, str) else ref


def yaml_documents(path: Path) -> list[dict[str, Any]]:
    with path.open() as stream:
        return [document for document in yaml.safe_load_all(stream) if document is not None]


def k8s_documents() -> list[tuple[str, dict[str, Any]]]:
    return [(path.name, document) for path in sorted(K8S.glob("*.yaml")) for document in yaml_documents(path)]


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    logical = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") and not logical:
            continue
        if line.lstrip().startswith("#"):
            continue
        logical += line.rstrip()
        if logical.endswith("\\"):
            logical = logical[:-1] + " "
            continue
        if logical.strip():
            keyword, _, arguments = logical.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
        logical = ""
    return instructions


def dockerfile_env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, arguments in instructions:
        if keyword == "ENV":
            env.update(part.split("=", 1) for part in shlex.split(arguments))  # type: ignore[misc]
    return env


def exec_form(instructions: list[tuple[str, str]], keyword: str) -> list[str]:
    """The last ENTRYPOINT or CMD, which must be in exec (JSON) form."""
    found = [json.loads(arguments) for name, arguments in instructions if name == keyword]
    return list(found[-1]) if found else []


def compose_processes(compose: dict[str, Any], image_env: Mapping[str, str]) -> list[Process]:
    """The Compose services that run the product's image, with the image's ENV beneath theirs."""
    processes = []
    for name, service in compose.get("services", {}).items():
        if not str(service.get("image", "")).startswith(PRODUCT_IMAGE):
            continue
        env = {**image_env, **{key: str(value) for key, value in (service.get("environment") or {}).items()}}
        probes = []
        for part in (service.get("healthcheck") or {}).get("test", []):
            for port, path in re.findall(r"http://[^/:]+:(\d+)(/[^'\" ]*)", part):
                probes.append(Probe(int(port), path))
        processes.append(Process(f"compose service {name}", list(service.get("command", [])), env, probes=probes))
    return processes


def _probes(container: dict[str, Any]) -> list[Probe]:
    probes = []
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        http = (container.get(kind) or {}).get("httpGet")
        if http:
            probes.append(Probe(http["port"], http["path"]))
    return probes


def k8s_processes(documents: list[tuple[str, dict[str, Any]]], image_env: Mapping[str, str]) -> list[Process]:
    """The containers of the manifests' workloads that run the product's image."""
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for _, d in documents if d.get("kind") == "ConfigMap"}
    processes = []
    for file, document in documents:
        if document.get("kind") not in WORKLOADS:
            continue
        pod = document["spec"]["template"]["spec"]
        for container in pod.get("containers", []):
            if not container.get("image", "").startswith(PRODUCT_IMAGE):
                continue
            env = dict(image_env)
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    env.update(config_maps.get(source["configMapRef"]["name"], {}))
            env.update({variable["name"]: str(variable.get("value", "")) for variable in container.get("env", [])})
            argv = list(container.get("args", []))
            if "command" in container:  # replaces the image's ENTRYPOINT: it must still be molt
                argv = [*container["command"][1:], *argv] if container["command"][:1] == ["molt"] else ["?"]
            ports = {port["name"]: port["containerPort"] for port in container.get("ports", []) if "name" in port}
            mounts = [mount["mountPath"] for mount in container.get("volumeMounts", [])]
            where = f"{file} {document['kind']} {document['metadata']['name']} container {container['name']}"
            processes.append(Process(where, argv, env, ports, _probes(container), mounts))
    return processes


# --- the checks ----------------------------------------------------------------------


def unknown_variables(process: Process, known: set[str]) -> list[str]:
    return [
        f"{process.where}: {name} is not a setting of infra/settings.py"
        for name in sorted(process.env)
        if name not in PYTHON_VARIABLES and name not in known
    ]


def bad_commands(process: Process) -> list[str]:
    if not process.argv:
        return [f"{process.where}: runs no molt command"]
    return [f"{process.where}: {problem}" for problem in unknown_commands(process.argv)]


def bad_ports_and_probes(process: Process) -> list[str]:
    """The ports and probe paths a worker or an edge is given are those it serves."""
    problems = []
    settings = {key: value for key, value in process.env.items() if key.startswith("MOLT_")}
    if process.command == "edge":
        edge = settings_of(EdgeSettings, settings)
        port, paths = edge.port, edge_routes()
        if "metrics" in process.ports and process.ports["metrics"] != edge.metrics_port:
            problems.append(f"{process.where}: metrics port {process.ports['metrics']} != {edge.metrics_port}")
    elif process.command == "worker":
        worker = settings_of(WorkerSettings, settings)
        port, paths = worker.web_port, worker_pages()
    else:
        return []
    if "http" in process.ports and process.ports["http"] != port:
        problems.append(f"{process.where}: port http is {process.ports['http']}, the process serves {port}")
    for probe in process.probes:
        if process.port(probe.port) != port:
            problems.append(f"{process.where}: probe {probe.path} on port {probe.port}, the process serves {port}")
        if probe.path not in paths:
            problems.append(f"{process.where}: probe path {probe.path} is not served (serves {sorted(paths)})")
    return problems


def unmounted_files(process: Process) -> list[str]:
    """Every file setting (MOLT_*_FILE) of a container points into one of its volumes."""
    return [
        f"{process.where}: {name}={value} is in no mounted volume"
        for name, value in sorted(process.env.items())
        if name.startswith("MOLT_") and name.endswith("_FILE")
        if not any(Path(value).is_relative_to(mount) for mount in process.mounts)
    ]


def bad_topics(documents: list[tuple[str, dict[str, Any]]], env: Mapping[str, str]) -> list[str]:
    """One KafkaTopic per topic of ``schemas.topics`` with its layout and configuration."""
    topics = settings_of(TopicSettings, {k: v for k, v in env.items() if k.startswith("MOLT_TOPICS_")})
    app_id = settings_of(WorkerSettings, {k: v for k, v in env.items() if k.startswith("MOLT_WORKER_")}).app_id
    declared = {
        document["spec"].get("topicName", document["metadata"]["name"]): document["spec"]
        for _, document in documents
        if document.get("kind") == "KafkaTopic"
    }
    problems = []
    expected = {spec.name: spec for spec in all_topics(app_id)}
    for name in sorted(set(declared) - set(expected)):
        problems.append(f"KafkaTopic {name}: the product has no such topic")
    for name, spec in expected.items():
        if name not in declared:
            problems.append(f"KafkaTopic {name}: missing")
            continue
        topic = declared[name]
        if topic.get("partitions") != topics.partitions:
            problems.append(
                f"KafkaTopic {name}: {topic.get('partitions')} partitions, settings say {topics.partitions}"
            )
        if topic.get("replicas") != topics.replication_factor:
            problems.append(
                f"KafkaTopic {name}: {topic.get('replicas')} replicas, settings say {topics.replication_factor}"
            )
        config = {key: str(value) for key, value in (topic.get("config") or {}).items()}
        # What infra.topicadmin gives every topic it creates.
        for key, value in {**spec.config, "min.insync.replicas": str(topics.min_insync_replicas)}.items():
            if config.get(key) != value:
                problems.append(f"KafkaTopic {name}: {key}={config.get(key)}, the product sets {value}")
    return problems


def untrusted_proxy(proxy: str, process: Process) -> list[str]:
    """The load balancer's address is one the edge believes X-Forwarded-For from."""
    networks = proxy_networks(process.env.get("MOLT_EDGE_TRUSTED_PROXIES", ""))
    if any(ipaddress.ip_address(proxy) in network for network in networks):
        return []
    return [f"{process.where}: the load balancer {proxy} is not in MOLT_EDGE_TRUSTED_PROXIES"]


# --- published schemas and parsers ----------------------------------------------------


def _strict(schema: Any) -> Any:
    """A structural schema refusing unknown fields, as the API server's strict field
    validation (and kubeconform -strict) does: an object with properties and no rule
    for others gets ``additionalProperties: false``."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: _strict(value) for key, value in schema.items()}
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        strict["additionalProperties"] = False
    return strict


@cache
def crd_schema(api_version: str, kind: str) -> dict[str, Any] | None:
    group, _, version = api_version.rpartition("/")
    path = CRD_SCHEMAS / f"{group}_{version}_{kind}.json"
    return _strict(json.loads(path.read_text())) if path.is_file() else None


def schema_errors(document: dict[str, Any]) -> list[str]:
    """The document against Kubernetes' schema for its kind, or its CRD's published one."""
    name = f"{document.get('kind')} {(document.get('metadata') or {}).get('name')}"
    schema = crd_schema(document.get("apiVersion", ""), document.get("kind", ""))
    if schema is not None:
        validator = jsonschema.Draft7Validator(schema)
        return [f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return [f"{name}: no schema for {document.get('apiVersion')} {document.get('kind')}"]
    except kubernetes_validate.ValidationError as error:
        return [f"{name}: {'/'.join(map(str, error.path))}: {error.message}"]
    return []


def compose_schema_errors(compose: dict[str, Any]) -> list[str]:
    """The Compose file against the Compose Specification's schema (check-jsonschema's copy)."""
    import check_jsonschema.builtin_schemas as builtin

    schema = json.loads((Path(builtin.__file__).parent / "vendor" / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]


def nginx_errors(path: Path) -> list[str]:
    """nginx's configuration parsed by crossplane (nginx's own parser), directives checked
    against the context and arguments nginx allows."""
    parsed = crossplane.parse(str(path), check_ctx=True, check_args=True, single=True)
    return [f"{error['file']}:{error['line']}: {error['error']}" for error in parsed["errors"]]


def hadolint_errors(path: Path) -> list[str]:
    """hadolint (parses the Dockerfile with Docker's grammar and lints it)."""
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or "hadolint"
    result = subprocess.run([hadolint, "--no-color", str(path)], capture_output=True, text=True, check=False)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def flatten(problems: Iterable[list[str]]) -> list[str]:
    return [problem for group in problems for problem in group]
