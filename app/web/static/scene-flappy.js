// Draws a Flappy Bots frame (streams/sim/flappy.py) on a 288x536 canvas: the world is
// 288x512 px in thousandths (1 px = 1000 units), so positions divide by 1000, and the
// ground strip is drawn below it (touching y = 512 is already a crash).
// Sky, clouds and the ground scroll with the world; pipes and the bot come from the frame.

const U = 1000;
const WORLD_H = 512;
const GROUND = 24;

export const size = { width: 288, height: WORLD_H + GROUND };

function sky(ctx, w, h, scroll) {
  const gradient = ctx.createLinearGradient(0, 0, 0, h);
  gradient.addColorStop(0, "#4ec0ff");
  gradient.addColorStop(1, "#c9f1ff");
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = "rgba(255,255,255,0.85)";
  for (let i = 0; i < 4; i++) {
    const x = ((i * 97 - scroll * 0.2) % (w + 80) + w + 80) % (w + 80) - 40;
    const y = 60 + (i % 2) * 70;
    ctx.beginPath();
    ctx.arc(x, y, 16, 0, Math.PI * 2);
    ctx.arc(x + 18, y - 8, 20, 0, Math.PI * 2);
    ctx.arc(x + 38, y, 15, 0, Math.PI * 2);
    ctx.fill();
  }
}

function pipe(ctx, x, width, top, bottom, h) {
  const lip = 6;
  const body = ctx.createLinearGradient(x, 0, x + width, 0);
  body.addColorStop(0, "#3d9a2f");
  body.addColorStop(0.4, "#8fe05f");
  body.addColorStop(1, "#2e7a22");
  ctx.fillStyle = body;
  ctx.strokeStyle = "#1e4f16";
  ctx.lineWidth = 2;
  for (const [y0, y1, capY] of [[0, top, top - 14], [bottom, h, bottom]]) {
    ctx.fillRect(x, y0, width, y1 - y0);
    ctx.strokeRect(x, y0, width, y1 - y0);
    ctx.fillRect(x - lip, capY, width + 2 * lip, 14);
    ctx.strokeRect(x - lip, capY, width + 2 * lip, 14);
  }
}

function ground(ctx, w, scroll) {
  const top = WORLD_H;
  ctx.fillStyle = "#ded895";
  ctx.fillRect(0, top, w, GROUND);
  ctx.fillStyle = "#73bf2e";
  ctx.fillRect(0, top, w, 6);
  ctx.fillStyle = "#5ea126";
  for (let x = -(scroll % 16); x < w; x += 16) {
    ctx.beginPath();
    ctx.moveTo(x, top + 6);
    ctx.lineTo(x + 8, top);
    ctx.lineTo(x + 12, top);
    ctx.lineTo(x + 4, top + 6);
    ctx.fill();
  }
}

function bot(ctx, bird, tick, crashed) {
  const x = bird.x / U, y = bird.y / U, r = bird.radius / U;
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(Math.max(-0.5, Math.min(1.2, bird.vy / 12000)));
  // antenna
  ctx.strokeStyle = "#444";
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(0, -r);
  ctx.lineTo(2, -r - 7);
  ctx.stroke();
  ctx.fillStyle = crashed ? "#ff4040" : "#ffd43b";
  ctx.beginPath();
  ctx.arc(2, -r - 8, 3, 0, Math.PI * 2);
  ctx.fill();
  // body: a round robot
  const shell = ctx.createRadialGradient(-r / 3, -r / 3, 2, 0, 0, r);
  shell.addColorStop(0, "#f4f7fb");
  shell.addColorStop(1, "#8a9bb0");
  ctx.fillStyle = shell;
  ctx.strokeStyle = "#3b4756";
  ctx.beginPath();
  ctx.arc(0, 0, r, 0, Math.PI * 2);
  ctx.fill();
  ctx.stroke();
  // visor and eye
  ctx.fillStyle = "#1f2937";
  ctx.fillRect(1, -r / 2, r - 1, r / 1.5);
  ctx.fillStyle = crashed ? "#ff4040" : "#5ef2ff";
  ctx.fillRect(r / 2, -r / 3, 4, 4);
  // wing, flapping
  const flap = Math.sin(tick * 0.9) * 5;
  ctx.fillStyle = "#ff8c42";
  ctx.beginPath();
  ctx.moveTo(-r / 2, 2);
  ctx.lineTo(-r - 6, flap);
  ctx.lineTo(-r / 2 + 2, 8);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  ctx.restore();
}

export function draw(ctx, state) {
  const { width: w, height: h } = size;
  const scroll = state ? (state.tick * state.speed) / U : 0;
  sky(ctx, w, h, scroll);
  if (state) {
    for (const p of state.pipes) pipe(ctx, p.x / U, p.width / U, p.gap_top / U, p.gap_bottom / U, WORLD_H);
  }
  ground(ctx, w, scroll);
  if (state) bot(ctx, state.bird, state.tick, state.ended);
}

export const score = (state) => `Score ${state.score}`;
