import { checkWorkflowDefRules, inspectWorkflowDef } from "../domain/definitions/check-workflow-def.ts";
import { type DefinitionWarning, eventSinkWarnings } from "../domain/definitions/event-sink-warnings.ts";
import { defaultTaskDef, type TaskDef } from "../domain/definitions/task-def.ts";
import type { WorkflowDef, WorkflowTask } from "../domain/definitions/workflow-def.ts";
import { NotFoundError } from "../domain/errors.ts";
import type { TaskDefCommand, WorkflowDefCommand } from "../domain/metadata/deciders.ts";
import type { EventSource } from "../domain/ports.ts";
import type { EventSinkPolicy } from "../domain/tasks/event.ts";
import { taskDefCategory, workflowDefCategory } from "../projections/stream-categories.ts";
import type { EngineCore } from "./engine-core.ts";

/**
 * Workflow and task definitions: commands on `workflowdef-<name>` and
 * `taskdef-<name>`, reads from the read models, and the snapshot of task
 * definitions a new workflow instance runs with.
 */
export function createDefinitions(core: EngineCore, options: { eventSinks?: EventSinkPolicy } = {}) {
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
    /**
     * What Baton warns about in a valid definition: what Conductor accepts but
     * Baton runs its own way (check-workflow-def.ts), and the sink-pattern trap
     * under this server's EVENT sink policy (event-sink-warnings.ts).
     */
    workflowDefWarnings(definition: WorkflowDef): DefinitionWarning[] {
      return [...inspectWorkflowDef(definition).warnings, ...eventSinkWarnings(definition, options.eventSinks)];
    },
    /** Registers a definition; resolves with what it does that is probably a mistake (each also logged). */
    async registerWorkflowDef(definition: WorkflowDef, overwrite: boolean, source: EventSource): Promise<DefinitionWarning[]> {
      const warnings = [...checkWorkflowDefRules(definition), ...eventSinkWarnings(definition, options.eventSinks)];
      await runWorkflowDefCommand(definition.name, { type: "RegisterWorkflowDef", definition, overwrite }, source);
      for (const warning of warnings) {
        core.logger.info(`warning: workflow ${definition.name} v${definition.version}: ${warning.path}: ${warning.message}`, {
          workflow: definition.name,
          version: definition.version,
          path: warning.path,
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
