/**
 * Whether dist/ holds a server build made from the current sources: the hash of
 * every server source file (src/ without the console), the build script and the
 * lock file, written by scripts/build-server.ts and checked by scripts/start.mjs.
 * Plain JavaScript so that `npm start` can decide before any TypeScript runner loads.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const SERVER_OUT_DIR = join(ROOT, "dist");
export const SERVER_ENTRY = join(SERVER_OUT_DIR, "api", "node.js");
export const SERVER_STAMP = join(SERVER_OUT_DIR, "server-build-stamp.json");
/** The console is built by Vite into dist/console (scripts/build-console.ts), not here. */
const NOT_SERVER = [join(ROOT, "src", "console")];

/** Every file the server build reads under src/, sorted. */
export async function serverSourceFiles() {
  const entries = await readdir(join(ROOT, "src"), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => !NOT_SERVER.some((dir) => file.startsWith(`${dir}/`)))
    .sort();
}

/** A hash of the server's sources, the build scripts and the locked dependency versions. */
export async function serverSourceHash() {
  const hash = createHash("sha256");
  const inputs = [
    ...(await serverSourceFiles()),
    join(ROOT, "scripts", "build-server.ts"),
    fileURLToPath(import.meta.url),
    join(ROOT, "package-lock.json"),
  ];
  for (const file of inputs) hash.update(relative(ROOT, file)).update("\0").update(await readFile(file)).update("\0");
  return hash.digest("hex");
}

/** "current", "missing" or "stale": whether `node dist/api/node.js` runs today's sources. */
export async function serverBuildState() {
  let stamp;
  try {
    stamp = JSON.parse(await readFile(SERVER_STAMP, "utf8"));
  } catch {
    return "missing";
  }
  return stamp?.sourceHash === (await serverSourceHash()) ? "current" : "stale";
}
