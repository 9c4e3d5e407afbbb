/**
 * While a process starts, API requests wait for it, up to `BATON_START_HOLD_MS`,
 * instead of meeting the 503 "Baton is starting" at once. A Conductor SDK worker
 * retries a failed task update on the URL it first tried (10, 20, 30 s later):
 * when that member was restarting, the retry reached it while it rejoined the
 * store and the Kafka groups and was refused. Held, it is answered by the
 * started engine. Health and metrics never wait: a load balancer's probe must
 * see the truth at once.
 */

/** `/health`, `/health/*` and `/metrics`: what the starting app answers itself. */
export const answersWhileStarting = (path: string): boolean => path === "/metrics" || path === "/health" || path.startsWith("/health/");

export interface StartingHold {
  /** True once the start is over (started or failed): nothing waits any more. */
  readonly over: boolean;
  /** Resolves when `request` may go on: at once for health and metrics, else when the start is over or `holdMs` passed. */
  wait(request: Request): Promise<void>;
  /** The start is over: held requests go on now. */
  release(): void;
}

/** A hold of at most `holdMs` per request (0: none). */
export function startingHold(holdMs: number): StartingHold {
  let over = false;
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    get over() {
      return over;
    },
    async wait(request) {
      if (over || holdMs === 0 || answersWhileStarting(new URL(request.url).pathname)) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([released, new Promise<void>((resolve) => (timer = setTimeout(resolve, holdMs)))]);
      } finally {
        clearTimeout(timer);
      }
    },
    release() {
      over = true;
      release();
    },
  };
}
