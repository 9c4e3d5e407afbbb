import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { answersWhileStarting, startingHold } from "../../src/api/starting-hold.ts";

const request = (path: string) => new Request(`http://127.0.0.1:8080${path}`, { method: "POST" });

/** Whether `promise` has settled after the pending timers and microtasks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe("startingHold: API requests wait for a starting process, bounded", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("holds a task update until the start is over, then lets it go at once", async () => {
    const hold = startingHold(15_000);
    const waiting = hold.wait(request("/api/tasks"));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await settled(waiting)).toBe(false);
    hold.release();
    expect(await settled(waiting)).toBe(true);
    expect(hold.over).toBe(true);
    // Once over, nothing waits.
    expect(await settled(hold.wait(request("/api/workflow")))).toBe(true);
  });

  it("lets a held request go after holdMs when the start is not over (the caller then answers 503)", async () => {
    const hold = startingHold(2_000);
    const waiting = hold.wait(request("/api/tasks/update-v2"));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(await settled(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(waiting)).toBe(true);
    expect(hold.over).toBe(false);
  });

  it("never holds health and metrics, nor anything with holdMs 0", async () => {
    const hold = startingHold(15_000);
    for (const path of ["/health", "/health/ready", "/health/live", "/metrics"]) expect(await settled(hold.wait(request(path))), path).toBe(true);
    expect(await settled(startingHold(0).wait(request("/api/tasks")))).toBe(true);
    expect(answersWhileStarting("/healthy")).toBe(false);
    expect(answersWhileStarting("/api/health")).toBe(false);
  });
});
