// A one-shot check of a running server, for tests/peers: `node src/probe.js URL`.
//
// Through @colyseus/sdk, it opens a run with a seat for one spectator, joins it as that
// spectator, tries a second spectator (refused: the room is full), has the spectator
// send an input (refused) and the player flap FLAPS times, each once the state shows the
// last took effect; then prints what both saw as JSON: the ticks of the states each got,
// the player's last lastInputSeq, the spectator's error and the full room's refusal.

import { Client } from "@colyseus/sdk";

const FLAPS = 5;
const SEED = 3;

const client = new Client(process.argv[2]);
const player = await client.create("flappy", { seed: SEED, spectatorsMax: 1 });
const spectator = await client.joinById(player.roomId, { spectate: true });
const seen = { player: [], spectator: [], lastInputSeq: 0 };

const refusal = await client.joinById(player.roomId, { spectate: true }).then(
  (room) => {
    room.leave();
    return null;
  },
  (error) => String(error.message),
);
const spectatorError = new Promise((resolve) => spectator.onMessage("error", resolve));
spectator.onStateChange((state) => seen.spectator.push(state.tick));
spectator.send("flap", 1);

await new Promise((resolve) => {
  let sent = 0;
  player.onStateChange((state) => {
    seen.player.push(state.tick);
    seen.lastInputSeq = state.lastInputSeq;
    if (state.lastInputSeq === FLAPS || state.ended) {
      resolve();
    } else if (state.lastInputSeq === sent) {
      sent += 1;
      player.send("flap", sent);
    }
  });
});
const error = await spectatorError;
await player.leave();
await spectator.leave();
console.log(JSON.stringify({ ...seen, spectatorError: error, fullRoom: refusal }));
process.exit(0);
