// The game stage: a canvas showing the latest state of whatever is on it (a live run,
// a replay or the person's own practice run), the score and spectator count above it,
// an overlay for the end of a run, and one line of notice below it.
// Drawing runs once per animation frame with the newest state: socket messages only
// store it, so a burst of frames never queues drawing work.
import * as flappy from "./scene-flappy.js";
import * as shellrunners from "./scene-shellrunners.js";

const SCENES = { "flappy-bots": flappy, shellrunners };

export class Stage {
  constructor(slug, root) {
    this.scene = SCENES[slug];
    this.canvas = root.querySelector("canvas");
    this.canvas.width = this.scene.size.width;
    this.canvas.height = this.scene.size.height;
    this.ctx = this.canvas.getContext("2d");
    this.score = root.querySelector("[data-hud=score]");
    this.spectatorCount = root.querySelector("[data-hud=spectators]");
    this.label = root.querySelector("[data-hud=label]");
    this.overlay = root.querySelector(".overlay");
    this.notice = document.getElementById("notice");
    this.state = null;
    this.dirty = true;
    const loop = () => {
      if (this.dirty) {
        this.scene.draw(this.ctx, this.state);
        this.dirty = false;
      }
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  }

  // A fresh stage for a new run: no state, no overlay, no notice.
  reset(label) {
    this.show(null);
    this.label.textContent = label;
    this.spectators(null);
    this.hideEnd();
    this.say("");
  }

  show(state) {
    this.state = state;
    this.dirty = true;
    this.score.textContent = state ? this.scene.score(state) : "";
    this.canvas.dataset.tick = state ? state.tick : "";
  }

  spectators(current, max) {
    this.spectatorCount.hidden = current == null;
    this.spectatorCount.textContent = current == null ? "" : `Spectators ${current}/${max}`;
    this.spectatorCount.dataset.current = current ?? "";
  }

  say(text) {
    this.notice.textContent = text;
    this.notice.hidden = !text;
  }

  // The end-of-run overlay; the button (shown when `again` is given) runs `again`.
  end(result, again, label) {
    const hit = this.state && this.state.hit ? ` (${this.state.hit})` : "";
    this.overlay.querySelector("h2").textContent = "Run over";
    this.overlay.querySelector("[data-end=detail]").textContent =
      `Score ${result.score} · ${result.endReason}${hit} · ${(result.ticks / 30).toFixed(1)} s`;
    const button = this.overlay.querySelector("button");
    button.hidden = !again;
    button.textContent = label || "";
    button.onclick = again;
    this.overlay.hidden = false;
  }

  hideEnd() {
    this.overlay.hidden = true;
  }
}
