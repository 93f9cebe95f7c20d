// The game page of one game (body[data-game]): wires the live list, the leaderboard,
// recent runs, the viewer (and its rewind controls), replays, practice and the wallet button to one stage. Only one thing
// plays on the stage at a time, so starting one stops the others. The run watched is
// in the page's address (address.js): a link opens it, the back button leaves it.
import * as address from "./address.js";
import { api, sessionPath } from "./api.js";
import { Leaderboard } from "./leaderboard.js";
import { LiveList } from "./live.js";
import { Practice } from "./practice.js";
import { RecentRuns } from "./recent.js";
import { Replayer } from "./replay.js";
import { Stage } from "./stage.js";
import { Viewer } from "./viewer.js";
import { setupWallet } from "./wallet.js";

const slug = document.body.dataset.game;
const byId = (id) => document.getElementById(id);
const IDLE = "Pick a live run to watch, or play a practice run";
const UNKNOWN = "No such run of this game: the link is wrong, or the run is gone.";
const PRIVATE = "This is a practice run: practice runs are private and cannot be watched.";

const stage = new Stage(slug, byId("stage"));
const walletUi = setupWallet(byId("wallet-connect"), byId("wallet-status"));
const replayer = new Replayer(slug, stage);
const practice = new Practice(slug, stage, byId("pad"));
const stopAll = () => {
  practice.stop();
  viewer.stop();
  replayer.stop();
};
const watchLive = (session) => {
  stopAll();
  address.enter(session.sessionId);
  viewer.watch(session);
};
const replay = (sessionId) => {
  stopAll();
  address.enter(sessionId);
  replayer.play(sessionId);
};
const live = new LiveList(slug, byId("live-list"), byId("live-empty"), watchLive);
const board = new Leaderboard(slug, byId("board-list"), byId("board-empty"), replay);
const recent = new RecentRuns(slug, byId("recent"), replay);
const viewer = new Viewer(slug, stage, byId("rewind"), {
  full: (id, current, max) => live.markFull(id, current, max),
  walletLost: () => walletUi.refresh(),
  replay,
  watching: (id) => live.watching(id),
});

// The run the address names (or none): a live run is watched, an ended one played back.
async function open(sessionId) {
  stopAll();
  if (!sessionId) {
    stage.reset(IDLE);
    return;
  }
  stage.reset("Opening the run…");
  let session;
  try {
    session = await api("GET", sessionPath(slug, sessionId));
  } catch (error) {
    if (address.watched() === sessionId) {
      stage.say(error.code === "SESSION_NOT_FOUND" ? UNKNOWN : `Cannot open this run: ${error.message}`);
    }
    return;
  }
  if (address.watched() !== sessionId) return; // the address moved on meanwhile
  if (session.mode !== "api") stage.say(PRIVATE);
  else if (session.status === "ended") replayer.play(sessionId);
  else viewer.watch(session);
}

byId("practice-start").addEventListener("click", () => {
  stopAll();
  address.leave();
  practice.start();
});
address.onChange(open);
open(address.watched());
live.start();
board.start();
recent.start();
