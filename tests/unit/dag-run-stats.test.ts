import { describe, expect, it } from "vitest";
import { dagRunStats } from "../../src/projections/dag-run-stats.ts";
import type { DagRunView } from "../../src/projections/dag-runs.ts";

const run = (id: string, dagId: string, phase: string, requestedAt: number, endedAt?: number) =>
  ({ id, phase, request: { dagId, requestedAt }, ...(endedAt !== undefined ? { endedAt } : {}) }) as unknown as DagRunView;

describe("DAG-run stats", () => {
  it("count runs by DAG and status, with the mean duration of the ended ones", () => {
    expect(
      dagRunStats([
        run("a", "name_parse", "succeeded", 1_000, 3_000),
        run("b", "name_parse", "succeeded", 1_000, 5_000),
        run("c", "name_parse", "triggered", 2_000),
        run("d", "email_hygiene", "failed", 0, 500),
        { id: "e", phase: "none" } as unknown as DagRunView,
      ]),
    ).toEqual([
      { dagId: "email_hygiene", status: "FAILED", count: 1, averageDurationMs: 500 },
      { dagId: "name_parse", status: "SUCCEEDED", count: 2, averageDurationMs: 3_000 },
      { dagId: "name_parse", status: "TRIGGERED", count: 1, averageDurationMs: null },
    ]);
  });
});
