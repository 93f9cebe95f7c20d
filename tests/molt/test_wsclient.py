"""The benchmark's minimal WebSocket client against a real ``websockets`` server."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.server import ServerConnection, serve

from molt.bench.wsclient import HandshakeFailed, open_reader

SIZES = (0, 125, 126, 65_535, 65_536, 100_000)


async def echo_then_sizes(ws: ServerConnection) -> None:
    """Echo the first message, send one message of each size, answer a ping, close."""
    first = await ws.recv()
    await ws.send(f"echo:{first}")
    for size in SIZES:
        await ws.send("x" * size)
    pong = await ws.ping(b"are-you-there")
    await asyncio.wait_for(pong, 5)  # the client answered the ping
    await ws.send("after-pong")
    await ws.close(1000)


async def test_it_opens_sends_masked_text_reads_every_length_answers_pings_and_sees_the_close() -> None:
    async with serve(echo_then_sizes, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        reader = await open_reader(f"ws://127.0.0.1:{port}/some/path?q=1", 5)
        reader.send_text("héllo")  # non-ASCII: masked bytes of its UTF-8
        assert await asyncio.wait_for(reader.first_text, 5) == "echo:héllo".encode()
        texts: list[bytes] = []
        reader.follow(texts.append)
        await asyncio.wait_for(reader.closed, 5)
    assert texts == [b"x" * size for size in SIZES] + [b"after-pong"]


async def test_a_server_that_refuses_the_upgrade_fails_the_handshake() -> None:
    async def refuse(connection, request):
        return connection.respond(403, "no\n")

    async with serve(echo_then_sizes, "127.0.0.1", 0, process_request=refuse) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        with pytest.raises(HandshakeFailed, match="403"):
            await open_reader(f"ws://127.0.0.1:{port}/", 5)


async def test_offering_deflate_it_inflates_what_a_websockets_server_compresses_across_messages() -> None:
    async def repeat(ws: ServerConnection) -> None:
        await ws.recv()
        for n in range(50):  # alike messages: the server's context makes later ones small
            await ws.send(f'{{"t":"frame","tick":{n},"state":{{"bird":{{"y":{1000 + n}}}}}}}')
        await ws.close(1000)

    async with serve(repeat, "127.0.0.1", 0) as server:  # websockets' default: permessage-deflate
        port = next(iter(server.sockets)).getsockname()[1]
        reader = await open_reader(f"ws://127.0.0.1:{port}/", 5, deflate=True)
        reader.send_text("go")
        texts: list[bytes] = [await asyncio.wait_for(reader.first_text, 5)]
        sizes: list[int] = []
        reader.follow(lambda text: (texts.append(text), sizes.append(reader.wire_size)))
        await asyncio.wait_for(reader.closed, 5)
    assert texts == [f'{{"t":"frame","tick":{n},"state":{{"bird":{{"y":{1000 + n}}}}}}}'.encode() for n in range(50)]
    assert max(sizes) < len(texts[-1]) / 2, "they came deflated, and were counted as they came"
