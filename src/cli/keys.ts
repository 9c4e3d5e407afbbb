/**
 * `baton keys create|list|revoke`: API keys in the configured store. Writing
 * needs the store itself: the file store is locked by a running server, so the
 * CLI then refuses and points at the admin REST endpoints (the server's own
 * read models must see the change, which only its writes guarantee at once).
 */
import { randomUUID } from "node:crypto";
import { createScryptHasher } from "../api/auth/secret-hash.ts";
import { createKey, keyView } from "../api/auth/routes.ts";
import { loadConfig } from "../api/config.ts";
import { openStore } from "../api/open-store.ts";
import { DirectoryInUseError } from "../adapters/eventstore/directory-lock.ts";
import { type ApiKey, CreateApiKeyRequestSchema } from "../domain/api-keys/api-key.ts";
import type { ApiKeyCommand } from "../domain/api-keys/decider.ts";
import type { ApiKeyEvent } from "../domain/api-keys/events.ts";
import { parseOrThrow } from "../domain/definitions/validate.ts";
import type { EventSource, EventStore } from "../domain/ports.ts";
import { createCommandHandler } from "../engine/command-handler.ts";
import { apiKeyProjection } from "../projections/api-keys.ts";
import { apiKeyCategory } from "../projections/stream-categories.ts";
import { parseCommandArgs } from "./args.ts";
import { type CliIo, UsageError } from "./cli-error.ts";
import { openConfiguredStore } from "./open.ts";
import { formatTable } from "./table.ts";

const PAGE = 10_000;

/** Opens the configured store for writing; a store held by a running server is a clear refusal. */
async function openWritable(env: CliIo["env"], dataDir: string | undefined): Promise<EventStore> {
  let config;
  try {
    config = loadConfig({ ...env, ...(dataDir !== undefined ? { DATA_DIR: dataDir } : {}) });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (config.BATON_EVENT_STORE === "memory") {
    throw new UsageError("BATON_EVENT_STORE=memory keeps keys inside the server process only; use the file store (DATA_DIR) or the server's POST /api/admin/keys");
  }
  try {
    return await openStore(config);
  } catch (error) {
    if (error instanceof DirectoryInUseError) {
      throw new UsageError(
        `${error.message}; or manage keys through the running server with an admin token: ` +
          "POST /api/admin/keys {name, role, taskTypes}, GET /api/admin/keys, DELETE /api/admin/keys/{keyId}",
      );
    }
    throw new UsageError(`cannot open the ${config.BATON_EVENT_STORE} store in ${config.DATA_DIR}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Every key in the store, read page by page (keys are few; the log may be long). */
export async function readApiKeys(store: EventStore): Promise<ApiKey[]> {
  const models = apiKeyProjection.create();
  for (let from = 0; ; ) {
    const page = await store.readAll({ fromPosition: from, maxCount: PAGE });
    for (const event of page) {
      if (event.streamId.startsWith(apiKeyCategory.prefix)) {
        apiKeyProjection.apply(models, event as unknown as ApiKeyEvent, event.streamId.slice(apiKeyCategory.prefix.length));
      }
    }
    if (page.length < PAGE) break;
    from = page[page.length - 1]!.position + 1;
  }
  return [...models.apiKeys.values()];
}

function keyStore(store: EventStore) {
  const handle = createCommandHandler({ store, newId: randomUUID, cacheSize: 0 });
  const run = (command: ApiKeyCommand, source: EventSource) =>
    handle(apiKeyCategory.decider, apiKeyCategory.streamOf(command.keyId), command, () => ({ now: Date.now() }), { source, command: command.type });
  return {
    async createApiKey(command: Extract<ApiKeyCommand, { type: "CreateApiKey" }>, source: EventSource): Promise<ApiKey> {
      return (await run(command, source)).state.key!;
    },
    revokeApiKey: (keyId: string, source: EventSource) => run({ type: "RevokeApiKey", keyId }, source),
  };
}

const OPTIONS = { "data-dir": { type: "string" }, name: { type: "string" }, role: { type: "string" }, "task-types": { type: "string" }, json: { type: "boolean" } } as const;

/** `baton keys create --name N --role admin|worker|reader [--task-types a,b] | list [--json] | revoke <keyId>` */
export async function keysCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  const source: EventSource = { kind: "cli", detail: `baton keys ${action ?? ""}`.trim() };
  switch (action) {
    case "create": {
      const { flags } = parseCommandArgs("keys create", rest, OPTIONS, []);
      let request;
      try {
        request = parseOrThrow(
          CreateApiKeyRequestSchema,
          {
            name: flags.name,
            role: flags.role,
            taskTypes: flags["task-types"] === undefined ? [] : flags["task-types"].split(",").map((type) => type.trim()).filter(Boolean),
          },
          "keys create",
        );
      } catch (error) {
        throw new UsageError(`keys create: ${error instanceof Error ? error.message : String(error)} (--name N --role admin|worker|reader [--task-types a,b])`);
      }
      const store = await openWritable(io.env, flags["data-dir"]);
      try {
        const created = await createKey(keyStore(store), createScryptHasher(), request, source);
        if (flags.json) io.out(JSON.stringify(created, null, 2));
        else {
          io.out(`keyId:     ${created.keyId}\nkeySecret: ${created.keySecret}\nrole:      ${created.role}${created.taskTypes.length > 0 ? ` (task types: ${created.taskTypes.join(", ")})` : ""}`);
          io.err.write("baton: the secret is shown only now; store it safely (Baton keeps only a hash)\n");
        }
        return 0;
      } finally {
        await store.close();
      }
    }
    case "list": {
      const { flags } = parseCommandArgs("keys list", rest, OPTIONS, []);
      // Reading needs no lock: listing works beside a running server.
      const store = (await openConfiguredStore(io.env, flags["data-dir"])).store;
      try {
        const keys = (await readApiKeys(store)).map(keyView);
        if (flags.json) io.out(JSON.stringify(keys, null, 2));
        else {
          io.out(
            formatTable(
              ["KEY ID", "NAME", "ROLE", "TASK TYPES", "CREATED", "REVOKED"],
              keys.map((k) => [k.keyId, k.name, k.role, k.taskTypes.join(",") || "*", new Date(k.createdAt).toISOString(), k.revokedAt ? new Date(k.revokedAt).toISOString() : ""]),
            ),
          );
        }
        return 0;
      } finally {
        await store.close();
      }
    }
    case "revoke": {
      const { flags, positionals } = parseCommandArgs("keys revoke", rest, OPTIONS, ["keyId"]);
      const store = await openWritable(io.env, flags["data-dir"]);
      try {
        await keyStore(store).revokeApiKey(positionals[0]!, source);
        io.out(`revoked ${positionals[0]}`);
        return 0;
      } catch (error) {
        if (error instanceof Error && error.name === "NotFoundError") throw new UsageError(`keys revoke: ${error.message}`);
        throw error;
      } finally {
        await store.close();
      }
    }
    default:
      throw new UsageError(`keys: expected create, list or revoke, got ${action === undefined ? "nothing" : `'${action}'`} (see 'baton help')`);
  }
}
