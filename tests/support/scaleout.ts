/**
 * Helpers of issue 13's scale-out tests (several Baton processes on one
 * EventStoreDB, BATON_CLUSTER): the cluster's ownership as /health reports it,
 * the replay CLI against a running process, the workflow events as stored, and
 * counting repeats among them.
 */
import { spawn } from "node:child_process";
import { openEsdbEventStore } from "../../src/adapters/eventstore/esdb.ts";
import type { RecordedEvent } from "../../src/domain/ports.ts";
import { http } from "./baton.ts";

/** `/health`'s `ownership` of a clustered process. */
export interface Ownership {
  node: string;
  members: string[];
  partitions: { total: number; owned: number[] };
  takeovers: number;
  lagMs?: number;
}

export const ownershipOf = async (url: string): Promise<Ownership> => (await http(url, "GET", "/health")).json().ownership;

/** Runs `baton <args>` (src/cli/baton.ts) to its end: exit status and stdout+stderr. */
export async function runCli(args: string[], environment: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/baton.ts", ...args], { env: environment });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const status = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { status, output };
}

/** Every event of every `workflow-` stream in the EventStoreDB at `connectionString`. */
export async function storedWorkflowEvents(connectionString: string): Promise<RecordedEvent[]> {
  const store = await openEsdbEventStore({ connectionString });
  try {
    return (await store.readAll()).filter((e) => e.streamId.startsWith("workflow-"));
  } finally {
    await store.close();
  }
}

/** How often each key occurs (items whose key is undefined are left out). */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** The keys counted more than once, with their counts. */
export const repeated = (counts: Map<string, number>): [string, number][] => [...counts].filter(([, n]) => n > 1);
