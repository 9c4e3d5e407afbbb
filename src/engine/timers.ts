import type { EngineCore } from "./engine-core.ts";

/**
 * Timers: the read models keep each workflow's next due time (retry delays,
 * WAIT, callbacks, timeouts; rebuilt from events, so they survive restarts);
 * a sweep runs CheckTimeouts on each owned workflow whose time has come.
 */
export function createTimers(core: EngineCore) {
  let sweeping = false;
  return {
    async sweep(): Promise<void> {
      // One sweep at a time: a slow one must not pile up behind the interval.
      if (core.isClosed() || sweeping) return;
      sweeping = true;
      try {
        const now = core.clock();
        for (const [workflowId, due] of [...core.models.timers]) {
          // Another process's workflow: its owner sweeps it.
          if (due > now || core.isClosed() || !core.owns(workflowId)) continue;
          try {
            await core.runWorkflowCommand(workflowId, { type: "CheckTimeouts" }, { kind: "timer" }, { awaitRead: false });
          } catch (error) {
            core.logger.error("timeout sweep failed", { workflowId, error: String(error) });
          }
        }
      } finally {
        sweeping = false;
      }
    },
  };
}
