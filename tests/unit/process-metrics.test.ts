import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/api/observability/metrics-registry.ts";
import { observeProcessMemory } from "../../src/api/observability/process-metrics.ts";

describe("process memory on /metrics", () => {
  it("renders each part of memoryUsage() from one reading per scrape", () => {
    const registry = createRegistry();
    let readings = 0;
    observeProcessMemory(registry, () => {
      readings++;
      return { rss: 100 * readings, heapTotal: 50, heapUsed: 40, external: 7, arrayBuffers: 3 };
    });
    const first = registry.render();
    expect(first).toContain("process_resident_memory_bytes 100\n");
    expect(first).toContain("nodejs_heap_size_total_bytes 50\n");
    expect(first).toContain("nodejs_heap_size_used_bytes 40\n");
    expect(first).toContain("nodejs_external_memory_bytes 7\n");
    expect(first).toContain("nodejs_array_buffers_bytes 3\n");
    expect(first).toContain("# TYPE nodejs_heap_size_used_bytes gauge");
    expect(readings).toBe(1);
    expect(registry.render()).toContain("process_resident_memory_bytes 200\n");
    expect(readings).toBe(2);
  });
});
