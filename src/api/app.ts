import { Hono } from "hono";
import type { Engine } from "../engine/engine.ts";
import { type Auth, authPortOf, createAuth } from "./auth/auth.ts";
import { principalOf } from "./auth/access.ts";
import { graphqlWsRoute, type UpgradeHelper } from "./graphql/ws-transport.ts";
import { type BatonGraphQL, createGraphQL } from "./graphql/yoga.ts";
import { DEFAULT_INPUT_LIMITS, type InputLimits, inputLimitsMiddleware, servableJsonResponses } from "./input-limits.ts";
import { adminRoutes, queueAdminRoutes } from "./rest/admin.ts";
import { auditRoutes } from "./rest/audit.ts";
import { dagRunRoutes } from "./rest/dag-runs.ts";
import { errorHandler } from "./rest/errors.ts";
import { eventRoutes } from "./rest/events.ts";
import { type IngestionDeps, ingestionRoutes } from "./rest/ingestion.ts";
import { metadataRoutes } from "./rest/metadata.ts";
import { routerRoutes, type RouterView } from "./rest/router.ts";
import { taskRoutes } from "./rest/tasks.ts";
import { bulkRoutes, workflowRoutes } from "./rest/workflow.ts";
import { type ConsoleAssetReader, consoleRoutes } from "./console/routes.ts";
import { BATON_VERSION } from "./version.ts";

export interface AppDeps {
  engine: Engine;
  /** The sink-pattern event router, when it runs (`/api/router/stats`, `/api/router/unmatched`). */
  router?: RouterView;
  /** Where unexpected errors are reported (they are masked in responses). */
  logError?: (error: unknown) => void;
  /** The GraphQL server for `/graphql` (one is made from the generated schema when absent). */
  graphql?: BatonGraphQL;
  /** The ingestion service (`POST /workflow/deploy`, `POST /retry-workflow`), mounted when its object store is given. */
  ingestion?: Omit<IngestionDeps, "engine">;
  /**
   * The runtime's Hono WebSocket helper (`upgradeWebSocket` from `hono/deno` or
   * `hono/bun`): graphql-ws is then served on `GET /graphql` upgrades. Node
   * attaches graphql-ws to its HTTP server instead (graphql-ws-node.ts).
   */
  upgradeWebSocket?: UpgradeHelper;
  /** Authentication, roles and browser safety (src/api/auth); off, with no CORS, by default. */
  auth?: Auth;
  /** Body size, JSON depth, search query and GraphQL document limits (BATON_MAX_*); the defaults when absent. */
  limits?: InputLimits;
  /** The built web console's files: served at `GET /` and `GET /assets/:file` when given. */
  consoleAssets?: ConsoleAssetReader;
}

/** The portable HTTP app: one `fetch(Request)` for every runtime. */
export function createApp({ engine, router, logError = (error) => console.error(error), graphql, ingestion, upgradeWebSocket, auth, limits = DEFAULT_INPUT_LIMITS, consoleAssets }: AppDeps) {
  const app = new Hono();
  // Before auth: a body is bounded before anything (the token route included) reads it.
  app.use(inputLimitsMiddleware(limits), servableJsonResponses());
  const access = auth ?? createAuth({ mode: "off" }, authPortOf(engine));
  // First of the routes, so every route below is behind it.
  access.register(app);
  const yoga = graphql ?? createGraphQL({ engine, router, logError, limits, plugins: [access.graphqlPlugin] });
  if (upgradeWebSocket) app.get("/graphql", graphqlWsRoute(yoga, upgradeWebSocket, access));
  app.on(["GET", "POST", "OPTIONS"], "/graphql", (c) => yoga.fetch(c.req.raw, { principal: principalOf(c) }));
  const health = () => ({ healthy: true, ...engine.readSideStatus(), ownership: engine.ownershipStatus() });
  app.get("/health", (c) => c.json(health()));
  app.get("/api/health", (c) => c.json(health()));
  app.route("/api/metadata", metadataRoutes(engine));
  app.route("/api/workflow/bulk", bulkRoutes(engine));
  app.route("/api/workflow", auditRoutes(engine));
  app.route("/api/workflow", workflowRoutes(engine));
  app.route("/api/tasks", taskRoutes(engine));
  app.route("/api/event", eventRoutes(engine));
  app.route("/api/router", routerRoutes(router));
  app.route("/api/dagruns", dagRunRoutes(engine));
  app.route("/api/admin", adminRoutes(engine));
  app.route("/api/queue", queueAdminRoutes(engine));
  app.get("/api/version", (c) => c.text(BATON_VERSION));
  if (ingestion) app.route("/", ingestionRoutes({ engine, ...ingestion }));
  if (consoleAssets) app.route("/", consoleRoutes(consoleAssets));
  app.notFound((c) =>
    c.json({ status: 404, message: `No endpoint ${c.req.method} ${c.req.path}`, instance: c.req.path, retryable: false }, 404),
  );
  app.onError(errorHandler(logError));
  return app;
}
