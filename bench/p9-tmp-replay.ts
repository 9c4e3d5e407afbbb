import { existsSync } from "node:fs";
import { openFileEventStore } from "../src/adapters/eventstore/file.ts";
import { replayAll } from "../src/engine/replay.ts";
const dir = process.argv[2]!;
if (!existsSync(dir)) throw new Error("no log");
for (let r = 0; r < 6; r++) {
  const t0 = performance.now();
  const store = await openFileEventStore({ dir, fsync: false, readOnly: true } as never);
  const t1 = performance.now();
  const res = await replayAll(store);
  console.log(`open ${(t1 - t0).toFixed(0)} read ${res.readMs.toFixed(0)} apply ${res.applyMs.toFixed(0)} events ${res.events}`);
  await store.close();
}
