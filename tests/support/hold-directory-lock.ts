/**
 * A separate process for the lock tests:
 *
 *     node --import tsx tests/support/hold-directory-lock.ts <dir> <hold|exit>
 *
 * Prints `ready`, waits for a line on stdin (so that several can be started
 * and then let go at once), tries to lock <dir> and prints the outcome as one
 * JSON line: `{"locked":pid}` or `{"refused":message}`. Once locked, `hold`
 * keeps the lock until the process is killed; `exit` exits without calling
 * release(), leaving it to the exit handler.
 */
import { once } from "node:events";
import { lockDirectory } from "../../src/adapters/eventstore/directory-lock.ts";

const [dir, then] = process.argv.slice(2);
if (!dir || (then !== "hold" && then !== "exit")) {
  console.error("usage: hold-directory-lock.ts <dir> <hold|exit>");
  process.exit(2);
}
process.stdout.write("ready\n");
await once(process.stdin, "data");
try {
  await lockDirectory(dir);
  process.stdout.write(`${JSON.stringify({ locked: process.pid })}\n`);
  if (then === "exit") process.exit(0);
  setInterval(() => {}, 1 << 30);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ refused: (error as Error).message })}\n`);
  process.exit(3);
}
