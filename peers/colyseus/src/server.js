// The Colyseus peer's server: `node src/server.js PORT` (or PORT in the environment).
//
// Listens on loopback only. Besides Colyseus's own routes (matchmaking under
// /matchmake, the rooms' WebSockets), it answers the benchmark: GET /healthz once
// listening; POST /bench/autoplay?seed=S&spectatorsMax=N, which opens a room that plays
// itself (room.js) and answers its roomId; POST /bench/window/open and
// /bench/window/close around a measured window (the close answers the window's tick
// lags, see stats.js).

import { matchMaker, Server } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";

import { FlappyRoom } from "./room.js";
import { closeWindow, counts, openWindow } from "./stats.js";

const HOST = "127.0.0.1";
const port = Number(process.argv[2] ?? process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node src/server.js PORT (or PORT in the environment)");
  process.exit(2);
}

const server = new Server({
  transport: new WebSocketTransport(),
  greet: false,
  express: (app) => {
    app.get("/healthz", (req, res) => res.json({ ok: true, ...counts() }));
    app.post("/bench/autoplay", async (req, res) => {
      const options = { autoplay: true, seed: Number(req.query.seed), spectatorsMax: Number(req.query.spectatorsMax) };
      const room = await matchMaker.createRoom("flappy", options);
      res.json({ roomId: room.roomId });
    });
    app.post("/bench/window/open", (req, res) => {
      openWindow();
      res.json({ ok: true });
    });
    app.post("/bench/window/close", (req, res) => res.json(closeWindow()));
  },
});
server.define("flappy", FlappyRoom);
await server.listen(port, HOST);
console.log(`colyseus peer listening on ${HOST}:${port}`);
