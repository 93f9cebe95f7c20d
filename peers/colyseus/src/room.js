// Flappy Bots as a Colyseus room: one player, spectators, one run.
//
// The player is the first client to join without `spectate`; its run starts on joining
// and ticks at the game's 30 Hz (`pacing.js`). A `flap` message carries the input's
// seq, which must increase; the next tick applies it and reports it in `lastInputSeq`,
// as our frames do. Clients that join with `{spectate: true}` watch: their inputs are
// refused with a BAD_MESSAGE error, as our edge refuses a spectator's. Capacity is
// Colyseus's own: maxClients is the player plus `spectatorsMax`.
//
// State goes out the Colyseus way, as schema deltas, one patch per tick: the room calls
// broadcastPatch() right after each tick (patchRate null) rather than on Colyseus's own
// patch interval, which would drift against the ticks and hold a tick's state back by up
// to a period. A run ends on a collision, its maximum length, or the player leaving.
//
// With `{autoplay: true}` the room has no player: it plays the reference bot itself, on
// each tick's state, from the first tick, a new run from the same seed whenever one ends,
// and stays open without clients. It is the benchmark's always-live session to spectate,
// as our bench feeds the edge a session's frames in the worker's stead.

import { Room } from "@colyseus/core";

import { CONFIG, frame, initialState, speedAt, step } from "./flappy.js";
import { pace } from "./pacing.js";
import { flappyPolicy } from "./policy.js";
import { FlappyState, Pipe } from "./state.js";
import { noteTick, roomClosed, roomOpened } from "./stats.js";

const DEFAULT_SPECTATORS_MAX = 50;

export class FlappyRoom extends Room {
  onCreate(options = {}) {
    roomOpened();
    const spectatorsMax = options.spectatorsMax ?? DEFAULT_SPECTATORS_MAX;
    this.maxClients = 1 + spectatorsMax;
    this.patchRate = null;
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.game = initialState(CONFIG, this.seed);
    this.autoplay = options.autoplay === true;
    this.playerId = null;
    this.sentSeq = 0; // the last input's seq
    this.flapDue = false; // an input waits for the next tick
    this.stop = () => {};
    this.state = new FlappyState({
      lastInputSeq: 0,
      ended: false,
      endReason: "",
      hit: "",
      width: CONFIG.width,
      height: CONFIG.height,
      birdX: CONFIG.bird_x,
      birdRadius: CONFIG.bird_radius,
      pipeWidth: CONFIG.pipe_width,
    });
    this.show();
    this.onMessage("flap", (client, seq) => this.input(client, seq));
    if (this.autoplay) {
      this.autoDispose = false;
      this.stop = pace(CONFIG.tick_rate, (tick, due) => this.tick(due));
    }
  }

  onJoin(client, options = {}) {
    if (options.spectate || this.autoplay) {
      return;
    }
    if (this.playerId !== null) {
      throw new Error("this run has its player");
    }
    this.playerId = client.sessionId;
    this.stop = pace(CONFIG.tick_rate, (tick, due) => this.tick(due));
  }

  onLeave(client) {
    if (client.sessionId === this.playerId && !this.state.ended) {
      this.end("abandoned");
    }
  }

  onDispose() {
    this.stop();
    roomClosed();
  }

  input(client, seq) {
    if (client.sessionId !== this.playerId) {
      client.send("error", { code: "BAD_MESSAGE", message: "spectators cannot send inputs" });
    } else if (!Number.isSafeInteger(seq) || seq <= this.sentSeq) {
      client.send("error", { code: "BAD_MESSAGE", message: "seq must be an increasing integer" });
    } else {
      this.sentSeq = seq;
      this.flapDue = true;
    }
  }

  tick(due) {
    if (this.autoplay) {
      this.flapDue = flappyPolicy(frame(CONFIG, this.game)) !== null;
    }
    this.game = step(CONFIG, this.game, this.flapDue);
    if (this.flapDue) {
      this.state.lastInputSeq = this.sentSeq;
      this.flapDue = false;
    }
    this.show();
    if (this.game.endReason !== null && this.autoplay) {
      this.game = initialState(CONFIG, this.seed);
    } else if (this.game.endReason !== null) {
      this.end(this.game.endReason);
    }
    this.broadcastPatch();
    noteTick(performance.now() - due);
  }

  end(reason) {
    this.stop();
    Object.assign(this.state, { ended: true, endReason: reason, hit: this.game.hit ?? "" });
  }

  // Write the engine's state into the schema: only what changed goes out in the patch.
  show() {
    const game = this.game;
    const s = this.state;
    s.tick = game.tick;
    s.score = game.score;
    s.speed = speedAt(CONFIG, game.tick);
    s.y = game.y;
    s.vy = game.vy;
    s.dist = game.dist;
    while (s.pipes.length > 0 && (game.pipes.length === 0 || s.pipes[0].x < game.pipes[0][0])) {
      s.pipes.shift();
    }
    for (const [x, gapTop, gapBottom] of game.pipes.slice(s.pipes.length)) {
      s.pipes.push(new Pipe({ x, gapTop, gapBottom }));
    }
  }
}
