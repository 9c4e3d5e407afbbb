/**
 * After a DAG run succeeds: its stats (`*_Stats.jsonl`) and output files, the
 * objects under the run's output prefix in the store the DAG writes to (S3 for
 * Airflow), are copied to Baton's store (MinIO) under the same keys (the
 * original layout), each streamed and verified by size and etag
 * (copyBetween). When both are one store (the local executor on the file
 * store) nothing is copied; the objects are only listed.
 */
import { copyBetween } from "../../adapters/storage/copy-between.ts";
import type { SyncedObject } from "../../domain/dagrun/events.ts";
import type { ObjectStore } from "../../domain/ports.ts";

export interface ArtifactStores {
  /** Where DAGs write. */
  source: ObjectStore;
  /** Where Baton keeps results (the URIs in the completion point here). */
  target: ObjectStore;
}

export interface SyncedArtifacts {
  objects: SyncedObject[];
  statsUrl?: string;
  outputUris: string[];
}

/** A DAG's statistics file, by the seed's naming. */
export const isStatsKey = (key: string) => /_Stats\.jsonl$/i.test(key);

export async function syncArtifacts({ source, target }: ArtifactStores, prefix: string): Promise<SyncedArtifacts> {
  const objects: SyncedObject[] = [];
  for (const info of await source.list(prefix)) {
    // `list` may leave etags out (the file store does); `head` gives them.
    const copied = source === target ? ((await source.head(info.key)) ?? info) : await copyBetween(source, target, info.key);
    objects.push({
      source: source.uri(info.key),
      target: target.uri(info.key),
      size: copied.size,
      ...(copied.etag ? { etag: copied.etag } : {}),
      kind: isStatsKey(info.key) ? "stats" : "output",
    });
  }
  const statsUrl = objects.find((o) => o.kind === "stats")?.target;
  return { objects, ...(statsUrl ? { statsUrl } : {}), outputUris: objects.filter((o) => o.kind === "output").map((o) => o.target) };
}
