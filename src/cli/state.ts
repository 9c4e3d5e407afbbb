import { SERVED_JSON_DEPTH, servableJson } from "../domain/json-depth.ts";
import { isDomainError } from "../domain/errors.ts";
import { type PointInTime, stateAt } from "../projections/time-travel.ts";
import { parseCommandArgs } from "./args.ts";
import { type CliIo, UsageError } from "./cli-error.ts";
import { openConfiguredStore } from "./open.ts";
import { workflowEvents } from "./workflow-events.ts";

/** Plain numbers below this are revisions; from it on (March 1973 onwards) epoch milliseconds. */
const EPOCH_MS_FROM = 100_000_000_000;

/** `--at`: a revision (small whole number), epoch ms (large one) or an ISO 8601 instant. */
export function parseAt(value: string): PointInTime {
  const text = value.trim();
  if (/^\d+$/.test(text) && Number(text) < EPOCH_MS_FROM) return { revision: Number(text) };
  return { time: text };
}

/** `baton state <workflowId> --at <revision|time> [--data-dir DIR]`: the Conductor JSON as it was then. */
export async function stateCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positionals } = parseCommandArgs(
    "state",
    args,
    { "data-dir": { type: "string" }, at: { type: "string" } },
    ["workflowId"],
  );
  if (flags.at === undefined || flags.at.trim() === "") {
    throw new UsageError("state: --at <revision|time> is required (a revision number, epoch ms or an ISO 8601 instant)");
  }
  const at = parseAt(flags.at);
  const opened = await openConfiguredStore(io.env, flags["data-dir"]);
  try {
    const events = await workflowEvents(opened.store, positionals[0]!, opened.description);
    let json;
    try {
      json = stateAt(events, at);
    } catch (error) {
      if (isDomainError(error)) throw new UsageError(`state: --at ${flags.at}: ${error.message}`);
      throw error;
    }
    io.out(servableJson(json, SERVED_JSON_DEPTH, 2));
    return 0;
  } finally {
    await opened.store.close();
  }
}
