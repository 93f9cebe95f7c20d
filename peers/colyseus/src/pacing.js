// Ticks at a fixed rate that never drift: tick k is due k periods after the start.
//
// Node's setInterval sets each next firing a period after the last one ran, so every
// late firing pushes all later ones back (150 ticks at 30 Hz took 5.6 s, not 5.0, on the
// busy 2-core box). Each timeout here aims at the next due time instead, and a tick is
// never run before it is due (libuv's clock is cached per loop turn and may read early).
// A late tick runs late, never skipped: its lag behind its due time is what the
// benchmark measures. `pace` returns a function that stops it, callable from `onTick`.

export function pace(rate, onTick) {
  const period = 1000 / rate;
  const start = performance.now();
  let tick = 0;
  let timer = null;
  let stopped = false;
  const arm = () => {
    if (!stopped) {
      timer = setTimeout(fire, Math.max(0, Math.ceil(start + (tick + 1) * period - performance.now())));
    }
  };
  const fire = () => {
    const due = start + (tick + 1) * period;
    if (performance.now() >= due) {
      tick += 1;
      onTick(tick, due);
    }
    arm();
  };
  arm();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
