// The game page of one game (body[data-game]): wires the live list, the leaderboard,
// the viewer, replays, practice and the wallet button to one stage. Only one thing
// plays on the stage at a time, so starting one stops the others.
import { Leaderboard } from "./leaderboard.js";
import { LiveList } from "./live.js";
import { Practice } from "./practice.js";
import { Replayer } from "./replay.js";
import { Stage } from "./stage.js";
import { Viewer } from "./viewer.js";
import { setupWallet } from "./wallet.js";

const slug = document.body.dataset.game;
const byId = (id) => document.getElementById(id);

const stage = new Stage(slug, byId("stage"));
const walletUi = setupWallet(byId("wallet-connect"), byId("wallet-status"));
const replayer = new Replayer(slug, stage);
const practice = new Practice(slug, stage, byId("pad"));
const live = new LiveList(slug, byId("live-list"), byId("live-empty"), (session) => {
  practice.stop();
  replayer.stop();
  viewer.watch(session);
});
const replay = (sessionId) => {
  practice.stop();
  viewer.stop();
  replayer.play(sessionId);
};
const board = new Leaderboard(slug, byId("board-list"), byId("board-empty"), replay);
const viewer = new Viewer(slug, stage, {
  full: (id, current, max) => live.markFull(id, current, max),
  walletLost: () => walletUi.refresh(),
  replay,
  watching: (id) => live.watching(id),
});

byId("practice-start").addEventListener("click", () => {
  viewer.stop();
  replayer.stop();
  practice.start();
});
stage.reset("Pick a live run to watch, or play a practice run");
live.start();
board.start();
