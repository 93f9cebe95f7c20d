// The leaderboard panel: the game's best api runs from GET .../leaderboard, polled
// every POLL_MS and redrawn only when the answer changed, so a new best run shows up
// without a reload. Each row offers the run again from its log (onReplay(sessionId)).
import { api } from "./api.js";

const POLL_MS = 3000;
const LIMIT = 10;

export class Leaderboard {
  constructor(slug, list, empty, onReplay) {
    this.slug = slug;
    this.list = list;
    this.empty = empty;
    this.onReplay = onReplay;
    this.shown = "";
  }

  start() {
    const poll = async () => {
      try {
        this.render((await api("GET", `/api/games/${this.slug}/leaderboard?limit=${LIMIT}`)).entries);
      } catch (error) {
        this.empty.textContent = `Leaderboard unavailable: ${error.message}`;
        this.empty.hidden = false;
      }
      setTimeout(poll, POLL_MS);
    };
    poll();
  }

  render(entries) {
    const key = entries.map((e) => `${e.sessionId}:${e.score}`).join(",");
    if (key === this.shown) return;
    this.shown = key;
    this.list.replaceChildren(...entries.map((entry) => this.row(entry)));
    this.empty.textContent = "No finished runs yet.";
    this.empty.hidden = entries.length > 0;
  }

  row(entry) {
    const row = document.createElement("li");
    row.className = "rank-row";
    row.dataset.sessionId = entry.sessionId;
    row.innerHTML = `
      <span class="rank" data-field="rank"></span>
      <span class="player" data-field="player"></span>
      <span class="points" data-field="score"></span>
      <button type="button" class="replay">Watch again</button>`;
    row.querySelector("[data-field=rank]").textContent = `#${entry.rank}`;
    row.querySelector("[data-field=player]").textContent = entry.player.name;
    row.querySelector("[data-field=score]").textContent = String(entry.score);
    row.querySelector("button").addEventListener("click", () => this.onReplay(entry.sessionId));
    return row;
  }
}
