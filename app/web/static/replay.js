// Watching an ended run again from its log: GET .../sessions/{id}/replay gives every
// frame of the run, played back here at the game's 30 Hz on the same stage.
import { api, sessionPath } from "./api.js";

const TICK_MS = 1000 / 30;

export class Replayer {
  constructor(slug, stage) {
    this.slug = slug;
    this.stage = stage;
    this.timer = null;
  }

  async play(sessionId) {
    this.stop();
    this.stage.reset("Loading the replay…");
    let run;
    try {
      run = await api("GET", `${sessionPath(this.slug, sessionId)}/replay`);
    } catch (error) {
      this.stage.say(`No replay: ${error.message}`);
      return;
    }
    this.stage.reset(`Replay of ${run.result.playerName}`);
    let next = 0;
    this.timer = setInterval(() => {
      if (next < run.frames.length) {
        this.stage.show(run.frames[next++].state);
        return;
      }
      this.stop();
      this.stage.end(run.result, () => this.play(sessionId), "Watch again");
    }, TICK_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }
}
