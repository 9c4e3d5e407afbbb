import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { CheckpointStore } from "../../domain/ports.ts";

/**
 * Checkpoints as files `<dir>/<name>.json`. A save writes a temporary file,
 * syncs it and renames it over the old one, so a crash leaves the old
 * checkpoint or the new one, never half of one.
 */
export function createFsCheckpointStore(dir: string): CheckpointStore {
  const fileOf = (name: string) => {
    if (!/^[a-z0-9-]+$/.test(name)) throw new RangeError(`checkpoint name '${name}' must be lower-case letters, digits and '-'`);
    return join(dir, `${name}.json`);
  };
  return {
    async load(name) {
      try {
        return await readFile(fileOf(name), "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    async save(name, content) {
      await mkdir(dir, { recursive: true });
      const file = fileOf(name);
      const temporary = `${file}.${process.pid}.tmp`;
      const handle = await open(temporary, "w");
      try {
        await handle.writeFile(content, "utf8");
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    },
  };
}
