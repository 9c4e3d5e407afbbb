import { describe, expect, it } from "vitest";
import { type DesignNode, definitionToDesign, designToDefinition, PALETTE } from "../../src/console/design.ts";

const node = (id: string, type = "SIMPLE"): DesignNode => ({ id, task: { name: id, taskReferenceName: id, type } });
const meta = { name: "designed", version: 1 };

describe("designToDefinition", () => {
  it("turns a chain into the tasks in order", () => {
    const { definition, problems } = designToDefinition(meta, [node("c"), node("a", "KAFKA_PUBLISH"), node("b", "EVENT")], [{ source: "a", target: "b" }, { source: "b", target: "c" }]);
    expect(problems).toEqual([]);
    expect(definition.tasks.map((task) => task.taskReferenceName)).toEqual(["a", "b", "c"]);
    expect(definition).toMatchObject({ name: "designed", version: 1, schemaVersion: 2 });
  });

  it("makes a fork's outgoing edges its branches, up to the JOIN, and fills joinOn", () => {
    const { definition, problems } = designToDefinition(
      meta,
      [node("fork", "FORK_JOIN"), node("a1"), node("a2"), node("b1"), node("join", "JOIN"), node("after")],
      [
        { source: "fork", target: "a1" },
        { source: "a1", target: "a2" },
        { source: "fork", target: "b1" },
        { source: "a2", target: "join" },
        { source: "b1", target: "join" },
        { source: "join", target: "after" },
      ],
    );
    expect(problems).toEqual([]);
    const [fork, join, after] = definition.tasks as Record<string, unknown>[];
    expect((fork!.forkTasks as { taskReferenceName: string }[][]).map((branch) => branch.map((task) => task.taskReferenceName))).toEqual([["a1", "a2"], ["b1"]]);
    expect(join).toMatchObject({ type: "JOIN", joinOn: ["a2", "b1"] });
    expect(after).toMatchObject({ taskReferenceName: "after" });
  });

  it("makes a switch's labelled edges its cases and goes on where they meet", () => {
    const { definition, problems } = designToDefinition(
      meta,
      [node("route", "SWITCH"), node("big"), node("small"), node("after")],
      [
        { source: "route", target: "big", label: "big" },
        { source: "route", target: "small", label: "default" },
        { source: "big", target: "after" },
        { source: "small", target: "after" },
      ],
    );
    expect(problems).toEqual([]);
    const [route, after] = definition.tasks as Record<string, unknown>[];
    expect(route).toMatchObject({ decisionCases: { big: [{ taskReferenceName: "big" }] }, defaultCase: [{ taskReferenceName: "small" }] });
    expect(after).toMatchObject({ taskReferenceName: "after" });
    expect(definition.tasks).toHaveLength(2);
  });

  it("makes a DO_WHILE's body edge its loopOver and its other edge what runs after the loop", () => {
    const { definition, problems } = designToDefinition(
      meta,
      [node("repeat", "DO_WHILE"), node("step1"), node("step2"), node("after")],
      [
        { source: "repeat", target: "step1", label: "body" },
        { source: "step1", target: "step2" },
        { source: "repeat", target: "after" },
      ],
    );
    expect(problems).toEqual([]);
    const [repeat, after] = definition.tasks as Record<string, unknown>[];
    expect((repeat!.loopOver as { taskReferenceName: string }[]).map((task) => task.taskReferenceName)).toEqual(["step1", "step2"]);
    expect(after).toMatchObject({ taskReferenceName: "after" });
    expect(definition.tasks).toHaveLength(2);
  });

  it("says what is wrong with a canvas that is not one flow", () => {
    expect(designToDefinition(meta, [], []).problems).toEqual(["add a task from the palette"]);
    expect(designToDefinition(meta, [node("a"), node("b")], []).problems).toEqual(["2 tasks have nothing before them; connect them into one flow"]);
    expect(designToDefinition(meta, [node("a"), node("b"), node("c")], [{ source: "a", target: "b" }, { source: "a", target: "c" }]).problems[0]).toMatch(/a has 2 next tasks/);
    expect(designToDefinition(meta, [node("fork", "FORK_JOIN"), node("x"), node("y")], [{ source: "fork", target: "x" }, { source: "fork", target: "y" }]).problems).toContain(
      "the branches of fork must all lead to one JOIN",
    );
  });

  it("offers every task type the console's designer promises, with the fields each needs", () => {
    const types = PALETTE.map((entry) => entry.task("r").type);
    expect(types).toEqual(expect.arrayContaining(["SIMPLE", "KAFKA_PUBLISH", "EVENT", "FORK_JOIN", "JOIN", "SWITCH", "DO_WHILE", "WAIT", "HTTP", "SUB_WORKFLOW"]));
    expect(PALETTE.find((entry) => entry.label.startsWith("EVENT"))!.task("r")).toMatchObject({ sink: expect.stringMatching(/^conductor:/) });
  });
});

describe("definitionToDesign (the designer's import)", () => {
  const t = (ref: string, type = "SIMPLE", more: Record<string, unknown> = {}) => ({ name: ref, taskReferenceName: ref, type, ...more });
  const nested = [
    t("fork", "FORK_JOIN", {
      forkTasks: [
        [t("a1"), t("route", "SWITCH", { evaluatorType: "value-param", expression: "kind", decisionCases: { big: [t("big1"), t("big2")] }, defaultCase: [] }), t("a2")],
        [t("b1")],
      ],
    }),
    t("join", "JOIN", { joinOn: ["a2", "b1"] }),
    t("repeat", "DO_WHILE", { loopCondition: "false", loopOver: [t("step1"), t("step2")] }),
    t("last"),
  ];

  it("makes every nested task a node: fork branches, switch cases and the loop's body", () => {
    const { nodes } = definitionToDesign(nested);
    expect(nodes.map((node) => node.id).sort()).toEqual(["a1", "a2", "b1", "big1", "big2", "fork", "join", "last", "repeat", "route", "step1", "step2"]);
    // The nested tasks are nodes now, not JSON inside their parent.
    const fork = nodes.find((node) => node.id === "fork")!.task;
    expect(fork.forkTasks).toBeUndefined();
    expect(nodes.find((node) => node.id === "repeat")!.task).toEqual({ name: "repeat", taskReferenceName: "repeat", type: "DO_WHILE", loopCondition: "false" });
  });

  it("draws a fork's branches into the JOIN, a switch's labelled cases, and the loop's body with an edge back", () => {
    const { edges } = definitionToDesign(nested);
    const text = edges.map((edge) => `${edge.source}->${edge.target}${edge.label ? `:${edge.label}` : ""}`).sort();
    expect(text).toEqual(
      [
        "fork->a1",
        "a1->route",
        "route->big1:big",
        "big1->big2",
        "big2->a2",
        "route->a2:default",
        "a2->join",
        "fork->b1",
        "b1->join",
        "join->repeat",
        "repeat->step1:body",
        "step1->step2",
        "step2->repeat:loop",
        "repeat->last",
      ].sort(),
    );
  });

  it("reads back into the same definition (the edge back is drawn, not walked)", () => {
    const { nodes, edges } = definitionToDesign(nested);
    const { definition, problems } = designToDefinition(meta, nodes, edges);
    expect(problems).toEqual([]);
    expect(definition.tasks).toEqual(nested);
  });

  it("places a branch's tasks below their parent, side by side with the other branch", () => {
    const { nodes } = definitionToDesign(nested);
    const at = (id: string) => nodes.find((node) => node.id === id)!.position;
    expect(at("a1").y).toBeGreaterThan(at("fork").y);
    expect(at("b1").y).toBe(at("a1").y);
    expect(at("b1").x).not.toBe(at("a1").x);
    expect(at("join").y).toBeGreaterThan(at("a2").y);
  });
});
