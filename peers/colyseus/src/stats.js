// What the benchmark reads of this process, through the server's /bench routes.
//
// Tick lags are kept only while a window is open, so a long warm-up costs no memory
// (the benchmark measures this process's resident memory too).

let recording = false;
let lags = [];
let rooms = 0;

export function roomOpened() {
  rooms += 1;
}

export function roomClosed() {
  rooms -= 1;
}

// A tick's lag: from when it was due to when its patch was handed to the sockets, ms.
export function noteTick(lagMs) {
  if (recording) {
    lags.push(lagMs);
  }
}

export function openWindow() {
  recording = true;
  lags = [];
}

export function closeWindow() {
  recording = false;
  const window = { rooms, tick_lag_ms: lags };
  lags = [];
  return window;
}

export function counts() {
  return { rooms };
}
