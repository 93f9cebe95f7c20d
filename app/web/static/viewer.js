// Watching a live run: ask for a spectate token (the wallet flow first when the page
// holds an access session, else the public flow with this browser's viewer id), open
// the spectate socket and show its frames on the stage.
//
// Seats: every token request names the same viewer (wallet address or stored viewer
// id), and the server answers a viewer that holds a seat with a fresh token for that
// seat, so re-requesting never takes a second one. Recovery:
// - the socket is refused with 4401 (TOKEN_EXPIRED/INVALID, AUTH_TIMEOUT): a new token
//   is requested and the socket opened again;
// - the socket drops otherwise: it is opened again with the token held; if that token
//   has expired meanwhile, the server's 4401 leads to the case above. The server's clock
//   judges expiry, so a skewed clock here never keeps a dead token alive. The session's
//   owner seats the socket again (the same viewer, one seat) if there is room, else the
//   socket is refused with 4409 and the page shows the full warning with its numbers;
// - 1013 (no seat decision in time): opened again after a pause, like a drop.
// While the socket holds the seat, the viewer may rewind the run (rewind.js): its frames
// then only move the live tick, and a page of the log is read with the seat's token.
import { api, ApiError, sessionPath, sleep } from "./api.js";
import { forgetWallet, rememberViewer, viewerId, wallet } from "./identity.js";
import { Rewinder } from "./rewind.js";
import { openSocket } from "./socket.js";

const CLOSE_AUTH = 4401, CLOSE_FORBIDDEN = 4403, CLOSE_FULL = 4409, CLOSE_ENDED = 4410, CLOSE_REPLACED = 4000;
const CLOSE_SEATS_PER_CLIENT = 4429;
const seatsPerClientText = "This network holds as many seats as it may; stop watching elsewhere and try again.";
const MAX_RETRIES = 5;

export const fullText = (current, max) => `${current}/${max} spectators limit reached for this livestream`;

export class Viewer {
  // hooks: full(sessionId, current, max), walletLost(), replay(sessionId), watching(sessionId|null)
  constructor(slug, stage, rewindControls, hooks) {
    this.slug = slug;
    this.stage = stage;
    this.hooks = hooks;
    this.session = null;
    this.socket = null;
    this.rewinder = new Rewinder(slug, stage, rewindControls, { token: (fresh) => this.seatToken(fresh) });
  }

  async watch(session) {
    this.stop();
    this.session = session;
    this.retries = 0;
    this.stage.reset(`Watching ${session.player.name}`);
    this.hooks.watching(session.sessionId);
    await this.renew(session);
  }

  stop() {
    this.session = null;
    this.rewinder.attach(null);
    this.hooks.watching(null);
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close(1000);
    }
  }

  async renew(session) {
    let token;
    try {
      token = await this.requestToken(session.sessionId);
    } catch (error) {
      if (session === this.session) this.refused(session, error);
      return;
    }
    if (session === this.session) this.connect(session, token);
  }

  // The seat's token for reading the run's log; a fresh one (same seat) when asked or expired.
  async seatToken(fresh) {
    const session = this.session;
    if (fresh || Date.parse(this.token.expiresAt) <= Date.now()) this.token = await this.requestToken(session.sessionId);
    return this.token.token;
  }

  async requestToken(sessionId) {
    const path = sessionPath(this.slug, sessionId);
    if (wallet()) {
      try {
        return await api("POST", `${path}/spectate-token`);
      } catch (error) {
        if (error.status !== 401) throw error;
        forgetWallet(); // the access session is gone: carry on as a public viewer
        this.hooks.walletLost();
      }
    }
    for (;;) {
      try {
        const id = viewerId();
        const token = await api("POST", `${path}/spectate-token-public`, { body: id ? { viewerId: id } : {} });
        rememberViewer(token.viewerId);
        return token;
      } catch (error) {
        if (error.code !== "RATE_LIMITED") throw error;
        await sleep(error.retryAfter * 1000);
      }
    }
  }

  refused(session, error) {
    if (error instanceof ApiError && error.code === "SPECTATORS_FULL") {
      this.full(session, error.body.spectatorsCurrent, error.body.spectatorsMax);
    } else if (error instanceof ApiError && error.code === "SESSION_ENDED") {
      this.ended(session);
    } else if (error instanceof ApiError && error.code === "SEATS_PER_CLIENT") {
      this.stage.say(seatsPerClientText);
      this.hooks.watching(null);
    } else {
      this.stage.say(`Cannot watch this run: ${error.message}`);
      this.hooks.watching(null);
    }
  }

  full(session, current, max) {
    this.stage.say(fullText(current, max));
    this.hooks.full(session.sessionId, current, max);
    this.hooks.watching(null);
    this.session = null;
  }

  async ended(session) {
    session.ended = true;
    this.stage.say("This run has ended.");
    const detail = await api("GET", sessionPath(this.slug, session.sessionId));
    this.stage.end(detail.result, () => this.hooks.replay(session.sessionId), "Watch again");
  }

  connect(session, token) {
    this.token = token;
    const socket = openSocket(token.wsUrl, token.token, {
      message: (message) => socket === this.socket && this.onMessage(session, message),
      closed: (code, error) => socket === this.socket && this.onClosed(session, code, error),
    });
    this.socket = socket;
  }

  onMessage(session, message) {
    switch (message.t) {
      case "welcome":
        this.retries = 0;
        this.stage.say("");
        if (this.rewinder.sessionId !== session.sessionId) this.rewinder.attach(session.sessionId);
        if (message.state && this.rewinder.onLive(message.tick)) this.stage.show(message.state);
        this.stage.spectators(message.spectatorsCurrent, message.spectatorsMax);
        break;
      case "frame":
        if (this.rewinder.onLive(message.tick)) this.stage.show(message.state);
        break;
      case "spectators":
        this.stage.spectators(message.current, message.max);
        break;
      case "end":
        session.ended = true;
        this.rewinder.attach(null);
        this.stage.end(message.result, () => this.hooks.replay(session.sessionId), "Watch again");
        break;
    }
  }

  async onClosed(session, code, error) {
    this.socket = null;
    if (session.ended || session !== this.session) return;
    if (++this.retries > MAX_RETRIES) {
      this.stage.say("Lost the connection to this run.");
      return;
    }
    switch (code) {
      case CLOSE_AUTH:
        await this.renew(session);
        return;
      case CLOSE_FULL:
        this.full(session, error.spectatorsCurrent, error.spectatorsMax);
        return;
      case CLOSE_ENDED:
        this.ended(session);
        return;
      case CLOSE_REPLACED:
        this.stage.say("This run is being watched from another tab of this browser.");
        return;
      case CLOSE_SEATS_PER_CLIENT:
        this.stage.say(seatsPerClientText);
        return;
      case CLOSE_FORBIDDEN:
        this.stage.say("This token cannot watch this run.");
        return;
    }
    await sleep(200 * this.retries); // a dropped socket: back off a little, then rejoin
    if (session === this.session) this.connect(session, this.token);
  }
}
