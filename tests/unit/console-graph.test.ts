import { describe, expect, it } from "vitest";
import { definitionGraph, END_NODE, START_NODE, statusByNode, toneOf } from "../../src/console/graph.ts";

const edgesOf = (tasks: Parameters<typeof definitionGraph>[0]) =>
  definitionGraph(tasks).edges.map((edge) => `${edge.source}->${edge.target}${edge.label ? `:${edge.label}` : ""}`);

describe("definitionGraph", () => {
  it("chains plain tasks from start to end", () => {
    expect(edgesOf([{ taskReferenceName: "a" }, { taskReferenceName: "b" }])).toEqual([`${START_NODE}->a`, "a->b", `b->${END_NODE}`]);
  });

  it("fans a fork out to its branches and back in at the JOIN", () => {
    const edges = edgesOf([
      { taskReferenceName: "fork", type: "FORK_JOIN", forkTasks: [[{ taskReferenceName: "a1" }, { taskReferenceName: "a2" }], [{ taskReferenceName: "b1" }]] },
      { taskReferenceName: "join", type: "JOIN" },
    ]);
    expect(edges).toEqual([`${START_NODE}->fork`, "fork->a1", "a1->a2", "fork->b1", "a2->join", "b1->join", `join->${END_NODE}`]);
  });

  it("labels a switch's edges with their case, an empty case going straight on", () => {
    const edges = edgesOf([
      { taskReferenceName: "route", type: "SWITCH", decisionCases: { big: [{ taskReferenceName: "mark_big" }], none: [] }, defaultCase: [{ taskReferenceName: "mark_small" }] },
      { taskReferenceName: "after" },
    ]);
    expect(edges).toEqual([`${START_NODE}->route`, "route->mark_big:big", "route->mark_small:default", "mark_big->after", "route->after:none", "mark_small->after", `after->${END_NODE}`]);
  });

  it("hangs a loop's body off its DO_WHILE with an edge back, and goes on from the DO_WHILE", () => {
    const graph = definitionGraph([{ taskReferenceName: "repeat", type: "DO_WHILE", loopOver: [{ taskReferenceName: "step" }] }, { taskReferenceName: "next" }]);
    expect(graph.edges.find((edge) => edge.loopBack)).toMatchObject({ source: "step", target: "repeat", label: "loop" });
    expect(graph.edges.map((edge) => `${edge.source}->${edge.target}`)).toContain("repeat->next");
  });

  it("names a sub-workflow's child and keeps repeated reference names apart", () => {
    const graph = definitionGraph([
      { taskReferenceName: "child", type: "SUB_WORKFLOW", subWorkflowParam: { name: "payments" } },
      { taskReferenceName: "child" },
    ]);
    expect(graph.nodes.find((node) => node.id === "child")?.subWorkflow).toBe("payments");
    expect(graph.nodes.map((node) => node.id)).toEqual([START_NODE, "child", "child'", END_NODE]);
  });
});

describe("statusByNode", () => {
  it("takes each task's latest attempt, and a loop iteration's status for its body task", () => {
    const statuses = statusByNode([
      { referenceTaskName: "call", status: "FAILED", seq: 1 },
      { referenceTaskName: "call", status: "COMPLETED", seq: 3 },
      { referenceTaskName: "step__1", status: "COMPLETED", seq: 4 },
      { referenceTaskName: "step__2", status: "IN_PROGRESS", seq: 5 },
    ]);
    expect(statuses.get("call")?.status).toBe("COMPLETED");
    expect(statuses.get("step")?.status).toBe("IN_PROGRESS");
  });

  it("groups statuses into the tones the console colours", () => {
    expect(["COMPLETED", "FAILED_WITH_TERMINAL_ERROR", "IN_PROGRESS", "SCHEDULED", "SKIPPED", undefined].map(toneOf)).toEqual(["done", "failed", "running", "waiting", "skipped", "none"]);
  });
});
