"""``molt edge``: one edge process (HTTP API and WebSockets) under uvicorn.

Settings the edge cannot start with (production without token keys, a malformed key)
are refused before anything else, Kafka included: one line on stderr naming the
setting, exit status 6 (``ExitCode.BAD_SETTINGS``).
"""

from __future__ import annotations

import argparse
import asyncio

from infra.schemaregistry import install as install_schema_ids
from infra.settings import EdgeSettings, KafkaSettings, SchemaRegistrySettings, TopicSettings
from infra.topicadmin import ensure_topics
from molt.preflight import require_free, require_kafka


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("edge", help="run an edge (HTTP API and WebSockets)")
    parser.set_defaults(func=run)


def run(_: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app
    from app.ws.messages import PROTOCOL_MAX_BYTES
    from app.ws.wire_protocol import WireWebSocketProtocol

    kafka, edge, topics = KafkaSettings(), EdgeSettings(), TopicSettings()
    app = create_app(edge, kafka, topics)  # refuses unusable token keys before any Kafka client
    require_free(edge.host, edge.port, "MOLT_EDGE_PORT")
    require_kafka(kafka.bootstrap_servers)
    asyncio.run(ensure_topics(kafka.bootstrap_servers, topics, edge.app_id))
    # Ids resolved once, before any codec: the registry going away later stops no write.
    install_schema_ids(SchemaRegistrySettings(), edge.app_id)
    uvicorn.run(
        app,
        host=edge.host,
        port=edge.port,
        log_level="warning",
        timeout_keep_alive=edge.keep_alive_s,
        ws=WireWebSocketProtocol,
        ws_max_size=PROTOCOL_MAX_BYTES,
    )
    return 0
