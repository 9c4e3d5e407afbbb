import type { ReplayProgress } from "../engine/replay.ts";

const BAR_WIDTH = 30;
const TTY_EVERY_MS = 100;
const LINE_EVERY_MS = 1000;

const count = (n: number) => n.toLocaleString("en-US");

/**
 * Shows replay progress on `stream`: a redrawn bar on a terminal, otherwise a
 * plain line at most once a second plus each phase's final count, so logs and
 * CI output stay readable.
 */
export function progressReporter(stream: { write(text: string): unknown; isTTY?: boolean }, clock = () => performance.now()) {
  const tty = stream.isTTY === true;
  let phase: ReplayProgress["phase"] | undefined;
  let last: ReplayProgress | undefined;
  let lastShown: ReplayProgress | undefined;
  let shownAt = Number.NEGATIVE_INFINITY;

  const text = (p: ReplayProgress) => {
    if (p.total === undefined) return `reading events: ${count(p.done)}`;
    const fraction = p.total === 0 ? 1 : p.done / p.total;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = tty ? ` [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]` : "";
    return `rebuilding projections${bar} ${Math.floor(fraction * 100)}% ${count(p.done)}/${count(p.total)} events`;
  };
  const show = (p: ReplayProgress) => {
    stream.write(tty ? `\r${text(p)}\x1b[K` : `${text(p)}\n`);
    lastShown = p;
    shownAt = clock();
  };
  const closePhase = () => {
    if (last === undefined) return;
    if (lastShown !== last) show(last);
    if (tty) stream.write("\n");
    last = lastShown = undefined;
  };

  return {
    onProgress(p: ReplayProgress): void {
      if (p.phase !== phase) {
        closePhase();
        phase = p.phase;
        shownAt = Number.NEGATIVE_INFINITY;
      }
      last = p;
      if (clock() - shownAt >= (tty ? TTY_EVERY_MS : LINE_EVERY_MS)) show(p);
    },
    /** Shows the last phase's final count and ends its line. */
    finish: closePhase,
  };
}
