// The room's state as Colyseus schema: what a client sees of a Flappy Bots run.
//
// It carries the frame of our engine in the shape deltas favour: pipes at their world x
// with the scroll distance beside them, so a tick changes a few numbers (tick, bird,
// dist) and not every pipe; the constants (world size, bird x and radius, pipe width)
// are fields set once, sent in the full state on join and never again. `tick` is the
// first field and changes every tick, so every patch starts with it: the benchmark's
// minimal spectators read it there without a schema decoder.

import { schema, t } from "@colyseus/schema";

export const Pipe = schema(
  {
    x: t.uint32(),
    gapTop: t.uint32(),
    gapBottom: t.uint32(),
  },
  "Pipe",
);

export const FlappyState = schema(
  {
    tick: t.uint32(),
    lastInputSeq: t.uint32(),
    score: t.uint16(),
    ended: t.boolean(),
    endReason: t.string(),
    hit: t.string(),
    speed: t.uint16(),
    y: t.int32(),
    vy: t.int32(),
    dist: t.uint32(),
    pipes: t.array(Pipe),
    width: t.uint32(),
    height: t.uint32(),
    birdX: t.uint32(),
    birdRadius: t.uint32(),
    pipeWidth: t.uint32(),
  },
  "FlappyState",
);
