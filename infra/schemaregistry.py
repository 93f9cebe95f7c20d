"""The product's schemas in the schema registry, and the ids each process writes with.

Every topic's value schema is registered under the subject ``<topic>-value`` (the
naming every Kafka tool assumes), its committed history first (``schemas/history``,
oldest name first) and the current version last, so the subject's latest version is
the one the code writes and the registry holds every version a log may carry. Each
subject gets the configured compatibility (BACKWARD unless set stricter) before
anything is registered, so the registry itself refuses an incompatible change.

``ensure_schemas`` runs at the start of every process that writes (``molt topics``,
worker, edge, benches), beside ``ensure_topics``; registering what is registered
already only returns its id. A process then writes from those ids alone: the registry
going away later stops nobody. Readers that never write ask only about the ids they
meet (``lookup_ids``).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastavro.schema import parse_schema

from infra.registryclient import RegistryClient
from infra.settings import SchemaRegistrySettings
from schemas.codec import HISTORY_DIR, SCHEMA_DIR, record_schema, schema_fingerprint
from schemas.compat import expanded_json
from schemas.framing import SchemaIds, use_schema_ids
from schemas.topics import all_topics

SUBJECT_THREADS = 4
# What each level guarantees: a subject keeps a level that covers the configured one.
_GUARANTEES = {
    "NONE": frozenset(),
    "BACKWARD": frozenset({"backward"}),
    "BACKWARD_TRANSITIVE": frozenset({"backward", "backward-all"}),
    "FORWARD": frozenset({"forward"}),
    "FORWARD_TRANSITIVE": frozenset({"forward", "forward-all"}),
    "FULL": frozenset({"backward", "forward"}),
    "FULL_TRANSITIVE": frozenset({"backward", "forward", "backward-all", "forward-all"}),
}


def subject(topic: str) -> str:
    return f"{topic}-value"


def schema_versions(
    name: str, schema_dir: Path = SCHEMA_DIR, history_dir: Path = HISTORY_DIR
) -> list[tuple[str, bytes]]:
    """The documents of every version of the topic schema ``name``, committed ones first,
    current last, each with its fingerprint (as the codec's single-object header has it)."""
    documents = [json.loads(path.read_text()) for path in sorted(history_dir.glob(f"{name}.*.json"))]
    documents.append(expanded_json(schema_dir, name))
    return [
        (json.dumps(document, separators=(",", ":")), schema_fingerprint(record_schema(parse_schema(document))))
        for document in documents
    ]


def covers(level: str | None, wanted: str) -> bool:
    """Whether a subject's ``level`` is at least as strict as ``wanted``."""
    return level is not None and _GUARANTEES.get(level.upper(), frozenset()) >= _GUARANTEES[wanted]


def ensure_schemas(settings: SchemaRegistrySettings, app_id: str) -> SchemaIds:
    """Set each subject's compatibility and register every version; the ids to write with.

    Subjects are done side by side (a few threads: each is a handful of short requests,
    in order within the subject), so a process's start waits for the slowest, not the sum.
    """
    specs = all_topics(app_id)
    versions = {spec.value_schema: schema_versions(spec.value_schema) for spec in specs}
    with RegistryClient(settings) as client, ThreadPoolExecutor(SUBJECT_THREADS) as pool:

        def register(topic: str, name: str) -> list[tuple[int, bytes]]:
            subject_name = subject(topic)
            if not covers(client.compatibility(subject_name), settings.compatibility):
                client.set_compatibility(subject_name, settings.compatibility)
            return [(client.register(subject_name, document), digest) for document, digest in versions[name]]

        registered = list(pool.map(register, [s.name for s in specs], [s.value_schema for s in specs]))
        current = {spec.value_schema: ids[-1][0] for spec, ids in zip(specs, registered, strict=True)}
        fingerprints = {schema_id: digest for ids in registered for schema_id, digest in ids}
        return SchemaIds(current, fingerprints, RegistryLookup(settings), client.name)


def lookup_ids(settings: SchemaRegistrySettings) -> SchemaIds:
    """For a process that only reads: every id is asked of the registry when first met."""
    lookup = RegistryLookup(settings)
    return SchemaIds(lookup=lookup, source=f"the schema registry at {lookup.settings.base_url}")


def install(settings: SchemaRegistrySettings, app_id: str) -> SchemaIds:
    """``ensure_schemas``, its ids installed for every codec this process makes from now on."""
    ids = ensure_schemas(settings, app_id)
    use_schema_ids(ids)
    return ids


def install_lookup(settings: SchemaRegistrySettings) -> SchemaIds:
    """``lookup_ids`` installed: for a process that reads the log and writes no topic."""
    ids = lookup_ids(settings)
    use_schema_ids(ids)
    return ids


class RegistryLookup:
    """A schema document by id, asked of the registry (a short client per call: the calls
    are rare, and a process pool forked later must not share a connection)."""

    def __init__(self, settings: SchemaRegistrySettings) -> None:
        self.settings = settings

    def __call__(self, schema_id: int) -> str:
        with RegistryClient(self.settings) as client:
            return client.schema(schema_id)
