"""The bench bots' quiet bounds: a bot that skips the frames they name sends the same inputs."""

from __future__ import annotations

import pytest

from molt.bench.quiet import reference_quiet
from streams.sim.registry import ENGINES
from tests.sim.test_bots import play_late


def test_a_negative_lead_is_refused() -> None:
    with pytest.raises(ValueError, match="lead_ticks"):
        reference_quiet("flappy-bots", -1)


@pytest.mark.parametrize("slug", sorted(ENGINES))
@pytest.mark.parametrize(("lead_ticks", "late_share"), [(0, 0.0), (1, 0.3), (1, 1.0)])
def test_a_bot_that_skips_its_quiet_frames_sends_the_same_inputs(slug: str, lead_ticks: int, late_share: float) -> None:
    engine = ENGINES[slug]
    quiet = reference_quiet(slug, lead_ticks)
    read_every, read_skipping = 0, 0
    for seed in range(8):
        every = play_late(engine, seed, lead_ticks, late_share, 3000)
        skipping = play_late(engine, seed, lead_ticks, late_share, 3000, quiet=quiet)
        assert skipping.sent == every.sent, seed
        read_every += every.read
        read_skipping += skipping.read
    # What skipping is for: most frames go unread.
    assert read_skipping < read_every / 3, (read_skipping, read_every)
