import { checkWorkflowDefRules, type DefinitionWarning } from "../domain/definitions/check-workflow-def.ts";
import { defaultTaskDef, type TaskDef } from "../domain/definitions/task-def.ts";
import type { WorkflowDef, WorkflowTask } from "../domain/definitions/workflow-def.ts";
import { NotFoundError } from "../domain/errors.ts";
import type { TaskDefCommand, WorkflowDefCommand } from "../domain/metadata/deciders.ts";
import type { EventSource } from "../domain/ports.ts";
import { taskDefCategory, workflowDefCategory } from "../projections/stream-categories.ts";
import type { EngineCore } from "./engine-core.ts";

/**
 * Workflow and task definitions: commands on `workflowdef-<name>` and
 * `taskdef-<name>`, reads from the read models, and the snapshot of task
 * definitions a new workflow instance runs with.
 */
export function createDefinitions(core: EngineCore) {
  const { models } = core;

  async function runWorkflowDefCommand(name: string, command: WorkflowDefCommand, source: EventSource): Promise<void> {
    const decider = workflowDefCategory.decider;
    await core.runCommand(`workflowdef:${name}`, decider, workflowDefCategory.streamOf(name), command, () => ({ now: core.clock() }), { source });
  }

  async function runTaskDefCommand(name: string, command: TaskDefCommand, source: EventSource): Promise<void> {
    const decider = taskDefCategory.decider;
    await core.runCommand(`taskdef:${name}`, decider, taskDefCategory.streamOf(name), command, () => ({ now: core.clock() }), { source });
  }

  function latestWorkflowDef(name: string): WorkflowDef | undefined {
    const versions = models.workflowDefs.get(name)?.versions;
    if (!versions || versions.size === 0) return undefined;
    return versions.get(Math.max(...versions.keys()));
  }

  function getWorkflowDef(name: string, version?: number): WorkflowDef {
    const def = version === undefined ? latestWorkflowDef(name) : models.workflowDefs.get(name)?.versions.get(version);
    if (!def) throw new NotFoundError(`No such workflow found by name: ${name}, version: ${version ?? "latest"}`);
    return def;
  }

  /** The definition a new instance runs with: every task's TaskDef filled in and frozen. */
  function snapshotDefinition(definition: WorkflowDef): WorkflowDef {
    const fill = (tasks: readonly WorkflowTask[] | null | undefined): WorkflowTask[] =>
      (tasks ?? []).map((task) => {
        const registered = models.taskDefs.get(task.name)?.definition;
        const taskDefinition =
          task.taskDefinition ?? registered ?? (task.type === "SIMPLE" ? defaultTaskDef(task.name) : undefined);
        const filled: WorkflowTask = { ...task, ...(taskDefinition ? { taskDefinition } : {}) };
        if (task.decisionCases) {
          filled.decisionCases = Object.fromEntries(Object.entries(task.decisionCases).map(([k, v]) => [k, fill(v)]));
        }
        if (task.defaultCase) filled.defaultCase = fill(task.defaultCase);
        if (task.forkTasks) filled.forkTasks = task.forkTasks.map((branch) => fill(branch));
        if (task.loopOver) filled.loopOver = fill(task.loopOver);
        return filled;
      });
    return { ...definition, tasks: fill(definition.tasks) };
  }

  return {
    getWorkflowDef,
    snapshotDefinition,
    listWorkflowDefs: () => [...models.workflowDefs.values()].flatMap((v) => [...v.versions.values()]),
    /** Registers a definition; returns what Baton warns about in it (also logged). */
    async registerWorkflowDef(definition: WorkflowDef, overwrite: boolean, source: EventSource): Promise<DefinitionWarning[]> {
      const warnings = checkWorkflowDefRules(definition);
      await runWorkflowDefCommand(definition.name, { type: "RegisterWorkflowDef", definition, overwrite }, source);
      if (warnings.length > 0) {
        core.logger.info(`workflow definition ${definition.name} v${definition.version} registered with warnings`, {
          warnings: warnings.map((w) => `${w.path}: ${w.message}`),
        });
      }
      return warnings;
    },
    removeWorkflowDef: (name: string, version: number, source: EventSource) =>
      runWorkflowDefCommand(name, { type: "RemoveWorkflowDef", name, version }, source),
    getTaskDef(name: string): TaskDef {
      const def = models.taskDefs.get(name)?.definition;
      if (!def) throw new NotFoundError(`No such taskType found by name: ${name}`);
      return def;
    },
    /** A registered task definition, if any (for decisions on tasks named at run time). */
    findTaskDef: (name: string): TaskDef | undefined => models.taskDefs.get(name)?.definition,
    listTaskDefs: () => [...models.taskDefs.values()].flatMap((s) => (s.definition ? [s.definition] : [])),
    registerTaskDef: (definition: TaskDef, mustExist: boolean, source: EventSource) =>
      runTaskDefCommand(definition.name, { type: "RegisterTaskDef", definition, mustExist }, source),
    removeTaskDef: (name: string, source: EventSource) => runTaskDefCommand(name, { type: "RemoveTaskDef", name }, source),
  };
}

export type Definitions = ReturnType<typeof createDefinitions>;
