// A person's own practice run, through the same play protocol as bots: create a
// practice session, get a play token, open the play socket, send numbered inputs.
// Practice sessions are never listed for watching (the API leaves them out).
//
// The player is the wallet's access session when signed in, else this browser's guest
// agent (identity.js); a guest key the edge no longer knows is replaced once.
// Controls: the keyboard, a tap on the game, and the touch pad's buttons.
import { api, sessionPath, sessionsPath } from "./api.js";
import { forgetWallet, guestKey, wallet } from "./identity.js";
import { openSocket } from "./socket.js";

const KEYS = {
  "flappy-bots": { " ": "flap", ArrowUp: "flap", w: "flap" },
  shellrunners: {
    ArrowLeft: "left", a: "left", ArrowRight: "right", d: "right",
    ArrowUp: "jump", w: "jump", " ": "jump", ArrowDown: "duck", s: "duck",
  },
};
export const PAD = {
  "flappy-bots": [["flap", "Flap"]],
  shellrunners: [["left", "◀ Left"], ["jump", "Jump"], ["duck", "Duck"], ["right", "Right ▶"]],
};
const RECONNECTS = 3;

// Which action a tap at `fraction` (0..1 across the game) means.
function tapAction(slug, fraction) {
  if (slug === "flappy-bots") return "flap";
  return fraction < 1 / 3 ? "left" : fraction > 2 / 3 ? "right" : "jump";
}

export class Practice {
  constructor(slug, stage, pad) {
    this.slug = slug;
    this.stage = stage;
    this.socket = null;
    this.running = false;
    for (const [action, label] of PAD[slug]) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.dataset.action = action;
      button.addEventListener("pointerdown", (event) => {
        event.preventDefault();
        this.send(action);
      });
      pad.append(button);
    }
    this.pad = pad;
    document.addEventListener("keydown", (event) => {
      const action = KEYS[slug][event.key];
      if (!action || !this.running) return;
      event.preventDefault(); // no page scroll on space or arrows while playing
      if (!event.repeat) this.send(action);
    });
    stage.canvas.addEventListener("pointerdown", (event) => {
      if (!this.running) return;
      const box = stage.canvas.getBoundingClientRect();
      this.send(tapAction(slug, (event.clientX - box.left) / box.width));
    });
  }

  async start() {
    this.stop();
    this.stage.reset("Your practice run");
    this.stage.say("Starting…");
    try {
      let key = wallet() ? null : await guestKey(); // null: the wallet's cookie is the player
      let session;
      try {
        session = await this.create(key);
      } catch (error) {
        if (error.status !== 401) throw error;
        if (!key) forgetWallet();
        key = await guestKey({ renew: true });
        session = await this.create(key);
      }
      this.session = { ...session, key, ended: false, reconnects: 0 };
      this.seq = 0;
      await this.connect(this.session);
    } catch (error) {
      this.stage.say(`Cannot start a practice run: ${error.message}`);
    }
  }

  stop() {
    this.running = false;
    this.pad.hidden = true;
    this.session = null;
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close(1000);
    }
  }

  create(key) {
    return api("POST", sessionsPath(this.slug), { body: { mode: "practice" }, key });
  }

  async connect(session) {
    const token = await api("POST", `${sessionPath(this.slug, session.sessionId)}/play-token`, { key: session.key });
    if (session !== this.session) return;
    const socket = openSocket(token.wsUrl, token.token, {
      message: (message) => socket === this.socket && this.onMessage(session, message),
      closed: () => socket === this.socket && this.onClosed(session),
    });
    this.socket = socket;
  }

  onMessage(session, message) {
    switch (message.t) {
      case "welcome":
        this.running = true;
        this.pad.hidden = false;
        this.stage.say("");
        if (message.state) this.stage.show(message.state);
        break;
      case "frame":
        this.stage.show(message.state);
        break;
      case "end":
        session.ended = true;
        this.running = false;
        this.pad.hidden = true;
        this.stage.end(message.result, () => this.start(), "Play again");
        break;
    }
  }

  // A dropped play socket rejoins the same run with a fresh token (the server keeps the
  // run through its grace period).
  async onClosed(session) {
    this.socket = null;
    this.running = false;
    if (session.ended || session !== this.session) return;
    if (++session.reconnects > RECONNECTS) {
      this.stage.say("Lost the connection to your run.");
      return;
    }
    try {
      await this.connect(session);
    } catch (error) {
      this.stage.say(`Lost your run: ${error.message}`);
    }
  }

  send(action) {
    if (!this.running || !this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    this.seq += 1;
    this.socket.send(JSON.stringify({ t: "input", seq: this.seq, action }));
  }
}
