"""The local cluster's layout: each node's ports, folders and config (no JVM started)."""

from __future__ import annotations

from pathlib import Path

from infra.localcluster import LocalCluster, cluster_nodes, scratch_cluster
from infra.localkafka import render_server_properties
from infra.settings import KafkaSettings


def settings(nodes: int, root: Path = Path("/run/molt")) -> KafkaSettings:
    return KafkaSettings(
        bootstrap=None, nodes=nodes, port=9092, controller_port=9093,
        data_dir=root / "kafka" / "data", log_dir=root / "logs",
    )  # fmt: skip


def properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def test_three_nodes_take_consecutive_port_pairs_and_folders_of_their_own() -> None:
    nodes = cluster_nodes(settings(3))
    assert [(n.port, n.controller_port) for n in nodes] == [(9092, 9093), (9094, 9095), (9096, 9097)]
    assert len({n.data_dir.parent for n in nodes}) == 3
    assert all(n.data_dir.parent.parent == Path("/run/molt/kafka") for n in nodes)
    assert len({n.log_dir for n in nodes}) == 3
    # Clients of the cluster reach any node; a node names itself alone.
    assert settings(3).bootstrap_servers == "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096"
    assert LocalCluster(settings(3)).bootstrap == settings(3).bootstrap_servers


def test_the_single_node_keeps_the_configured_folders() -> None:
    assert cluster_nodes(settings(1)) == [settings(1)]
    assert settings(1).bootstrap_servers == "127.0.0.1:9092"


def test_every_node_of_three_votes_and_replicates_the_internal_topics_three_times() -> None:
    cluster = LocalCluster(settings(3))
    configs = [properties(render_server_properties(n.settings, None, n.node_id, n.quorum)) for n in cluster.nodes]
    assert [c["node.id"] for c in configs] == ["1", "2", "3"]
    voters = "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097"
    for config in configs:
        assert config["controller.quorum.voters"] == voters
        assert config["offsets.topic.replication.factor"] == "3"
        assert config["transaction.state.log.min.isr"] == "2"
        assert config["min.insync.replicas"] == "2"
        assert config["unclean.leader.election.enable"] == "false"
    assert configs[1]["listeners"] == "PLAINTEXT://127.0.0.1:9094,CONTROLLER://127.0.0.1:9095"


def test_a_node_alone_replicates_nothing_and_takes_the_configured_session_floor() -> None:
    config = properties(render_server_properties(settings(1).model_copy(update={"group_min_session_timeout_ms": 500})))
    assert config["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert (config["offsets.topic.replication.factor"], config["min.insync.replicas"]) == ("1", "1")
    assert config["group.min.session.timeout.ms"] == "500"


def test_a_scratch_cluster_puts_every_node_on_free_ports_under_its_root(tmp_path: Path) -> None:
    cluster = scratch_cluster(tmp_path, 3, heap_mb=384)
    ports = [p for n in cluster.nodes for p in (n.settings.port, n.settings.controller_port)]
    assert len(set(ports)) == 6
    assert all(n.settings.data_dir.is_relative_to(tmp_path) for n in cluster.nodes)
    assert all(n.settings.heap_mb == 384 for n in cluster.nodes)
    assert cluster.running() == []
