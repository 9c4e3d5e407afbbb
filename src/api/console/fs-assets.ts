import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ConsoleAssetReader } from "./routes.ts";

/** Where `npm run build:console` writes the console (git-ignored). */
export const CONSOLE_BUILD_DIR = new URL("../../../dist/console/", import.meta.url);

/** Reads the built console from `dir` on disk (Node and Bun). */
export function fsConsoleAssets(dir: string): ConsoleAssetReader {
  return async (relativePath) => {
    try {
      return new Uint8Array(await readFile(join(dir, relativePath)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  };
}
