// A bot playing Flappy Bots in Colyseus rooms, run after run, as our bench's players play
// our sessions through the SDK (molt/bench/players.py): on each state the reference bot
// decides, but only once the state shows the last input took effect, or after
// UNCOVERED_INPUT_FRAMES states that do not (molt.sdk.InputGate). While timing is on,
// each input is timed from just before it is sent to the first state whose lastInputSeq
// covers it; an input whose run ends first is not timed.

import { CONFIG, frame } from "./flappy.js";
import { flappyPolicy } from "./policy.js";

const UNCOVERED_INPUT_FRAMES = 6;

// What the bot sees of the room's state: our frame, built as the engine builds it.
export function frameOf(state) {
  return frame(CONFIG, {
    tick: state.tick,
    score: state.score,
    endReason: state.ended ? state.endReason : null,
    hit: state.hit || null,
    y: state.y,
    vy: state.vy,
    dist: state.dist,
    pipes: state.pipes.map((pipe) => [pipe.x, pipe.gapTop, pipe.gapBottom]),
  });
}

export class Timing {
  on = false;
  sent = 0; // inputs sent while on, covered by a state or not
  samples = []; // ms, of the inputs sent while on that a state covered
}

export class Player {
  constructor(client, timing) {
    this.client = client;
    this.timing = timing;
    this.live = false; // once the first run's first state came
    this.room = null; // the room of the run being played
    this.runsEnded = 0;
    this.endReasons = {};
    this.timedPending = 0; // inputs sent while timing was on that no state covers yet
  }

  // Plays runs back to back: the first from `seed`, later ones from seeds the room draws.
  async playForever(seed, spectatorsMax) {
    for (let next = seed; ; next = undefined) {
      const reason = await this.playRun({ seed: next, spectatorsMax });
      this.runsEnded += 1;
      this.endReasons[reason] = (this.endReasons[reason] ?? 0) + 1;
    }
  }

  // One run in a room of its own; resolves with its end reason once a state shows it ended.
  async playRun(options) {
    const room = await this.client.create("flappy", options);
    this.room = room;
    const sent = []; // [seq, sent at, timed] of the inputs no state covers yet
    let lastSeq = 0;
    let uncovered = 0;
    return new Promise((resolve, reject) => {
      room.onLeave((code) => reject(new Error(`room ${room.roomId} closed (${code}) before the run ended`)));
      room.onStateChange((state) => {
        const arrived = performance.now();
        this.live = true;
        uncovered += 1;
        while (sent.length > 0 && sent[0][0] <= state.lastInputSeq) {
          const [, at, timed] = sent.shift();
          if (timed) {
            this.timedPending -= 1;
            this.timing.samples.push(arrived - at);
          }
        }
        if (state.ended) {
          this.timedPending -= sent.filter(([, , timed]) => timed).length;
          room.onLeave.clear();
          room.leave();
          resolve(state.endReason);
          return;
        }
        const ready = state.lastInputSeq >= lastSeq || uncovered >= UNCOVERED_INPUT_FRAMES;
        if (!ready || flappyPolicy(frameOf(state)) === null) {
          return;
        }
        lastSeq += 1;
        uncovered = 0;
        const timed = this.timing.on;
        sent.push([lastSeq, performance.now(), timed]);
        this.timedPending += timed ? 1 : 0;
        this.timing.sent += timed ? 1 : 0;
        room.send("flap", lastSeq);
      });
    });
  }
}
