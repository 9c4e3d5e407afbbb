/**
 * Key secrets as slow, salted hashes (node:crypto scrypt; Deno and Bun provide
 * it too). Only the hash is stored, in the key's `ApiKeyCreated` event; the
 * secret is shown once, when the key is made.
 */
import { randomBytes, randomUUID, scrypt, timingSafeEqual } from "node:crypto";
import type { SecretHash } from "../../domain/api-keys/api-key.ts";
import type { SecretHasher } from "./ports.ts";

/** scrypt's interactive-login cost: about 16 MiB and tens of milliseconds per check. */
const DEFAULT_COST = { cost: 16384, blockSize: 8, parallelization: 1, keyLength: 32 };

function derive(secret: string, salt: Buffer, params: Omit<SecretHash, "algorithm" | "salt" | "hash">): Promise<Buffer> {
  const { cost: N, blockSize: r, parallelization: p, keyLength } = params;
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, keyLength, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** The scrypt hasher; `cost` lowers scrypt's N for tests (never below 1024). */
export function createScryptHasher({ cost = DEFAULT_COST.cost }: { cost?: number } = {}): SecretHasher {
  const params = { ...DEFAULT_COST, cost: Math.max(1024, cost) };
  return {
    async hash(secret) {
      const salt = randomBytes(16);
      const hash = await derive(secret, salt, params);
      return { algorithm: "scrypt", ...params, salt: salt.toString("base64url"), hash: hash.toString("base64url") };
    },
    async verify(secret, stored) {
      const expected = Buffer.from(stored.hash, "base64url");
      const actual = await derive(secret, Buffer.from(stored.salt, "base64url"), stored);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
    newKeyId: () => randomUUID(),
    newSecret: () => randomBytes(32).toString("base64url"),
  };
}
