import type { TaskDef } from "../definitions/task-def.ts";

/**
 * Seconds to wait before attempt `retryCount + 1` of a task, by its retry logic:
 * FIXED waits `retryDelaySeconds`; LINEAR_BACKOFF waits
 * `retryDelaySeconds * backoffScaleFactor * (retryCount + 1)`; EXPONENTIAL_BACKOFF
 * waits `retryDelaySeconds * 2^retryCount`. A positive `maxRetryDelaySeconds` caps it.
 */
export function retryDelaySeconds(def: TaskDef, retryCount: number): number {
  const base = def.retryDelaySeconds;
  let delay: number;
  switch (def.retryLogic) {
    case "FIXED":
      delay = base;
      break;
    case "LINEAR_BACKOFF":
      delay = base * def.backoffScaleFactor * (retryCount + 1);
      break;
    case "EXPONENTIAL_BACKOFF":
      delay = base * 2 ** retryCount;
      break;
    default: {
      const _exhaustive: never = def.retryLogic;
      return _exhaustive;
    }
  }
  const cap = def.maxRetryDelaySeconds;
  if (cap > 0 && delay > cap) delay = cap;
  return Math.max(0, Math.floor(delay));
}
