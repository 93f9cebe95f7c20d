// The leaderboard panel: the game's best api runs from GET .../leaderboard, polled
// every POLL_MS and redrawn only when the answer changed, so a new best run shows up
// without a reload. Each row offers the run again from its log (onReplay(sessionId)).
import { api } from "./api.js";
import { runRow } from "./runrow.js";

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
    this.list.replaceChildren(
      ...entries.map((e) =>
        runRow(e.sessionId, { rank: `#${e.rank}`, player: e.player.name, score: String(e.score) }, this.onReplay),
      ),
    );
    this.empty.textContent = "No finished runs yet.";
    this.empty.hidden = entries.length > 0;
  }
}
