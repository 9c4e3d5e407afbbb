import { parseDuration, parseUntil } from "../workflow/wait-time.ts";
import { completed, failed, started } from "./outcomes.ts";
import type { SystemTaskStep, TaskTypeSpec } from "./spec.ts";

const given = (value: unknown) => value !== undefined && value !== null && value !== "";

/** Started with a due time from `duration` or `until` (or none); completed when that time has come. */
const runWait: SystemTaskStep = (_state, task, _wt, ctx) => {
  if (task.status === "IN_PROGRESS") {
    return task.waitUntil !== undefined && task.waitUntil <= ctx.now ? [completed(task, ctx, task.outputData)] : [];
  }
  const { duration, until } = task.inputData;
  if (given(duration) && given(until)) {
    return [failed(task, ctx, "Both 'duration' and 'until' specified. Please provide only one input")];
  }
  if (given(duration)) {
    const parsed = parseDuration(String(duration));
    if ("error" in parsed) return [failed(task, ctx, parsed.error)];
    return [started(task, ctx, ctx.now + parsed.seconds * 1000)];
  }
  if (given(until)) {
    const parsed = parseUntil(String(until));
    if ("error" in parsed) return [failed(task, ctx, parsed.error)];
    return [started(task, ctx, parsed.at)];
  }
  return [started(task, ctx)];
};

/** WAIT: IN_PROGRESS until its due time, or until something from outside completes it. */
export const waitTask: TaskTypeSpec = {
  run: { kind: "held", step: runWait },
  retry: "taskDef",
};
