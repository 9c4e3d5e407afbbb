/**
 * The child side of bench/sink-child.ts: a helper process stops on SIGTERM or
 * SIGINT, or when its stdin closes (the benchmark that started it is gone), and
 * runs `stop` once.
 */
export function stopWhenTold(stop: () => Promise<void>): void {
  let stopping = false;
  const once = () => {
    if (stopping) return;
    stopping = true;
    void stop();
  };
  process.on("SIGTERM", once);
  process.on("SIGINT", once);
  process.stdin.on("end", once);
  process.stdin.on("close", once);
  process.stdin.resume();
}
