"""``molt bots``: reference bots playing through the SDK, run after run, until Ctrl-C.

Each bot registers once, then creates an ``api`` session, plays it with its game's
reference policy, sends the snapshot trigger and starts over. ``--runs`` bounds it.
"""

from __future__ import annotations

import argparse
import asyncio

from molt.sdk import MoltApiError, MoltClient, MoltSocketError
from streams.sim.bots import reference_policy
from streams.sim.registry import ENGINES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bots", help="run reference bots against an edge")
    parser.add_argument("--game", choices=sorted(ENGINES), required=True)
    parser.add_argument("--count", type=int, default=1, help="bots playing at once")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the edge")
    parser.add_argument("--runs", type=int, default=0, help="runs per bot; 0 = until Ctrl-C")
    parser.set_defaults(func=run)


async def _bot(url: str, game: str, index: int, runs: int) -> None:
    policy = reference_policy(game)
    async with await MoltClient.register(url, f"{game}-bot-{index}") as client:
        played = 0
        while runs == 0 or played < runs:
            session = await client.create_session(game)
            try:
                result = await client.play_with(game, session["sessionId"], policy)
            except (MoltApiError, MoltSocketError) as exc:
                print(f"bot {index}: {session['sessionId']} stopped: {exc}", flush=True)
                continue
            played += 1
            print(
                f"bot {index}: {session['sessionId']} {result['endReason']} after {result['ticks']} ticks, "
                f"score {result['score']}",
                flush=True,
            )


async def _run_all(args: argparse.Namespace) -> None:
    await asyncio.gather(*(_bot(args.url, args.game, i + 1, args.runs) for i in range(args.count)))


def run(args: argparse.Namespace) -> int:
    try:
        asyncio.run(_run_all(args))
    except KeyboardInterrupt:
        pass
    return 0
