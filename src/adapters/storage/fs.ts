/**
 * The embedded object store: files under one root directory (by default
 * `${DATA_DIR}/objects`). Writes go to a temp file in `<root>/.tmp` and are
 * renamed into place, so a reader never sees half an object. Etags are the
 * content's MD5, as S3 gives for single-part uploads, so copies can be checked.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { NotFoundError } from "../../domain/errors.ts";
import type { ObjectInfo, ObjectStore } from "../../domain/ports.ts";
import { checkObjectKey } from "./object-keys.ts";
import { toNodeReadable, toWebStream } from "./node-streams.ts";

const TMP = ".tmp";

export function createFsObjectStore(rootDir: string): ObjectStore {
  const root = resolve(rootDir);
  const pathOf = (key: string) => join(root, ...checkObjectKey(key).split("/"));
  const tempPath = () => join(root, TMP, randomUUID());

  async function md5Of(path: string): Promise<string> {
    const hash = createHash("md5");
    await pipeline(createReadStream(path), hash);
    return hash.digest("hex");
  }

  async function fileInfo(key: string): Promise<ObjectInfo | undefined> {
    const path = pathOf(key);
    const stats = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return undefined;
      throw error;
    });
    if (!stats?.isFile()) return undefined;
    return { key, size: stats.size, etag: await md5Of(path) };
  }

  /** Moves a finished temp file into place. */
  async function publish(temp: string, key: string): Promise<void> {
    const target = pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    await rename(temp, target);
  }

  /** Removes directories left empty by a delete, up to (not including) the root. */
  async function pruneEmptyParents(path: string): Promise<void> {
    for (let dir = dirname(path); dir.startsWith(root + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or gone): stop
      }
    }
  }

  async function walk(dir: string, prefix: string, out: string[]): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (dir === root && entry.name === TMP) continue;
      const key = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(dir, entry.name), key, out);
      else if (entry.isFile()) out.push(key);
    }
  }

  return {
    kind: "fs",
    // A key ending in "/" names a folder (a run's `report/`).
    uri: (key) => (key.endsWith("/") ? `${pathToFileURL(pathOf(key.slice(0, -1))).href}/` : pathToFileURL(pathOf(key)).href),

    async put(key, body) {
      checkObjectKey(key);
      await mkdir(join(root, TMP), { recursive: true });
      const temp = tempPath();
      const hash = createHash("md5");
      let size = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      try {
        await pipeline(toNodeReadable(body), measure, createWriteStream(temp));
        await publish(temp, key);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return { key, size, etag: hash.digest("hex") };
    },

    async get(key) {
      const path = pathOf(key);
      const stats = await stat(path).catch(() => undefined);
      if (!stats?.isFile()) throw new NotFoundError(`No object '${key}' in the file object store`);
      return toWebStream(createReadStream(path));
    },

    head: fileInfo,

    async list(prefix) {
      // Start at the deepest directory the prefix names, not at the root.
      const slash = prefix.lastIndexOf("/");
      const base = slash < 0 ? "" : prefix.slice(0, slash);
      if (base !== "") checkObjectKey(base, "prefix");
      const keys: string[] = [];
      await walk(base === "" ? root : join(root, ...base.split("/")), base, keys);
      const matching = keys.filter((key) => key.startsWith(prefix)).sort();
      const infos: ObjectInfo[] = [];
      for (const key of matching) {
        const stats = await stat(pathOf(key));
        infos.push({ key, size: stats.size });
      }
      return infos;
    },

    async delete(key) {
      const path = pathOf(key);
      await rm(path, { force: true });
      await pruneEmptyParents(path);
    },

    async copy(sourceKey, targetKey) {
      const source = pathOf(sourceKey);
      checkObjectKey(targetKey);
      if (!(await stat(source).catch(() => undefined))?.isFile()) {
        throw new NotFoundError(`No object '${sourceKey}' in the file object store`);
      }
      await mkdir(join(root, TMP), { recursive: true });
      const temp = tempPath();
      try {
        await copyFile(source, temp);
        await publish(temp, targetKey);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return (await fileInfo(targetKey))!;
    },
  };
}
