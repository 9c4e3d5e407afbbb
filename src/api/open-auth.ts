/**
 * The authentication settings a server runs with (Node, Deno and Bun entries):
 * the mode and CORS origins from the configuration, the scrypt hasher, and the
 * token signing secret: BATON_AUTH_SECRET, else one generated once and kept in
 * DATA_DIR/auth-secret (file store; readable by its owner only), else (memory
 * store) one per process.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Context } from "hono";
import type { AuthSettings } from "./auth/auth.ts";
import { createScryptHasher } from "./auth/secret-hash.ts";
import type { Config } from "./config.ts";

export const AUTH_SECRET_FILE = "auth-secret";

async function signingSecret(config: Config): Promise<string> {
  if (config.BATON_AUTH_SECRET) return config.BATON_AUTH_SECRET;
  if (config.BATON_EVENT_STORE !== "file") return randomBytes(32).toString("base64url");
  const path = join(config.DATA_DIR, AUTH_SECRET_FILE);
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(config.DATA_DIR, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  try {
    // `wx`: never replace a secret another process wrote first (its tokens would stop working).
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return (await readFile(path, "utf8")).trim();
    throw error;
  }
}

export async function openAuthSettings(config: Config, clientAddress?: (c: Context) => string): Promise<AuthSettings> {
  return {
    mode: config.BATON_AUTH,
    signingSecret: config.BATON_AUTH === "required" ? await signingSecret(config) : undefined,
    tokenTtlSeconds: config.BATON_TOKEN_TTL_SECONDS,
    corsOrigins: config.BATON_CORS_ORIGINS,
    hasher: createScryptHasher(),
    clientAddress,
  };
}
