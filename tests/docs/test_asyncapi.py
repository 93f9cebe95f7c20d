"""docs/asyncapi.yaml held to the code: the messages each way and their fields, the error
and close codes, and every topic with its Avro value schema and configuration."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from app.ws.endpoint import router
from app.ws.messages import CLOSE_AFTER, ClientIn, ClientOut, Close, ErrorCode
from schemas.topics import TopicSpec, all_topics

DOCS = Path(__file__).resolve().parents[2] / "docs"
AVRO = "application/vnd.apache.avro;version=1.9.0"
# The document names the worker's app id as a channel parameter.
TOPICS = all_topics("{appId}")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return yaml.safe_load((DOCS / "asyncapi.yaml").read_text())


def follow(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node``, or what its local ``$ref`` points at, followed to the end."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = doc
        for part in ref[2:].split("/"):
            node = node[part]
    return node


def is_socket(channel: dict[str, Any]) -> bool:
    return channel["address"].startswith("/ws/")


def socket_messages(doc: dict[str, Any], action: str) -> dict[str, dict[str, Any]]:
    """The payloads of the messages the edge ``action``s (send or receive) on its sockets, by ``t``."""
    payloads: dict[str, dict[str, Any]] = {}
    for operation in doc["operations"].values():
        if operation["action"] == action and is_socket(follow(doc, operation["channel"])):
            for ref in operation["messages"]:
                payload = follow(doc, follow(doc, ref)["payload"])
                payloads[payload["properties"]["t"]["const"]] = payload
    return payloads


DIRECTIONS = [("receive", ClientIn), ("send", ClientOut)]


@pytest.mark.parametrize(("action", "union"), DIRECTIONS)
def test_each_direction_documents_exactly_the_messages_of_the_code(doc: dict, action: str, union: Any) -> None:
    assert set(socket_messages(doc, action)) == {message.t for message in get_args(union)}


@pytest.mark.parametrize(("action", "union"), DIRECTIONS)
def test_each_documented_message_has_the_fields_of_its_type(doc: dict, action: str, union: Any) -> None:
    documented = socket_messages(doc, action)
    for message in get_args(union):
        fields = {"t"} | {field.name for field in dataclasses.fields(message)}
        assert set(documented[message.t]["properties"]) == fields, message.__name__


def test_the_documented_sockets_are_the_edge_s_each_with_messages_both_ways(doc: dict) -> None:
    sockets = {channel["address"] for channel in doc["channels"].values() if is_socket(channel)}
    assert sockets == {route.path for route in router.routes}
    for action in ("send", "receive"):
        operations = doc["operations"].values()
        assert {follow(doc, op["channel"])["address"] for op in operations if op["action"] == action} == sockets


def test_error_codes_and_the_closes_after_them_are_the_code_s(doc: dict) -> None:
    error = doc["components"]["messages"]["error"]
    assert set(error["payload"]["properties"]["code"]["enum"]) == set(get_args(ErrorCode))
    assert error["x-close-after"] == {code: int(close) for code, close in CLOSE_AFTER.items()}
    assert {int(code) for code in doc["components"]["x-close-codes"]} == {int(close) for close in Close}


def test_the_end_message_s_result_has_the_run_result_s_fields(doc: dict) -> None:
    result = follow(doc, socket_messages(doc, "send")["end"]["properties"]["result"])
    avro = json.loads((DOCS.parent / "schemas" / "avro" / "games.moltstation.live.RunResult.avsc").read_text())
    assert set(result["properties"]) == {field["name"] for field in avro["fields"]}


def topic_channels(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {channel["address"]: channel for channel in doc["channels"].values() if not is_socket(channel)}


def test_every_topic_is_a_channel_and_every_channel_a_topic(doc: dict) -> None:
    assert set(topic_channels(doc)) == {spec.name for spec in TOPICS}


@pytest.mark.parametrize("spec", TOPICS, ids=lambda spec: spec.name)
def test_a_topic_s_channel_carries_its_avro_value_schema(doc: dict, spec: TopicSpec) -> None:
    (message,) = topic_channels(doc)[spec.name]["messages"].values()
    payload = follow(doc, message)["payload"]
    assert payload["schemaFormat"] == AVRO
    path = (DOCS / payload["schema"]["$ref"]).resolve()
    assert path.is_file(), path
    avro = json.loads(path.read_text())
    assert (avro["type"], avro["name"]) == ("record", spec.value_schema)


@pytest.mark.parametrize("spec", TOPICS, ids=lambda spec: spec.name)
def test_a_topic_s_channel_documents_its_configuration(doc: dict, spec: TopicSpec) -> None:
    documented = topic_channels(doc)[spec.name]["bindings"]["kafka"]["topicConfiguration"]
    # The Kafka binding spells a policy as a list and a retention as a number.
    expected = {key: value.split(",") if key == "cleanup.policy" else int(value) for key, value in spec.config.items()}
    assert documented == expected
