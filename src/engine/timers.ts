import type { EngineCore } from "./engine-core.ts";

/**
 * Timers: the read models keep each workflow's next due time (retry delays,
 * WAIT, callbacks, timeouts; rebuilt from events, so they survive restarts);
 * a sweep runs CheckTimeouts on each owned workflow whose time has come.
 */
/** Workflows whose due timers one sweep handles at the same time. */
const SWEEP_LANES = 8;

export function createTimers(core: EngineCore) {
  let sweeping = false;
  return {
    async sweep(): Promise<void> {
      // One sweep at a time: a slow one must not pile up behind the interval.
      if (core.isClosed() || sweeping) return;
      sweeping = true;
      try {
        const now = core.clock();
        // Another process's workflow: its owner sweeps it.
        const due = [...core.models.timers].filter(([workflowId, at]) => at <= now && core.owns(workflowId)).map(([workflowId]) => workflowId);
        // A few workflows at a time: one whose user code takes its full time limit
        // (on a worker) must not hold up every other due timer behind it.
        const lane = async () => {
          for (let workflowId = due.shift(); workflowId !== undefined && !core.isClosed(); workflowId = due.shift()) {
            try {
              await core.runWorkflowCommand(workflowId, { type: "CheckTimeouts" }, { kind: "timer" }, { awaitRead: false });
            } catch (error) {
              core.logger.error("timeout sweep failed", { workflowId, error: String(error) });
            }
          }
        };
        await Promise.all(Array.from({ length: SWEEP_LANES }, lane));
      } finally {
        sweeping = false;
      }
    },
  };
}
