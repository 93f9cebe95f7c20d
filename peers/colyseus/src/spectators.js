// Many spectators of Colyseus rooms in one process: the Colyseus side of the benchmark's
// receivers (molt/bench/receivers.py holds ours), driven over stdin by obey.js.
//
// Each spectator is what a viewer needs and no more: a seat reserved through the
// matchmaker with {spectate: true}, a `ws` socket, the JOIN_ROOM acknowledged, and of
// each state patch only its tick read, never decoded (state.js puts the tick first in
// every patch). Commands, one answer each:
//   connect(url, [[roomId, stream], ...]): open a spectator per pair; [opened, first errors]
//   record: from now, note (stream, tick, wall time) of every patch
//   report(t0, t1): stop noting; what was noted, each open socket's patches in [t0, t1),
//     the bytes of every patch noted, and this process's CPU since record, % of a core
//   close: close every socket

import WebSocket from "ws";

import { cpuSeconds, obey, wallSeconds } from "./obey.js";

const JOIN_ROOM = 10;
const ROOM_STATE_PATCH = 15;
// A patch that changes the tick opens with REPLACE of field 0, then the uint32.
const TICK_FIELD = 0x80;
// Spectators opening at once: enough to connect thousands in seconds, few enough that
// the server's accept queue never overflows (as molt/bench/receivers.py).
const CONNECTING = 50;
const OPEN_TIMEOUT_MS = 30_000;
const TICK_BITS = 2 ** 32;

const sockets = []; // {ws, times}: the patches' wall times while recording
let recording = false;
let noted = fresh();
let recordedAt = [0, 0]; // wall and CPU seconds at record

function fresh() {
  return { keys: [], times: [], frame_bytes: 0 };
}

async function connect(url, targets) {
  const queue = [...targets];
  const errors = [];
  let opened = 0;
  const worker = async () => {
    while (queue.length > 0) {
      const [roomId, stream] = queue.shift();
      try {
        sockets.push(await spectate(url, roomId, stream));
        opened += 1;
      } catch (error) {
        errors.push(`${error.name}: ${error.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTING }, worker));
  return [opened, errors.slice(0, 5)];
}

async function spectate(url, roomId, stream) {
  const response = await fetch(`${url}/matchmake/joinById/${roomId}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ spectate: true }),
    signal: AbortSignal.timeout(OPEN_TIMEOUT_MS),
  });
  const seat = await response.json();
  if (!response.ok) {
    throw new Error(`seat refused: ${response.status} ${JSON.stringify(seat).slice(0, 200)}`);
  }
  const wsUrl = `${url.replace(/^http/, "ws")}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`;
  const ws = new WebSocket(wsUrl);
  const socket = { ws, times: [] };
  const streamKey = stream * TICK_BITS;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no JOIN_ROOM in time")), OPEN_TIMEOUT_MS);
    ws.on("error", reject);
    ws.on("message", (data) => {
      if (data[0] === JOIN_ROOM) {
        ws.send(Uint8Array.of(JOIN_ROOM));
        clearTimeout(timer);
        resolve(socket);
      } else if (recording && data[0] === ROOM_STATE_PATCH && data[1] === TICK_FIELD) {
        const at = wallSeconds();
        noted.keys.push(streamKey + data.readUInt32LE(2));
        noted.times.push(at);
        noted.frame_bytes += data.length;
        socket.times.push(at);
      }
    });
  });
}

function report(t0, t1) {
  recording = false;
  const [wall, cpu] = recordedAt;
  const open = sockets.filter((socket) => socket.ws.readyState === WebSocket.OPEN);
  return {
    ...noted,
    per_socket: open.map((socket) => socket.times.filter((t) => t0 <= t && t < t1).length),
    cpu_pct: Math.round((1000 * (cpuSeconds() - cpu)) / (wallSeconds() - wall)) / 10,
  };
}

await obey(async (name, args) => {
  switch (name) {
    case "connect":
      return connect(...args);
    case "record":
      recording = true;
      noted = fresh();
      recordedAt = [wallSeconds(), cpuSeconds()];
      for (const socket of sockets) {
        socket.times = [];
      }
      return true;
    case "report":
      return report(...args);
    case "close":
      for (const socket of sockets.splice(0)) {
        socket.ws.terminate();
      }
      return true;
  }
  throw new Error(`unknown command ${name}`);
});
