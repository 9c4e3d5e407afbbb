import type { WorkflowDef, WorkflowTask } from "../definitions/workflow-def.ts";
import { taskTypeSpec } from "../tasks/registry.ts";
import type { Children } from "../tasks/spec.ts";

/** Where a workflow task sits in its definition. */
export type Container =
  | { kind: "root" }
  | { kind: "case"; owner: string }
  | { kind: "branch"; owner: string }
  | { kind: "loop"; owner: string };

export interface DefinitionNode {
  task: WorkflowTask;
  list: readonly WorkflowTask[];
  index: number;
  container: Container;
  /** The nearest enclosing DO_WHILE, if any: its tasks get `__N` suffixes. */
  loopOwner?: string;
}

/** What follows a task once it is done. */
export type Successor =
  | { kind: "task"; task: WorkflowTask }
  | { kind: "loopEnd"; owner: string }
  | { kind: "branchEnd"; owner: string }
  | { kind: "end" };

const cache = new WeakMap<WorkflowDef, Map<string, DefinitionNode>>();

/** The children lists of a composite task (cases, branches, loop body), as its type's spec lays them out. */
export function childLists(task: WorkflowTask): Children | undefined {
  return taskTypeSpec(task.type)?.children?.(task);
}

/** Every task of a definition, nested ones included, by reference name (memoized). */
export function definitionNodes(def: WorkflowDef): Map<string, DefinitionNode> {
  const cached = cache.get(def);
  if (cached) return cached;
  const nodes = new Map<string, DefinitionNode>();
  const walk = (list: readonly WorkflowTask[], container: Container, loopOwner: string | undefined) => {
    list.forEach((task, index) => {
      if (!nodes.has(task.taskReferenceName)) nodes.set(task.taskReferenceName, { task, list, index, container, loopOwner });
      const children = childLists(task);
      if (!children) return;
      const innerLoop = children.kind === "loop" ? task.taskReferenceName : loopOwner;
      for (const childList of children.lists) {
        walk(childList ?? [], { kind: children.kind, owner: task.taskReferenceName } as Container, innerLoop);
      }
    });
  };
  walk(def.tasks, { kind: "root" }, undefined);
  cache.set(def, nodes);
  return nodes;
}

/** Removes a loop iteration suffix: `fetch__3` -> `fetch`. */
export function baseRef(ref: string): string {
  return ref.replace(/__\d+$/, "");
}

/** The definition node of a (possibly iteration-suffixed) task reference. */
export function nodeFor(def: WorkflowDef, ref: string): DefinitionNode | undefined {
  const nodes = definitionNodes(def);
  return nodes.get(ref) ?? nodes.get(baseRef(ref));
}

/** What comes after the definition task `ref` in its list, climbing out of cases. */
export function successorOf(def: WorkflowDef, ref: string): Successor {
  const node = nodeFor(def, ref);
  if (!node) return { kind: "end" };
  const next = node.list[node.index + 1];
  if (next) return { kind: "task", task: next };
  switch (node.container.kind) {
    case "root":
      return { kind: "end" };
    case "case":
      return successorOf(def, node.container.owner);
    case "branch":
      return { kind: "branchEnd", owner: node.container.owner };
    case "loop":
      return { kind: "loopEnd", owner: node.container.owner };
    default: {
      const _exhaustive: never = node.container;
      return _exhaustive;
    }
  }
}

/** Every task reference inside a composite task (recursively), e.g. a loop body. */
export function refsWithin(task: WorkflowTask): string[] {
  const out: string[] = [];
  for (const list of childLists(task)?.lists ?? []) {
    for (const child of list ?? []) {
      out.push(child.taskReferenceName);
      out.push(...refsWithin(child));
    }
  }
  return out;
}
