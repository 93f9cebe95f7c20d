// The watch-live list: one card per live run the API lists (api sessions only, never
// practice), polled every POLL_MS and updated in place, so cards keep their place and
// the list follows runs starting and ending without a reload.
import { api, sessionsPath } from "./api.js";

const POLL_MS = 1500;

function clock(startedAt) {
  const seconds = startedAt ? Math.max(0, Math.floor((Date.now() - Date.parse(startedAt)) / 1000)) : 0;
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

export class LiveList {
  constructor(slug, list, empty, onWatch) {
    this.slug = slug;
    this.list = list;
    this.empty = empty;
    this.onWatch = onWatch;
    this.cards = new Map(); // sessionId -> {card, session}
    this.watchingId = null;
  }

  start() {
    const poll = async () => {
      try {
        this.render((await api("GET", `${sessionsPath(this.slug)}/live`)).sessions);
      } catch (error) {
        this.empty.textContent = `Live list unavailable: ${error.message}`;
        this.empty.hidden = false;
      }
      setTimeout(poll, POLL_MS);
    };
    poll();
    setInterval(() => this.cards.forEach(({ card, session }) => this.field(card, "running", clock(session.startedAt))), 1000);
  }

  render(sessions) {
    const listed = new Set();
    for (const session of sessions) {
      listed.add(session.sessionId);
      const entry = this.cards.get(session.sessionId) || this.add(session);
      entry.session = session;
      this.update(entry.card, session);
    }
    for (const [id, { card }] of this.cards) {
      if (!listed.has(id)) {
        card.remove();
        this.cards.delete(id);
      }
    }
    this.empty.textContent = "No live runs right now.";
    this.empty.hidden = this.cards.size > 0;
  }

  add(session) {
    const card = document.createElement("li");
    card.className = "card";
    card.dataset.sessionId = session.sessionId;
    card.innerHTML = `
      <div class="card-head"><span class="player" data-field="player"></span><span class="badge" data-field="state"></span></div>
      <dl>
        <div><dt>Score</dt><dd data-field="score"></dd></div>
        <div><dt>Running</dt><dd data-field="running"></dd></div>
        <div><dt>Spectators</dt><dd data-field="spectators"></dd></div>
      </dl>
      <button type="button" class="watch">Watch</button>`;
    const entry = { card, session };
    card.querySelector("button").addEventListener("click", () => this.onWatch(entry.session));
    this.list.append(card);
    this.cards.set(session.sessionId, entry);
    return entry;
  }

  field(card, name, text) {
    card.querySelector(`[data-field=${name}]`).textContent = text;
  }

  update(card, session) {
    this.field(card, "player", session.player.name);
    this.field(card, "score", String(session.score));
    this.field(card, "running", clock(session.startedAt));
    this.showSeats(card, session.spectatorsCurrent, session.spectatorsMax, session.joinable);
    card.classList.toggle("watching", session.sessionId === this.watchingId);
  }

  showSeats(card, current, max, joinable) {
    this.field(card, "spectators", `${current}/${max}`);
    card.dataset.state = joinable ? "joinable" : "full";
    this.field(card, "state", joinable ? "Joinable" : "Full");
  }

  // The numbers of a 409 SPECTATORS_FULL answer, shown until the next poll.
  markFull(sessionId, current, max) {
    const entry = this.cards.get(sessionId);
    if (entry) this.showSeats(entry.card, current, max, false);
  }

  watching(sessionId) {
    this.watchingId = sessionId;
    this.cards.forEach(({ card }, id) => card.classList.toggle("watching", id === sessionId));
  }
}
