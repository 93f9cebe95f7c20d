// Players of Colyseus rooms in one process, driven over stdin by obey.js: the Colyseus
// side of molt/bench/playerpool.py, answering the same commands with the same report.
//   play(url, seeds, timeoutS): start a Player (player.js) per seed, playing runs back to
//     back, beside any started before; answers how many of all went live within timeoutS
//   on: time every input sent from now
//   off: stop timing, wait (up to COVERED_TIMEOUT_MS) until a state covered every timed
//     input, and answer {samples_ms, inputs_sent, runs_ended, end_reasons, cpu_s}
// A player's failure is answered instead of the next command's answer.

import { Client } from "@colyseus/sdk";

import { cpuSeconds, obey } from "./obey.js";
import { Player, Timing } from "./player.js";

const COVERED_TIMEOUT_MS = 10_000;
const POLL_MS = 100; // the players' states arrive on their own: this polls their counters
// The runs are played, not spectated: the rooms keep no spectator seats.
const SPECTATORS_MAX = 0;

const timing = new Timing();
let players = [];
let failure = null;
let atOn = { cpu: 0, runsEnded: 0, reasons: {} };

function raiseFailure() {
  if (failure !== null) {
    throw failure;
  }
}

async function until(done, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function endReasons() {
  const total = {};
  for (const player of players) {
    for (const [reason, count] of Object.entries(player.endReasons)) {
      total[reason] = (total[reason] ?? 0) + count;
    }
  }
  return total;
}

function runsEnded() {
  return players.reduce((sum, player) => sum + player.runsEnded, 0);
}

await obey(async (name, args) => {
  switch (name) {
    case "play": {
      const [url, seeds, timeoutS] = args;
      const client = new Client(url);
      for (const seed of seeds) {
        const player = new Player(client, timing);
        players.push(player);
        player.playForever(seed, SPECTATORS_MAX).catch((error) => {
          failure ??= error;
        });
      }
      await until(() => failure !== null || players.every((player) => player.live), timeoutS * 1000);
      raiseFailure();
      return players.filter((player) => player.live).length;
    }
    case "on":
      raiseFailure();
      atOn = { cpu: cpuSeconds(), runsEnded: runsEnded(), reasons: endReasons() };
      timing.on = true;
      return true;
    case "off": {
      timing.on = false;
      const cpuS = cpuSeconds() - atOn.cpu;
      const ended = runsEnded() - atOn.runsEnded;
      const reasons = Object.fromEntries(
        Object.entries(endReasons())
          .map(([reason, count]) => [reason, count - (atOn.reasons[reason] ?? 0)])
          .filter(([, count]) => count > 0),
      );
      await until(() => players.every((player) => player.timedPending === 0), COVERED_TIMEOUT_MS);
      raiseFailure();
      return { samples_ms: timing.samples, inputs_sent: timing.sent, runs_ended: ended, end_reasons: reasons, cpu_s: cpuS };
    }
  }
  throw new Error(`unknown command ${name}`);
});
