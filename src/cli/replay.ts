import { rebuildBySubscription, replayAll } from "../engine/replay.ts";
import { snapshotReadModels } from "../projections/read-model-snapshot.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIo } from "./cli-error.ts";
import { compareWithServer, getJsonWithToken } from "./compare-live.ts";
import { summarizeDifferences } from "./difference-summary.ts";
import { jsonDifferences } from "./json-diff.ts";
import { openConfiguredStore } from "./open.ts";
import { progressReporter } from "./progress.ts";

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const rate = (perSecond: number) => (Number.isFinite(perSecond) ? Math.round(perSecond).toLocaleString("en-US") : "∞");

/**
 * `baton replay [--data-dir DIR] [--url URL]`: rebuilds every read model from
 * the store, reports the throughput, and checks the rebuild against the live
 * models: a running server's REST answers with `--url`, otherwise a rebuild
 * fed event by event through a subscription, as a running engine is fed.
 * Exit 0 when they are equal, 1 when they differ.
 */
export async function replayCommand(args: string[], io: CliIo): Promise<number> {
  const { flags } = parseCommandArgs("replay", args, { "data-dir": { type: "string" }, url: { type: "string" } }, []);
  const opened = await openConfiguredStore(io.env, flags["data-dir"]);
  try {
    io.err.write(`replaying ${opened.description}\n`);
    const progress = progressReporter(io.err);
    const result = await replayAll(opened.store, { onProgress: progress.onProgress });
    progress.finish();
    io.out(
      `replayed ${result.events.toLocaleString("en-US")} events of ${result.streams} streams (${result.models.workflows.size} workflows${result.models.dagRuns.size > 0 ? `, ${result.models.dagRuns.size} DAG runs` : ""}) ` +
        `in ${seconds(result.totalMs)}: ${rate(result.eventsPerSecond)} events/s ` +
        `(read ${seconds(result.readMs)}, projections ${seconds(result.applyMs)} = ${rate(result.applyEventsPerSecond)} events/s)`,
    );

    if (flags.url !== undefined) {
      // BATON_TOKEN: a reader's token, for a server with BATON_AUTH=required.
      const live = await compareWithServer(result.models, flags.url, opened.reopen, getJsonWithToken(io.env.BATON_TOKEN));
      const what = `compared replayed workflows with the live server at ${flags.url} (GET /api/workflow/{id} for ${live.checked} workflows` +
        `${live.liveWorkflows === undefined ? "" : `; the server holds ${live.liveWorkflows}`}` +
        `${live.rechecked > 0 ? `; ${live.rechecked} changed while comparing and matched after re-reading the store` : ""})`;
      return verdict(io, what, summarizeDifferences(live.differences, "replayed", "live"), live.differences.length === 0);
    }

    const incremental = await rebuildBySubscription(opened.store);
    const differences = jsonDifferences(snapshotReadModels(result.models), snapshotReadModels(incremental.models));
    const what =
      "compared the full rebuild (readAll) with an incremental rebuild (catch-up subscription, event by event, as a running engine " +
      "keeps its models; no --url given): workflows, queues, timers, task index, workflow and task definitions, DAG runs";
    return verdict(io, what, summarizeDifferences(differences, "full", "incremental"), differences.length === 0);
  } finally {
    await opened.store.close();
  }
}

function verdict(io: CliIo, what: string, summary: string[], equal: boolean): number {
  io.out(what);
  if (equal) {
    io.out("result: equal");
    return 0;
  }
  io.out("result: DIFFERENT");
  for (const line of summary) io.out(line);
  return 1;
}
