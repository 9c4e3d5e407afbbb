/**
 * wrangler.json (a deployment with wrangler) says what scripts/workerd.ts gives
 * miniflare in the tests: the same bundle, module rule, compatibility, and
 * bindings, so what the runtime matrix tests is what a deployment runs.
 * wrangler itself is not run here (it is not a dependency).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { WORKERD_SETTINGS } from "../../scripts/workerd.ts";

// The compiled QuickJS module workerd hands over; Node cannot import a `.wasm` file.
vi.mock("@jitl/quickjs-wasmfile-release-sync/wasm", () => ({ default: undefined }));

const wrangler = JSON.parse(readFileSync(new URL("../../wrangler.json", import.meta.url), "utf8"));

describe("wrangler.json", () => {
  it("deploys the bundle scripts/build-worker.ts writes, unbundled, with its WASM as compiled modules", () => {
    expect(wrangler).toMatchObject({ main: "dist/worker/worker.mjs", no_bundle: true, build: { command: "npx tsx scripts/build-worker.ts" } });
    expect(wrangler.rules).toEqual([{ type: "CompiledWasm", globs: ["**/*.wasm"], fallthrough: false }]);
    expect(WORKERD_SETTINGS.modulesRules).toEqual([{ type: "CompiledWasm", include: ["**/*.wasm"] }]);
  });

  it("has the compatibility date and flags miniflare runs with", () => {
    expect(wrangler.compatibility_date).toBe(WORKERD_SETTINGS.compatibilityDate);
    expect(wrangler.compatibility_flags).toEqual(WORKERD_SETTINGS.compatibilityFlags);
  });

  it("binds the event log Durable Object (SQLite storage) and the R2 bucket as miniflare does", () => {
    const durable = Object.entries(WORKERD_SETTINGS.durableObjects).map(([name, { className }]) => ({ name, class_name: className }));
    expect(wrangler.durable_objects.bindings).toEqual(durable);
    const sqliteClasses = wrangler.migrations.flatMap((migration: { new_sqlite_classes?: string[] }) => migration.new_sqlite_classes ?? []);
    expect(sqliteClasses).toEqual(Object.values(WORKERD_SETTINGS.durableObjects).filter((object) => object.useSQLite).map((object) => object.className));
    expect(wrangler.r2_buckets.map((bucket: { binding: string }) => bucket.binding)).toEqual(WORKERD_SETTINGS.r2Buckets);
    expect(wrangler.vars).toEqual(WORKERD_SETTINGS.bindings);
    expect(wrangler.r2_buckets[0].bucket_name).toBe(wrangler.vars.OBJECTS_BUCKET_NAME);
  });

  it("binds the worker to itself under the name miniflare gives it, for the event log's alarm to wake it", () => {
    expect(wrangler.name).toBe(WORKERD_SETTINGS.name);
    expect(wrangler.services).toEqual(Object.entries(WORKERD_SETTINGS.serviceBindings).map(([binding, service]) => ({ binding, service })));
    expect(wrangler.services).toEqual([{ binding: "BATON_SELF", service: wrangler.name }]);
  });

  it("names a class the worker entry exports", async () => {
    const entry = await import("../../src/api/worker.ts");
    for (const { class_name } of wrangler.durable_objects.bindings) expect(typeof (entry as Record<string, unknown>)[class_name]).toBe("function");
  });
});
