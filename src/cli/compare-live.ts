import { servableJson } from "../domain/json-depth.ts";
import type { EventStore } from "../domain/ports.ts";
import { workflowStream } from "../domain/streams.ts";
import type { WorkflowEvent } from "../domain/workflow/events.ts";
import { foldWorkflow } from "../domain/workflow/evolve.ts";
import { toWorkflowJson } from "../projections/conductor-json.ts";
import type { ReadModels } from "../projections/read-models.ts";
import { UsageError } from "./cli-error.ts";
import { type Difference, jsonDifferences } from "./json-diff.ts";

const PARALLEL_REQUESTS = 16;
/** A running server keeps changing workflows; mismatches are re-checked against a fresh read this often. */
const RECHECKS = 3;
const RECHECK_PAUSE_MS = 300;

export interface LiveComparison {
  checked: number;
  /** Workflows the server reported in /health (it may hold newer ones than the snapshot). */
  liveWorkflows?: number;
  /** Workflows that differed at first but matched after re-reading the store (they were moving). */
  rechecked: number;
  differences: Difference[];
}

// As the server serialises its answer: a value too deep to stringify is cut short the same way (servableJson).
const plain = (value: unknown) => JSON.parse(servableJson(value)) as unknown;

/**
 * Compares every replayed workflow with the server's answer to
 * `GET /api/workflow/{id}`. Differences found at first may be changes the
 * server made after the store was read, so those workflows are folded again
 * from a fresh read of the store and fetched again before they count.
 */
export async function compareWithServer(
  models: ReadModels,
  url: string,
  reopen: () => Promise<EventStore>,
  fetchJson: (url: string) => Promise<{ status: number; body: unknown }> = getJson,
): Promise<LiveComparison> {
  const base = url.replace(/\/+$/, "");
  const health = await fetchJson(`${base}/health`).catch((error: unknown) => {
    throw new UsageError(`cannot reach Baton at ${base}: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (health.status !== 200) throw new UsageError(`${base}/health answered ${health.status}; is a Baton server running there?`);
  const liveWorkflows = (health.body as { workflows?: unknown }).workflows;

  const live = async (id: string) => {
    const answer = await fetchJson(`${base}/api/workflow/${encodeURIComponent(id)}?includeTasks=true`);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw new Error(`GET /api/workflow/${id} answered ${answer.status}`);
    return answer.body;
  };
  const differencesOf = async (id: string, replayed: unknown) => jsonDifferences(replayed, await live(id), `workflows.${id}`);

  let mismatched = new Map<string, Difference[]>();
  const ids = [...models.workflows.keys()];
  await inParallel(ids, async (id) => {
    const differences = await differencesOf(id, plain(toWorkflowJson(models.workflows.get(id)!, true)));
    if (differences.length > 0) mismatched.set(id, differences);
  });
  const firstMismatches = mismatched.size;
  for (let round = 0; round < RECHECKS && mismatched.size > 0; round++) {
    await new Promise((resolve) => setTimeout(resolve, RECHECK_PAUSE_MS));
    const store = await reopen();
    try {
      const still = new Map<string, Difference[]>();
      await inParallel([...mismatched.keys()], async (id) => {
        const events = await store.readStream(workflowStream(id));
        const replayed = plain(toWorkflowJson(foldWorkflow(events.map((e) => e as unknown as WorkflowEvent)), true));
        const differences = await differencesOf(id, replayed);
        if (differences.length > 0) still.set(id, differences);
      });
      mismatched = still;
    } finally {
      await store.close();
    }
  }
  return {
    checked: ids.length,
    liveWorkflows: typeof liveWorkflows === "number" ? liveWorkflows : undefined,
    rechecked: firstMismatches - mismatched.size,
    differences: [...mismatched.values()].flat(),
  };
}

/** A GET that sends `token` (a server with BATON_AUTH=required needs a reader's) in X-Authorization. */
export const getJsonWithToken = (token: string | undefined) => (url: string) => getJson(url, token);

async function getJson(url: string, token?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: { accept: "application/json", ...(token ? { "x-authorization": token } : {}) } });
  const text = await response.text();
  try {
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

async function inParallel<T>(items: T[], run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_REQUESTS, items.length) }, lane));
}
