// Rewinding a live run (time-shift). The spectate socket stays open meanwhile, so the
// seat and the spectator count do not change, and its frames keep the live tick; the
// stage shows instead the frames of an earlier tick on, read from the log a page at a
// time (GET .../frames?fromTick=&limit=, with the seat's spectate token) and played
// forward at 30 Hz, the next page asked for while AHEAD frames are still in hand.
// Playing up to the live tick, or Live, goes back to the socket's frames.
import { api, sessionPath } from "./api.js";

const TICK_MS = 1000 / 30;
const PAGE = 300;
const AHEAD = 150;

export class Rewinder {
  // seat.token(fresh): the seat's spectate token (a new one for the same seat when `fresh`)
  constructor(slug, stage, root, seat) {
    this.slug = slug;
    this.stage = stage;
    this.root = root;
    this.seat = seat;
    this.scrub = root.querySelector("[data-rewind=scrub]");
    this.playButton = root.querySelector("[data-rewind=play]");
    this.liveButton = root.querySelector("[data-rewind=live]");
    this.where = root.querySelector("[data-rewind=where]");
    this.scrub.addEventListener("input", () => this.render(Number(this.scrub.value)));
    this.scrub.addEventListener("change", () => this.seek(Number(this.scrub.value)));
    this.playButton.addEventListener("click", () => (this.timer ? this.pause() : this.play()));
    this.liveButton.addEventListener("click", () => this.live());
    this.generation = 0;
    this.attach(null);
  }

  // Watching `sessionId` live from now (null: nothing): the controls show, nothing is rewound.
  attach(sessionId) {
    this.pause();
    this.generation++;
    this.sessionId = sessionId;
    this.rewound = false;
    this.buffer = [];
    this.nextTick = null;
    this.liveTick = 0;
    this.root.hidden = !sessionId;
    this.render();
  }

  // A tick arrived on the socket: the stage shows it unless the viewer has rewound.
  onLive(tick) {
    this.liveTick = tick;
    this.scrub.max = String(tick);
    if (!this.rewound) this.scrub.value = String(tick);
    this.render();
    return !this.rewound;
  }

  async seek(tick) {
    this.pause();
    this.rewound = true;
    const generation = ++this.generation;
    this.buffer = [];
    this.nextTick = tick;
    this.render(tick);
    await this.fetchMore(generation);
    if (generation === this.generation) this.step();
  }

  play() {
    if (!this.rewound || this.timer) return;
    this.timer = setInterval(() => this.step(), TICK_MS);
    this.render();
  }

  pause() {
    clearInterval(this.timer);
    this.timer = null;
    this.render();
  }

  live() {
    this.pause();
    this.generation++;
    this.rewound = false;
    this.buffer = [];
    this.scrub.value = String(this.liveTick);
    this.render();
  }

  // The next frame in hand onto the stage; asks for the next page when few are left.
  step() {
    const frame = this.buffer.shift();
    if (frame) {
      this.stage.show(frame.state);
      this.scrub.value = String(frame.tick);
      this.render();
    } else if (this.nextTick === null || (this.timer && this.nextTick >= this.liveTick)) {
      this.live(); // played up to the live tick (or the run's end): back to the socket's frames
      return;
    }
    if (this.buffer.length < AHEAD && !this.fetching && this.nextTick !== null) this.fetchMore(this.generation);
  }

  async fetchMore(generation) {
    this.fetching = true;
    try {
      const page = await this.page(this.nextTick);
      if (generation !== this.generation) return;
      this.buffer.push(...page.frames);
      this.nextTick = page.nextTick; // null once the run's final frame is in hand
      if (!this.buffer.length) this.live(); // nothing logged from there on yet: that is live
    } catch (error) {
      if (generation !== this.generation) return;
      this.stage.say(`Cannot rewind: ${error.message}`);
      this.live();
    } finally {
      this.fetching = false;
    }
  }

  async page(fromTick) {
    const path = `${sessionPath(this.slug, this.sessionId)}/frames?fromTick=${fromTick}&limit=${PAGE}`;
    try {
      return await api("GET", path, { key: await this.seat.token(false) });
    } catch (error) {
      if (error.status !== 401) throw error;
      return await api("GET", path, { key: await this.seat.token(true) }); // the token expired
    }
  }

  render(at) {
    const tick = at ?? Number(this.scrub.value);
    this.root.dataset.mode = this.rewound ? "rewound" : "live";
    this.playButton.disabled = !this.rewound;
    this.playButton.textContent = this.timer ? "Pause" : "Play";
    this.liveButton.disabled = !this.rewound;
    const behind = Math.max(0, this.liveTick - tick) / 30;
    this.where.textContent = this.rewound ? `${behind.toFixed(1)} s behind` : "Live";
    this.where.title = this.rewound ? `Tick ${tick} of ${this.liveTick}` : "";
  }
}
