/**
 * Authentication and authorisation of REST and GraphQL-over-HTTP requests:
 * the token (`X-Authorization: <token>`, as the Conductor SDKs send it, or
 * `Authorization: Bearer <token>`) names a key; the route's rule (policy.ts)
 * says which roles may call it; worker keys are checked against the type of
 * the task they poll or update.
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AuthEnginePort, Principal } from "./ports.ts";
import { type Access, ACCESS_RULES, type TaskTypeSource } from "./policy.ts";
import { refuse } from "./responses.ts";
import type { TokenSigner } from "./tokens.ts";

/** The key each authenticated request came with (GraphQL reads it for its per-operation check), by request context. */
const principals = new WeakMap<Context, Principal>();
/** What each request needs, by the rule pattern (`METHOD /path/:param`) that classified it. */
const accesses = new WeakMap<Context, Map<string, Access>>();

export const principalOf = (c: Context): Principal | undefined => principals.get(c);

/** The token a request carries, from `X-Authorization` or a Bearer `Authorization`. */
export function tokenOf(headers: { get(name: string): string | null }): string | undefined {
  const conductor = headers.get("x-authorization")?.trim();
  if (conductor) return conductor.replace(/^Bearer\s+/i, "");
  const bearer = headers.get("authorization")?.match(/^Bearer\s+(\S+)\s*$/i);
  return bearer?.[1];
}

async function taskTypeOf(source: TaskTypeSource, c: Context, engine: AuthEnginePort): Promise<string | undefined> {
  switch (source.from) {
    case "path":
      return source.taskType;
    case "taskId":
      return engine.taskTypeOf(source.taskId);
    case "taskRef":
      return engine.taskTypeByRef(source.workflowId, source.taskRefName);
    case "body": {
      // Hono caches the text, so the route reads the same body afterwards.
      let taskId: unknown;
      try {
        taskId = (JSON.parse(await c.req.text()) as { taskId?: unknown } | null)?.taskId;
      } catch {
        return undefined; // the route answers a malformed body with its own 400
      }
      return typeof taskId === "string" ? engine.taskTypeOf(taskId) : undefined;
    }
    default: {
      const _exhaustive: never = source;
      return _exhaustive;
    }
  }
}

/** Why `principal` may not make a request that needs `access`, or undefined when it may. */
async function denial(access: Access, principal: Principal, c: Context, engine: AuthEnginePort): Promise<string | undefined> {
  if (principal.role === "admin") return undefined;
  switch (access.kind) {
    case "public":
      return undefined;
    case "reader":
    case "graphql":
      return principal.role === "reader" ? undefined : `role ${principal.role} may not call ${c.req.method} ${c.req.path} (needs reader or admin)`;
    case "admin":
      return `role ${principal.role} may not call ${c.req.method} ${c.req.path} (needs admin)`;
    case "worker": {
      if (principal.role !== "worker") return `role ${principal.role} may not call ${c.req.method} ${c.req.path} (needs worker or admin)`;
      if (principal.taskTypes.length === 0) return undefined;
      const taskType = await taskTypeOf(access.taskType, c, engine);
      // An unknown task is left to the route, which answers 404 as it would for anyone.
      if (taskType === undefined || principal.taskTypes.includes(taskType)) return undefined;
      return `key ${principal.keyId} may not work on tasks of type ${taskType} (allowed: ${principal.taskTypes.join(", ")})`;
    }
    default: {
      const _exhaustive: never = access;
      return _exhaustive;
    }
  }
}

/**
 * Registers the access check on `app`, ahead of every route. Each rule is
 * registered with Hono's own router (so its parameters are Hono's), and a rule
 * applies only when its pattern is the route that will answer the request:
 * `/api/tasks/:workflowId/:taskRefName/:status` also matches
 * `/api/tasks/queue/requeue/x`, but must not make that route a worker's.
 * Rules ending in `/*` apply to every route under them.
 */
export function registerAccessControl(app: Hono, { signer, engine }: { signer: TokenSigner; engine: AuthEnginePort }): void {
  const classifiers = new Set<unknown>();
  for (const rule of ACCESS_RULES) {
    const key = `${rule.method} ${rule.pattern}`;
    const classify: MiddlewareHandler = async (c, next) => {
      let found = accesses.get(c);
      if (!found) accesses.set(c, (found = new Map()));
      if (!found.has(key)) found.set(key, rule.access(c.req.param() as Record<string, string>));
      await next();
    };
    classifiers.add(classify);
    app.on(rule.method === "GET" ? ["GET", "HEAD"] : [rule.method], rule.pattern, classify);
  }
  /** The rule of the route that answers (the first matched handler that is neither middleware nor a classifier), else of a `/*` rule. */
  const accessOf = (c: Context): Access => {
    const method = c.req.method === "HEAD" ? "GET" : c.req.method;
    const found = accesses.get(c);
    const endpoint = matchedRoutes(c).find((route) => route.method !== "ALL" && !classifiers.has(route.handler));
    const exact = endpoint && found?.get(`${method} ${endpoint.path}`);
    if (exact) return exact;
    for (const [key, access] of found ?? []) if (key.endsWith("/*")) return access;
    return method === "GET" ? { kind: "reader" } : { kind: "admin" };
  };
  app.use("*", async (c, next) => {
    const method = c.req.method;
    const access = accessOf(c);
    if (access.kind === "public" || method === "OPTIONS") return next();
    // graphql-ws upgrades carry the token in connectionParams (checked on connect, ws-transport.ts);
    // the GraphiQL page holds no data (the operations it sends carry their own token), and a browser cannot add a header to load it.
    if (access.kind === "graphql" && c.req.header("upgrade")?.toLowerCase() === "websocket") return next();
    if (access.kind === "graphql" && method === "GET" && c.req.query("query") === undefined && c.req.header("accept")?.includes("text/html")) return next();
    const token = tokenOf(c.req.raw.headers);
    if (!token) return refuse(c, 401, "Authentication required: send a token from POST /api/token in X-Authorization");
    const checked = await signer.check(token);
    if (!checked.ok) return refuse(c, 401, checked.message, checked.error);
    const refused = await denial(access, checked.principal, c, engine);
    if (refused) return refuse(c, 403, `Forbidden: ${refused}`);
    principals.set(c, checked.principal);
    return next();
  });
}
