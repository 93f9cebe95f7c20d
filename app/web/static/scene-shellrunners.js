// Draws a ShellRunners frame (streams/sim/shellrunners.py) on a 288x536 canvas, as a
// beach seen from behind the crab. Track positions are millimetres ahead of the crab
// (`z`), projected with a simple perspective; heights are millimetres above the sand.

export const size = { width: 288, height: 536 };

const HORIZON = 170; // screen y of the far end of the beach
const NEAR = 470; // screen y of z = 0, the crab's rear edge
const DEPTH = 5000; // mm at which things look half their near size
const LANE_PX = 84; // lane width at z = 0
const PX_PER_MM = 0.06; // heights at z = 0
const CX = size.width / 2;

const scale = (z) => DEPTH / (DEPTH + Math.max(z, -DEPTH / 2));
const screenY = (z) => HORIZON + (NEAR - HORIZON) * scale(z);
const laneX = (lane, z) => CX + (lane - 1) * LANE_PX * scale(z);

// The crab's x is eased toward its lane so a lane change slides, from one tick to the next
// few; any other jump (a rewind, another run) snaps it: drawn after a jump, a state looks
// as it does drawn alone.
let crabX = CX;
let crabTick = -1;
const EASED_TICKS = 5;

function backdrop(ctx, distance) {
  const { width: w, height: h } = size;
  const sky = ctx.createLinearGradient(0, 0, 0, 130);
  sky.addColorStop(0, "#ffb86b");
  sky.addColorStop(1, "#ffe3a3");
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, w, 130);
  ctx.fillStyle = "#fff4c2";
  ctx.beginPath();
  ctx.arc(220, 70, 24, 0, Math.PI * 2);
  ctx.fill();
  const sea = ctx.createLinearGradient(0, 120, 0, HORIZON);
  sea.addColorStop(0, "#2b8fd6");
  sea.addColorStop(1, "#5cc8e8");
  ctx.fillStyle = sea;
  ctx.fillRect(0, 120, w, HORIZON - 120);
  ctx.strokeStyle = "rgba(255,255,255,0.7)";
  ctx.lineWidth = 2;
  const swell = (distance / 40) % 24;
  for (let x = -swell; x < w; x += 24) {
    ctx.beginPath();
    ctx.arc(x, HORIZON - 4, 6, Math.PI, 0);
    ctx.stroke();
  }
  ctx.fillStyle = "#f3d9a0";
  ctx.fillRect(0, HORIZON, w, h - HORIZON);
  // The track: three lanes of wet sand narrowing to the horizon.
  const edge = (side, z) => CX + side * 1.5 * LANE_PX * scale(z);
  ctx.fillStyle = "#e2bf7c";
  ctx.beginPath();
  ctx.moveTo(edge(-1, 60000), HORIZON);
  ctx.lineTo(edge(1, 60000), HORIZON);
  ctx.lineTo(edge(1, -1200), h);
  ctx.lineTo(edge(-1, -1200), h);
  ctx.closePath();
  ctx.fill();
  // Lane markers: dashes every 2 m that come toward the viewer as the crab runs.
  ctx.strokeStyle = "rgba(255,255,255,0.75)";
  for (const side of [-0.5, 0.5]) {
    for (let z = 2000 - (distance % 2000) - 1000; z < 40000; z += 2000) {
      ctx.lineWidth = 3 * scale(z);
      ctx.beginPath();
      ctx.moveTo(CX + side * LANE_PX * scale(z), screenY(z));
      ctx.lineTo(CX + side * LANE_PX * scale(z + 800), screenY(z + 800));
      ctx.stroke();
    }
  }
}

function shadow(ctx, x, y, s, width) {
  ctx.fillStyle = "rgba(0,0,0,0.18)";
  ctx.beginPath();
  ctx.ellipse(x, y, width * s, 6 * s, 0, 0, Math.PI * 2);
  ctx.fill();
}

function rock(ctx, x, y, s) {
  shadow(ctx, x, y, s, 28);
  ctx.fillStyle = "#8d8f94";
  ctx.strokeStyle = "#55575c";
  ctx.lineWidth = 2 * s;
  ctx.beginPath();
  ctx.moveTo(x - 26 * s, y);
  ctx.lineTo(x - 18 * s, y - 20 * s);
  ctx.lineTo(x - 2 * s, y - 28 * s);
  ctx.lineTo(x + 16 * s, y - 22 * s);
  ctx.lineTo(x + 26 * s, y);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}

function gull(ctx, x, y, s, tick) {
  const lift = (300 + 900) * PX_PER_MM * s; // hovering just above a crab's head
  shadow(ctx, x, y, s, 16);
  const beat = Math.sin(tick * 0.6) * 10 * s;
  const by = y - lift;
  ctx.strokeStyle = "#3b3b3b";
  ctx.lineWidth = 3 * s;
  ctx.fillStyle = "#ffffff";
  ctx.beginPath();
  ctx.ellipse(x, by, 12 * s, 6 * s, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x - 28 * s, by - 8 * s - beat);
  ctx.quadraticCurveTo(x - 12 * s, by - 14 * s - beat, x, by);
  ctx.quadraticCurveTo(x + 12 * s, by - 14 * s - beat, x + 28 * s, by - 8 * s - beat);
  ctx.stroke();
  ctx.fillStyle = "#ffa600";
  ctx.beginPath();
  ctx.moveTo(x + 11 * s, by);
  ctx.lineTo(x + 18 * s, by + 2 * s);
  ctx.lineTo(x + 11 * s, by + 3 * s);
  ctx.fill();
}

function wall(ctx, x, y, s) {
  const w = 36 * s, h = 110 * s;
  ctx.fillStyle = "#a0522d";
  ctx.strokeStyle = "#5c2c12";
  ctx.lineWidth = 2 * s;
  ctx.fillRect(x - w, y - h, 2 * w, h);
  ctx.strokeRect(x - w, y - h, 2 * w, h);
  for (let row = 1; row < 5; row++) {
    ctx.beginPath();
    ctx.moveTo(x - w, y - (h * row) / 5);
    ctx.lineTo(x + w, y - (h * row) / 5);
    ctx.stroke();
  }
}

function shell(ctx, x, y, s, tick) {
  const bob = Math.sin(tick * 0.3 + x) * 3 * s;
  const r = 11 * s;
  ctx.fillStyle = "#ff8fb1";
  ctx.strokeStyle = "#c2456b";
  ctx.lineWidth = 1.5 * s;
  ctx.beginPath();
  ctx.moveTo(x, y - 2 * s + bob);
  ctx.arc(x, y - 6 * s + bob, r, Math.PI * 1.05, Math.PI * 1.95);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  for (let i = 1; i < 5; i++) {
    const a = Math.PI * (1.05 + (0.9 * i) / 5);
    ctx.beginPath();
    ctx.moveTo(x, y - 2 * s + bob);
    ctx.lineTo(x + Math.cos(a) * r, y - 6 * s + bob + Math.sin(a) * r);
    ctx.stroke();
  }
}

function crab(ctx, state, z) {
  const s = scale(z), y = screenY(z), { pose, height } = state.crab;
  const lane = laneX(state.crab.lane, z), ticks = state.tick - crabTick;
  crabX = ticks > 0 && ticks <= EASED_TICKS ? crabX + (lane - crabX) * 0.35 : lane;
  crabTick = state.tick;
  const x = crabX;
  shadow(ctx, x, y, s, 26);
  const lift = height * PX_PER_MM * s;
  const bodyH = (pose === "duck" ? 9 : 15) * s;
  const by = y - lift - bodyH - 6 * s;
  const step = pose === "run" ? Math.sin(state.tick * 0.8) * 4 * s : 0;
  ctx.strokeStyle = "#8f1d10";
  ctx.lineWidth = 2.5 * s;
  for (const side of [-1, 1]) {
    for (let leg = 0; leg < 3; leg++) {
      ctx.beginPath();
      ctx.moveTo(x + side * (10 + leg * 6) * s, by + bodyH * 0.5);
      ctx.lineTo(x + side * (22 + leg * 6) * s, y - lift + (leg % 2 ? step : -step));
      ctx.stroke();
    }
    // claws
    ctx.fillStyle = "#e8432a";
    ctx.beginPath();
    ctx.arc(x + side * 30 * s, by - 6 * s, 8 * s, 0, Math.PI * 2);
    ctx.fill();
    ctx.stroke();
    // eye stalks
    const eyeY = by - bodyH - (pose === "duck" ? 2 : 10) * s;
    ctx.beginPath();
    ctx.moveTo(x + side * 6 * s, by - bodyH * 0.6);
    ctx.lineTo(x + side * 7 * s, eyeY);
    ctx.stroke();
    ctx.fillStyle = "#fff";
    ctx.beginPath();
    ctx.arc(x + side * 7 * s, eyeY, 4 * s, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = "#111";
    ctx.beginPath();
    ctx.arc(x + side * 7 * s, eyeY - 1 * s, 2 * s, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.fillStyle = state.ended ? "#b02a16" : "#e8432a";
  ctx.beginPath();
  ctx.ellipse(x, by, 24 * s, bodyH, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.stroke();
}

const DRAW = { rock, gull, wall, shell };

export function draw(ctx, state) {
  backdrop(ctx, state ? state.distance : 0);
  if (!state) return;
  const crabZ = state.world.crab_length / 2;
  const things = [...state.objects].sort((a, b) => b.z - a.z);
  let crabDrawn = false;
  for (const obj of things) {
    const z = obj.z + obj.length / 2;
    if (!crabDrawn && z < crabZ) {
      crab(ctx, state, crabZ);
      crabDrawn = true;
    }
    DRAW[obj.kind](ctx, laneX(obj.lane, z), screenY(z), scale(z), state.tick);
  }
  if (!crabDrawn) crab(ctx, state, crabZ);
}

export const score = (state) => `Score ${state.score} · Shells ${state.shells}`;
