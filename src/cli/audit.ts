import { SERVED_JSON_DEPTH, servableJson } from "../domain/json-depth.ts";
import { type TimelineEntry, workflowTimeline } from "../projections/timeline.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIo } from "./cli-error.ts";
import { openConfiguredStore } from "./open.ts";
import { formatTable } from "./table.ts";
import { workflowEvents } from "./workflow-events.ts";
import { dagRunEvents, dagRunTable } from "./dag-run-audit.ts";
import { workflowStream } from "../domain/streams.ts";

const sourceText = (entry: TimelineEntry) =>
  entry.source.detail === undefined ? entry.source.kind : `${entry.source.kind} ${entry.source.detail}`;

/** The timeline as an aligned table: one row per event. */
export function timelineTable(entries: TimelineEntry[]): string {
  return formatTable(
    ["TIME", "REV", "EVENT", "TASK", "STATUS", "SOURCE"],
    entries.map((e) => [e.time, String(e.revision), e.type, e.taskRef ?? "", e.status, sourceText(e)]),
  );
}

/**
 * `baton audit <workflowId | dagRunId> [--data-dir DIR] [--json]`: the
 * workflow's event timeline, or, for an id that is a DAG run's, that run's events.
 */
export async function auditCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positionals } = parseCommandArgs(
    "audit",
    args,
    { "data-dir": { type: "string" }, json: { type: "boolean" } },
    ["workflowId"],
  );
  const opened = await openConfiguredStore(io.env, flags["data-dir"]);
  try {
    const id = positionals[0]!;
    if ((await opened.store.readStream(workflowStream(id), { maxCount: 1 })).length === 0) {
      const events = await dagRunEvents(opened.store, id);
      if (events.length > 0) {
        io.out(flags.json ? servableJson(events.map(({ revision, type, created, data, metadata }) => ({ revision, type, time: created, data, source: metadata.source })), SERVED_JSON_DEPTH, 2) : dagRunTable(events));
        return 0;
      }
    }
    const timeline = workflowTimeline(await workflowEvents(opened.store, id, opened.description));
    io.out(flags.json ? servableJson(timeline, SERVED_JSON_DEPTH, 2) : timelineTable(timeline));
    return 0;
  } finally {
    await opened.store.close();
  }
}
