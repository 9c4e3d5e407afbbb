/**
 * The process's memory on `/metrics`, under the names Prometheus' Node client
 * uses, so a soak (bench/soak.ts) or a dashboard can tell which part grows:
 * the resident set, V8's heap (in use and reserved), memory held outside it
 * by Buffers and other native objects, and the ArrayBuffers among them.
 * Read once per scrape. For runtimes with Node's `process.memoryUsage()`.
 */
import type { Registry } from "./metrics-registry.ts";

/** What `process.memoryUsage()` answers; passed in so the module needs no `node:` import. */
export interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** Registers the memory gauges on `registry`, each read from `usage()` at scrape time. */
export function observeProcessMemory(registry: Registry, usage: () => MemoryUsage): void {
  let scrape: MemoryUsage | undefined;
  // The gauges render in registration order, so the first one takes the reading the others share.
  const gauges: [string, string, keyof MemoryUsage][] = [
    ["process_resident_memory_bytes", "Resident memory of the process (RSS), in bytes.", "rss"],
    ["nodejs_heap_size_total_bytes", "V8 heap reserved (heapTotal), in bytes.", "heapTotal"],
    ["nodejs_heap_size_used_bytes", "V8 heap in use (heapUsed; garbage not yet collected included), in bytes.", "heapUsed"],
    ["nodejs_external_memory_bytes", "Memory of C++ objects bound to JS objects (Buffers among them), in bytes.", "external"],
    ["nodejs_array_buffers_bytes", "Memory of ArrayBuffers and SharedArrayBuffers (Buffers included), in bytes.", "arrayBuffers"],
  ];
  gauges.forEach(([name, help, field], index) =>
    registry.gauge(name, help, (gauge) => {
      if (index === 0 || !scrape) scrape = usage();
      gauge.set({}, scrape[field]);
    }),
  );
}
