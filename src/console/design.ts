/**
 * The designer's canvas as a Conductor WorkflowDef. Nodes are tasks, edges
 * say what runs next: a FORK_JOIN's outgoing edges are its branches (each
 * runs until the JOIN they meet), a SWITCH's outgoing edges are its cases
 * (labelled by the case, `default` for the default case; branches end where
 * they meet again), a DO_WHILE's edge labelled `body` starts its loopOver
 * (the body ends where its chain ends; an edge labelled `loop` from there back
 * to the DO_WHILE is drawn for the eye and ignored) and its other edge is what
 * runs after the loop; anything else has at most one next task. Pure, so the
 * JSON preview, deploy, import and the tests agree.
 */
import type { DefinitionTask } from "./graph.ts";

export interface DesignNode {
  id: string;
  /** The task as Conductor JSON (name, taskReferenceName, type and its own fields); branch fields are filled from edges. */
  task: Record<string, unknown> & { name: string; taskReferenceName: string; type: string };
}

export interface DesignEdge {
  source: string;
  target: string;
  /** A SWITCH case value, `body` (a DO_WHILE's first body task) or `loop` (the body's way back to its DO_WHILE). */
  label?: string;
}

/** The label of the edge from a loop's body back to its DO_WHILE: drawn, never walked. */
export const LOOP_BACK = "loop";

export interface DesignMeta {
  name: string;
  version: number;
  description?: string;
}

export interface Composition {
  definition: { name: string; version: number; description?: string; schemaVersion: 2; ownerEmail: string; tasks: DefinitionTask[] };
  /** Why the canvas is not yet one workflow (the definition is drawn from what can be read). */
  problems: string[];
}

export function designToDefinition(meta: DesignMeta, nodes: readonly DesignNode[], edges: readonly DesignEdge[]): Composition {
  const problems: string[] = [];
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const walked = edges.filter((edge) => edge.label !== LOOP_BACK);
  const outgoing = (id: string) => walked.filter((edge) => edge.source === id && byId.has(edge.target));
  const incomingCount = (id: string) => walked.filter((edge) => edge.target === id && byId.has(edge.source)).length;
  const placed = new Set<string>();

  /** Tasks from `id` on, until the end, or a node several paths meet at (returned as `meetsAt`). */
  const walk = (start: string | undefined, isBranch: boolean): { tasks: DefinitionTask[]; meetsAt?: string } => {
    const tasks: DefinitionTask[] = [];
    let id = start;
    // The task right after a fork's JOIN or a switch is where paths meet on purpose: walk on through it.
    let throughMeeting = !isBranch;
    while (id !== undefined) {
      if (!throughMeeting && incomingCount(id) > 1) return { tasks, meetsAt: id };
      throughMeeting = false;
      const node = byId.get(id)!;
      if (placed.has(id)) {
        problems.push(`${node.task.taskReferenceName} is reached twice (a cycle?); connect a DO_WHILE's body with a body edge and no edge back`);
        return { tasks };
      }
      placed.add(id);
      const task: DefinitionTask & Record<string, unknown> = { ...node.task };
      tasks.push(task);
      const next = outgoing(id);
      if (node.task.type === "FORK_JOIN") {
        const branches = next.map((edge) => walk(edge.target, true));
        const meets = [...new Set(branches.map((branch) => branch.meetsAt))];
        task.forkTasks = branches.map((branch) => branch.tasks);
        const join = meets.length === 1 && meets[0] !== undefined ? byId.get(meets[0]) : undefined;
        if (!join || join.task.type !== "JOIN") {
          problems.push(`the branches of ${node.task.taskReferenceName} must all lead to one JOIN`);
          return { tasks };
        }
        placed.add(join.id);
        tasks.push({ ...join.task, joinOn: branches.map((branch) => branch.tasks.at(-1)?.taskReferenceName).filter(Boolean) } as DefinitionTask);
        const after = outgoing(join.id);
        if (after.length > 1) problems.push(`${join.task.taskReferenceName} has ${after.length} next tasks; only forks and switches branch`);
        id = after[0]?.target;
        // (A task after the JOIN that other paths also reach is where an enclosing switch's cases meet: stop there.)
        continue;
      }
      if (node.task.type === "SWITCH") {
        const cases: Record<string, DefinitionTask[]> = {};
        let defaultCase: DefinitionTask[] = [];
        const meets = new Set<string>();
        next.forEach((edge, index) => {
          const branch = walk(edge.target, true);
          if (branch.meetsAt) meets.add(branch.meetsAt);
          if (edge.label === "default") defaultCase = branch.tasks;
          else cases[edge.label || `case_${index + 1}`] = branch.tasks;
        });
        task.decisionCases = cases;
        task.defaultCase = defaultCase;
        if (meets.size > 1) problems.push(`the cases of ${node.task.taskReferenceName} meet again at more than one task`);
        id = [...meets][0];
        throughMeeting = true;
        continue;
      }
      if (node.task.type === "DO_WHILE") {
        const body = next.filter((edge) => edge.label === "body");
        const after = next.filter((edge) => edge.label !== "body");
        if (body.length > 1) problems.push(`${node.task.taskReferenceName} has ${body.length} body edges; a loop's body starts at one task`);
        if (body[0]) task.loopOver = walk(body[0].target, true).tasks;
        if (after.length > 1) problems.push(`${node.task.taskReferenceName} has ${after.length} next tasks after the loop; only FORK_JOIN and SWITCH branch`);
        id = after[0]?.target;
        continue;
      }
      if (next.length > 1) problems.push(`${node.task.taskReferenceName} has ${next.length} next tasks; only FORK_JOIN and SWITCH branch`);
      id = next[0]?.target;
    }
    return { tasks };
  };

  const starts = nodes.filter((node) => incomingCount(node.id) === 0);
  if (nodes.length === 0) problems.push("add a task from the palette");
  else if (starts.length !== 1) problems.push(`${starts.length} tasks have nothing before them; connect them into one flow`);
  const { tasks } = walk(starts[0]?.id, false);
  const unplaced = nodes.filter((node) => !placed.has(node.id));
  if (starts.length === 1 && unplaced.length) problems.push(`not connected: ${unplaced.map((node) => node.task.taskReferenceName).join(", ")}`);
  return {
    definition: { name: meta.name, version: meta.version, ...(meta.description ? { description: meta.description } : {}), schemaVersion: 2, ownerEmail: "console@baton.local", tasks },
    problems,
  };
}

/** The fields a task's nested tasks live in; on the canvas they are edges and nodes instead. */
const NESTED_FIELDS = ["forkTasks", "decisionCases", "defaultCase", "loopOver", "joinOn"] as const;

const ROW_HEIGHT = 110;
const COLUMN_WIDTH = 230;

/**
 * A registered definition on the canvas: every task, nested ones included
 * (fork branches, switch cases, DO_WHILE bodies), as a node, and the edges
 * designToDefinition reads back into the same definition: a fork's edges to its
 * branches and their ends to the JOIN, a switch's labelled case edges (an empty
 * case goes straight to what follows), a loop's `body` edge and its `loop` edge
 * back. Nodes are placed in rows by depth, side by side within a row.
 */
export function definitionToDesign(tasks: readonly (DefinitionTask & Record<string, unknown>)[]): { nodes: (DesignNode & { position: { x: number; y: number } })[]; edges: DesignEdge[] } {
  const nodes: (DesignNode & { position: { x: number; y: number } })[] = [];
  const edges: DesignEdge[] = [];
  const perRow = new Map<number, number>();
  type Exit = { from: string; label?: string };
  const connect = (exits: readonly Exit[], target: string) => {
    for (const exit of exits) edges.push({ source: exit.from, target, ...(exit.label ? { label: exit.label } : {}) });
  };
  const place = (task: DefinitionTask & Record<string, unknown>, row: number): string => {
    const column = perRow.get(row) ?? 0;
    perRow.set(row, column + 1);
    const own: Record<string, unknown> = { ...task };
    for (const field of NESTED_FIELDS) delete own[field];
    const ref = String(task.taskReferenceName ?? task.name ?? `task_${nodes.length + 1}`);
    let id = ref;
    while (nodes.some((node) => node.id === id)) id = `${id}_`;
    nodes.push({ id, position: { x: column * COLUMN_WIDTH, y: row * ROW_HEIGHT }, task: { ...own, name: String(task.name ?? ref), taskReferenceName: ref, type: String(task.type ?? "SIMPLE") } });
    return id;
  };
  /** Lays out `list` from `row` on; returns the exits of its last task and the next free row. */
  const sequence = (list: readonly (DefinitionTask & Record<string, unknown>)[], entry: Exit[], startRow: number): { exits: Exit[]; row: number } => {
    let exits = entry;
    let row = startRow;
    for (const task of list) {
      const id = place(task, row);
      connect(exits, id);
      row += 1;
      exits = [{ from: id }];
      const nested = (branches: { tasks: readonly (DefinitionTask & Record<string, unknown>)[]; label?: string }[]) => {
        let deepest = row;
        const branchExits = branches.flatMap((branch) => {
          const entryExit: Exit = { from: id, ...(branch.label ? { label: branch.label } : {}) };
          if (branch.tasks.length === 0) return [entryExit];
          const laid = sequence(branch.tasks, [entryExit], row);
          deepest = Math.max(deepest, laid.row);
          return laid.exits;
        });
        row = deepest;
        return branchExits;
      };
      switch (task.type) {
        case "FORK_JOIN":
          exits = nested((task.forkTasks ?? []).map((branch) => ({ tasks: branch as (DefinitionTask & Record<string, unknown>)[] })));
          break;
        case "SWITCH":
        case "DECISION":
          exits = nested([
            ...Object.entries(task.decisionCases ?? {}).map(([label, branch]) => ({ tasks: branch as (DefinitionTask & Record<string, unknown>)[], label })),
            { tasks: (task.defaultCase ?? []) as (DefinitionTask & Record<string, unknown>)[], label: "default" },
          ]);
          break;
        case "DO_WHILE": {
          const body = (task.loopOver ?? []) as (DefinitionTask & Record<string, unknown>)[];
          if (body.length) {
            const laid = sequence(body, [{ from: id, label: "body" }], row);
            for (const exit of laid.exits) edges.push({ source: exit.from, target: id, label: LOOP_BACK });
            row = laid.row;
          }
          break;
        }
        default:
      }
    }
    return { exits, row };
  };
  sequence(tasks, [], 0);
  return { nodes, edges };
}

/** Palette entries: a task type with the fields it needs filled with a working example. */
export interface PaletteEntry {
  label: string;
  task: (ref: string) => DesignNode["task"];
}

export const PALETTE: PaletteEntry[] = [
  { label: "SIMPLE", task: (ref) => ({ name: ref, taskReferenceName: ref, type: "SIMPLE", inputParameters: {} }) },
  {
    label: "KAFKA_PUBLISH",
    task: (ref) => ({
      name: ref,
      taskReferenceName: ref,
      type: "KAFKA_PUBLISH",
      inputParameters: { kafka_request: { topic: "service-requests", key: "${workflow.workflowId}", value: { workflowId: "${workflow.workflowId}", data: "${workflow.input}" } } },
    }),
  },
  { label: "EVENT (sink)", task: (ref) => ({ name: ref, taskReferenceName: ref, type: "EVENT", sink: "conductor:service_completed", asyncComplete: true }) },
  { label: "FORK_JOIN", task: (ref) => ({ name: ref, taskReferenceName: ref, type: "FORK_JOIN" }) },
  { label: "JOIN", task: (ref) => ({ name: ref, taskReferenceName: ref, type: "JOIN" }) },
  {
    label: "SWITCH",
    task: (ref) => ({ name: ref, taskReferenceName: ref, type: "SWITCH", evaluatorType: "value-param", expression: "switchCaseValue", inputParameters: { switchCaseValue: "${workflow.input.kind}" } }),
  },
  {
    label: "DO_WHILE",
    task: (ref) => ({
      name: ref,
      taskReferenceName: ref,
      type: "DO_WHILE",
      loopCondition: `if ($.${ref}['iteration'] < 3) { true; } else { false; }`,
      inputParameters: {},
      loopOver: [{ name: `${ref}_step`, taskReferenceName: `${ref}_step`, type: "SET_VARIABLE", inputParameters: { last: "${workflow.workflowId}" } }],
    }),
  },
  { label: "WAIT", task: (ref) => ({ name: ref, taskReferenceName: ref, type: "WAIT", inputParameters: { duration: "1 seconds" } }) },
  { label: "HTTP", task: (ref) => ({ name: ref, taskReferenceName: ref, type: "HTTP", inputParameters: { http_request: { uri: "https://example.com/", method: "GET" } } }) },
  { label: "SUB_WORKFLOW", task: (ref) => ({ name: ref, taskReferenceName: ref, type: "SUB_WORKFLOW", subWorkflowParam: { name: "child_workflow", version: 1 } }) },
  { label: "INLINE", task: (ref) => ({ name: ref, taskReferenceName: ref, type: "INLINE", inputParameters: { evaluatorType: "graaljs", expression: "(function () { return 1; })();" } }) },
  {
    label: "email hygiene (seed)",
    task: (ref) => ({
      name: ref,
      taskReferenceName: ref,
      type: "KAFKA_PUBLISH",
      inputParameters: { kafka_request: { topic: "email-hygiene-requests", key: "${workflow.workflowId}", value: { workflowId: "${workflow.workflowId}", data: { email: "${workflow.input.email}" } } } },
    }),
  },
];
