import { SERVED_JSON_DEPTH, servableJson } from "../domain/json-depth.ts";
import { type TimelineEntry, workflowTimeline } from "../projections/timeline.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIo } from "./cli-error.ts";
import { openConfiguredStore } from "./open.ts";
import { formatTable } from "./table.ts";
import { workflowEvents } from "./workflow-events.ts";

const sourceText = (entry: TimelineEntry) =>
  entry.source.detail === undefined ? entry.source.kind : `${entry.source.kind} ${entry.source.detail}`;

/** The timeline as an aligned table: one row per event. */
export function timelineTable(entries: TimelineEntry[]): string {
  return formatTable(
    ["TIME", "REV", "EVENT", "TASK", "STATUS", "SOURCE"],
    entries.map((e) => [e.time, String(e.revision), e.type, e.taskRef ?? "", e.status, sourceText(e)]),
  );
}

/** `baton audit <workflowId> [--data-dir DIR] [--json]`: the workflow's event timeline. */
export async function auditCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positionals } = parseCommandArgs(
    "audit",
    args,
    { "data-dir": { type: "string" }, json: { type: "boolean" } },
    ["workflowId"],
  );
  const opened = await openConfiguredStore(io.env, flags["data-dir"]);
  try {
    const timeline = workflowTimeline(await workflowEvents(opened.store, positionals[0]!, opened.description));
    io.out(flags.json ? servableJson(timeline, SERVED_JSON_DEPTH, 2) : timelineTable(timeline));
    return 0;
  } finally {
    await opened.store.close();
  }
}
