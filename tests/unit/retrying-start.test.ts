import { describe, expect, it } from "vitest";
import { retryingStart } from "../../src/api/retrying-start.ts";

describe("retryingStart", () => {
  it("shares one start between concurrent callers and keeps it once it succeeded", async () => {
    let starts = 0;
    const app = retryingStart(async () => ({ n: ++starts }));
    const [a, b] = await Promise.all([app(), app()]);
    expect(a).toBe(b);
    expect(await app()).toBe(a);
    expect(starts).toBe(1);
  });

  it("forgets a failed start, so the next call starts again (a worker recovers instead of caching the failure)", async () => {
    let starts = 0;
    const app = retryingStart(async () => {
      starts += 1;
      if (starts === 1) throw new Error("WASM did not load");
      return { n: starts };
    });
    const [first, concurrent] = await Promise.allSettled([app(), app()]);
    expect(first).toMatchObject({ status: "rejected", reason: { message: "WASM did not load" } });
    expect(concurrent).toMatchObject({ status: "rejected" }); // the same attempt, not a second one
    expect(starts).toBe(1);
    await expect(app()).resolves.toEqual({ n: 2 });
    await expect(app()).resolves.toEqual({ n: 2 });
    expect(starts).toBe(2);
  });
});
