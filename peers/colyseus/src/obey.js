// A benchmark child's command loop: one JSON array a line on stdin, one JSON answer a line
// on stdout, as molt/bench/nodepool.py drives it (Python's ChildPool speaks pickles over
// a pipe; a Node child speaks JSON over its standard streams).
//
// A command is [name, ...arguments]; `handle(name, args)` answers it (or a promise of
// it). A command that throws is answered {"error": message}, and the parent raises it.
// ["exit"] or the end of stdin ends the process, unanswered.

import { createInterface } from "node:readline";

export async function obey(handle) {
  for await (const line of createInterface({ input: process.stdin })) {
    const [name, ...args] = JSON.parse(line);
    if (name === "exit") {
      break;
    }
    let answer;
    try {
      answer = { ok: await handle(name, args) };
    } catch (error) {
      answer = { error: `${error?.name ?? "Error"}: ${error?.message ?? error}` };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
  process.exit(0);
}

// Wall time in seconds, to the microsecond: comparable with Python's time.time().
export function wallSeconds() {
  return (performance.timeOrigin + performance.now()) / 1000;
}

// This process's CPU time so far, in seconds (user + system).
export function cpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
