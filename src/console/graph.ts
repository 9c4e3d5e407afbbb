/**
 * A workflow definition as a graph: one node per task (plus start and end),
 * edges in the order Conductor runs them. Forks fan out to their branches
 * and back in at their JOIN, a switch fans out to one branch per case
 * (edges labelled with the case), a DO_WHILE has its body hanging off it
 * with an edge back to it, a sub-workflow is one node that names its child.
 * Pure, so the console and its tests draw the same thing.
 */

/** The parts of a Conductor WorkflowTask the graph reads. */
export interface DefinitionTask {
  name?: string;
  taskReferenceName?: string;
  type?: string;
  forkTasks?: DefinitionTask[][];
  decisionCases?: Record<string, DefinitionTask[]>;
  defaultCase?: DefinitionTask[];
  loopOver?: DefinitionTask[];
  subWorkflowParam?: { name?: string; version?: number };
}

export type NodeKind = "start" | "end" | "task";

export interface GraphNode {
  id: string;
  kind: NodeKind;
  label: string;
  taskType: string;
  /** The child workflow's name, for SUB_WORKFLOW. */
  subWorkflow?: string;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  label?: string;
  /** The edge from a loop's body back to its DO_WHILE. */
  loopBack?: boolean;
}

export interface DefinitionGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const START_NODE = "__start";
export const END_NODE = "__end";

/** Predecessors of the next node: where its edges come from, with an optional label for the edge. */
type Exit = { from: string; label?: string };

export function definitionGraph(tasks: readonly DefinitionTask[]): DefinitionGraph {
  const nodes: GraphNode[] = [{ id: START_NODE, kind: "start", label: "start", taskType: "START" }];
  const edges: GraphEdge[] = [];
  const seen = new Set<string>([START_NODE]);
  const connect = (exits: readonly Exit[], target: string) => {
    for (const exit of exits) {
      edges.push({ id: `${exit.from}->${target}${exit.label ? `:${exit.label}` : ""}`, source: exit.from, target, ...(exit.label ? { label: exit.label } : {}) });
    }
  };

  const addTask = (task: DefinitionTask, index: number): string => {
    const type = task.type ?? "SIMPLE";
    let id = task.taskReferenceName ?? task.name ?? `task_${index}`;
    // A malformed definition may repeat a reference name; keep both nodes apart.
    while (seen.has(id)) id = `${id}'`;
    seen.add(id);
    const node: GraphNode = { id, kind: "task", label: task.taskReferenceName ?? task.name ?? id, taskType: type };
    if (type === "SUB_WORKFLOW" && task.subWorkflowParam?.name) node.subWorkflow = task.subWorkflowParam.name;
    nodes.push(node);
    return id;
  };

  const sequence = (list: readonly DefinitionTask[], entry: Exit[]): Exit[] => {
    let exits = entry;
    list.forEach((task, index) => {
      const id = addTask(task, index);
      connect(exits, id);
      switch (task.type) {
        case "FORK_JOIN": {
          const branches = task.forkTasks ?? [];
          exits = branches.length === 0 ? [{ from: id }] : branches.flatMap((branch) => sequence(branch, [{ from: id }]));
          break;
        }
        case "SWITCH":
        case "DECISION": {
          const cases: [string, DefinitionTask[]][] = [...Object.entries(task.decisionCases ?? {}), ["default", task.defaultCase ?? []]];
          exits = cases.flatMap(([label, branch]) => {
            if (branch.length === 0) return [{ from: id, label }];
            const [first, ...rest] = sequence(branch, [{ from: id, label }]);
            return first ? [first, ...rest] : [];
          });
          break;
        }
        case "DO_WHILE": {
          const bodyExits = sequence(task.loopOver ?? [], [{ from: id }]);
          for (const exit of bodyExits) {
            if (exit.from !== id) edges.push({ id: `${exit.from}->${id}:loop`, source: exit.from, target: id, label: "loop", loopBack: true });
          }
          exits = [{ from: id }];
          break;
        }
        default:
          exits = [{ from: id }];
      }
    });
    return exits;
  };

  const exits = sequence(tasks, [{ from: START_NODE }]);
  nodes.push({ id: END_NODE, kind: "end", label: "end", taskType: "END" });
  connect(exits, END_NODE);
  return { nodes, edges };
}

/** A task attempt as the workflow reports it (the fields the graph colours by). */
export interface TaskAttempt {
  referenceTaskName: string;
  status: string;
  seq: number;
  taskId?: string;
}

/**
 * The status of each node: the latest attempt of its task. A DO_WHILE's body
 * tasks run as `ref__1`, `ref__2`, ...: they colour `ref` with the latest
 * iteration.
 */
export function statusByNode(tasks: readonly TaskAttempt[]): Map<string, TaskAttempt> {
  const latest = new Map<string, TaskAttempt>();
  for (const task of tasks) {
    const ref = task.referenceTaskName.replace(/__\d+$/, "");
    const current = latest.get(ref);
    if (!current || task.seq >= current.seq) latest.set(ref, task);
  }
  return latest;
}

/** Status groups the console colours alike. */
export type StatusTone = "done" | "failed" | "running" | "waiting" | "skipped" | "none";

export function toneOf(status: string | undefined): StatusTone {
  switch (status) {
    case "COMPLETED":
    case "COMPLETED_WITH_ERRORS":
      return "done";
    case "FAILED":
    case "FAILED_WITH_TERMINAL_ERROR":
    case "TIMED_OUT":
    case "TERMINATED":
      return "failed";
    case "IN_PROGRESS":
    case "RUNNING":
      return "running";
    case "SCHEDULED":
    case "PAUSED":
      return "waiting";
    case "CANCELED":
    case "SKIPPED":
      return "skipped";
    default:
      return "none";
  }
}
