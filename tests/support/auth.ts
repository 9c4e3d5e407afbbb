import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createApp } from "../../src/api/app.ts";
import { type AuthSettings, authPortOf, createAuth } from "../../src/api/auth/auth.ts";
import { createKey } from "../../src/api/auth/routes.ts";
import { createScryptHasher } from "../../src/api/auth/secret-hash.ts";
import { createGraphQL } from "../../src/api/graphql/yoga.ts";
import type { ApiKeyRole } from "../../src/domain/api-keys/api-key.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { createFsObjectStore } from "../../src/adapters/storage/fs.ts";

const CONSOLE_FILES: Record<string, string> = { "index.html": "<!doctype html><title>console</title>", "assets/app.js": "console.log(1)" };

/** scrypt at its lowest cost: tests make many keys and tokens. */
export const testHasher = createScryptHasher({ cost: 1024 });

/** The app in-process with authentication on (as node.ts wires it), on a fresh memory engine. */
export async function authApp(settings: Partial<AuthSettings> = {}, { objectsDir, fanoutPrefix }: { objectsDir?: string; /** Mounts the example compatibility routes too (fan-out under this prefix, and the contact form). */ fanoutPrefix?: string } = {}) {
  const engine = await createEngine({ store: createMemoryEventStore(), evaluators: await loadEvaluators(), sweepIntervalMs: 50 });
  const auth = createAuth({ mode: "required", signingSecret: "s".repeat(40), hasher: testHasher, ...settings }, authPortOf(engine));
  const app = createApp({
    engine,
    auth,
    graphql: createGraphQL({ engine, plugins: [auth.graphqlPlugin] }),
    logError: () => {},
    ingestion: objectsDir ? { objects: createFsObjectStore(objectsDir) } : undefined,
    fanout: fanoutPrefix ? { prefix: fanoutPrefix, workflowName: "fanout_orchestration", requestTopic: "fanout-orchestrate-requests" } : undefined,
    contact: fanoutPrefix ? { topic: "contact-form-submitted" } : undefined,
    // A built console of two files, so its routes are among those the route tests enumerate.
    consoleAssets: async (path) => (CONSOLE_FILES[path] === undefined ? undefined : new TextEncoder().encode(CONSOLE_FILES[path])),
  });
  /** A new key of `role`, made the way the admin endpoint makes it. */
  const key = (role: ApiKeyRole, taskTypes: string[] = []) =>
    createKey(authPortOf(engine), testHasher, { name: `${role}-key`, role, taskTypes }, { kind: "system", detail: "test" });
  /** A token for a key, from POST /api/token. */
  const tokenFor = async ({ keyId, keySecret }: { keyId: string; keySecret: string }) => {
    const response = await app.request("/api/token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ keyId, keySecret }) });
    if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { token: string }).token;
  };
  const tokenOfRole = async (role: ApiKeyRole, taskTypes: string[] = []) => tokenFor(await key(role, taskTypes));
  return { engine, auth, app, key, tokenFor, tokenOfRole, close: () => engine.close() };
}
