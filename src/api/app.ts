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
import { type ContactCompatOptions, contactCompatRoutes } from "./rest/contact-compat.ts";
import { eventRoutes } from "./rest/events.ts";
import { type FanoutCompatOptions, fanoutCompatRoutes } from "./rest/fanout-compat.ts";
import { type IngestionDeps, ingestionRoutes } from "./rest/ingestion.ts";
import { metadataRoutes } from "./rest/metadata.ts";
import { routerRoutes, type RouterView } from "./rest/router.ts";
import { taskRoutes } from "./rest/tasks.ts";
import { bulkRoutes, workflowRoutes } from "./rest/workflow.ts";
import { type ConsoleAssetReader, consoleRoutes } from "./console/routes.ts";
import { BATON_VERSION } from "./version.ts";
import { type BatonLogger, silentLogger } from "./observability/logger.ts";
import { requestContext, requestIdOf, traceparentOf } from "./observability/request-context.ts";
import { type BatonMetrics, createBatonMetrics } from "./observability/baton-metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./observability/metrics-registry.ts";
import { createHealth, type Health, healthRoutes } from "./observability/health.ts";
import { apiDocsRoutes } from "./openapi/routes.ts";

export interface AppDeps {
  engine: Engine;
  /** The sink-pattern event router, when it runs (`/api/router/stats`, `/api/router/unmatched`). */
  router?: RouterView;
  /** Where unexpected errors are reported (they are masked in responses); `logger` when absent. */
  logError?: (error: unknown, requestId?: string) => void;
  /** The runtime's logger: request ids, one debug line per request, unexpected errors. Silent when absent. */
  logger?: BatonLogger;
  /**
   * Prometheus metrics for `/metrics`. A composition root makes them before the
   * store and engine, so appends and reactor errors are counted too; when absent
   * the app makes its own, following the engine and HTTP only.
   */
  metrics?: BatonMetrics;
  /** Each component's state for `/health*`; when absent, everything this app was given counts as up. */
  health?: Health;
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
  /** The fan-out orchestrator's compatibility API (BATON_FANOUT_API_PREFIX), mounted under `prefix` when given. */
  fanout?: FanoutCompatOptions & { prefix: string };
  /** The contact-form pipeline's `POST /api/contact` (BATON_CONTACT_API), mounted when given. */
  contact?: ContactCompatOptions;
  /** The built web console's files: served at `GET /` and `GET /assets/:file` when given. */
  consoleAssets?: ConsoleAssetReader;
}

/** The portable HTTP app: one `fetch(Request)` for every runtime. */
export function createApp({ engine, router, logger = silentLogger, logError, graphql, ingestion, upgradeWebSocket, auth, limits = DEFAULT_INPUT_LIMITS, metrics = ownMetrics(engine, router), health = ownHealth(router, ingestion !== undefined), fanout, contact, consoleAssets }: AppDeps) {
  const reportError = logError ?? ((error: unknown, requestId?: string) => logger.error("unexpected error", { requestId, error }));
  const app = new Hono();
  // First: every answer, a refused one included, carries its request id.
  app.use(requestContext(logger), metrics.httpMiddleware());
  // Before auth: a body is bounded before anything (the token route included) reads it.
  app.use(inputLimitsMiddleware(limits), servableJsonResponses());
  const access = auth ?? createAuth({ mode: "off" }, authPortOf(engine));
  // First of the routes, so every route below is behind it.
  access.register(app);
  const yoga = graphql ?? createGraphQL({ engine, router, logError: reportError, limits, plugins: [access.graphqlPlugin] });
  if (upgradeWebSocket) app.get("/graphql", graphqlWsRoute(yoga, upgradeWebSocket, access));
  app.on(["GET", "POST", "OPTIONS"], "/graphql", async (c) => {
    const traceparent = traceparentOf(c);
    const response = await yoga.fetch(c.req.raw, { principal: principalOf(c), ...(traceparent ? { traceparent } : {}) });
    // The request id goes on yoga's answer itself, before Hono holds it: added afterwards,
    // Hono would re-wrap the body, which breaks a streamed (SSE) subscription.
    const requestId = requestIdOf(c);
    if (requestId !== undefined) response.headers.set("x-request-id", requestId);
    return response;
  });
  app.route("/", healthRoutes(health, () => ({ ...engine.readSideStatus(), ownership: engine.ownershipStatus() })));
  app.route("/", apiDocsRoutes());
  app.get("/metrics", (c) => c.body(metrics.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }));
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
  if (fanout) app.route(fanout.prefix, fanoutCompatRoutes(engine, fanout));
  if (contact) app.route("/", contactCompatRoutes(engine, contact));
  if (consoleAssets) app.route("/", consoleRoutes(consoleAssets));
  app.notFound((c) =>
    c.json({ status: 404, message: `No endpoint ${c.req.method} ${c.req.path}`, instance: c.req.path, retryable: false }, 404),
  );
  app.onError(errorHandler((error, c) => reportError(error, requestIdOf(c))));
  return app;
}

function ownMetrics(engine: Engine, router: RouterView | undefined): BatonMetrics {
  const metrics = createBatonMetrics();
  metrics.observeEngine(engine);
  metrics.observeRouter(router);
  return metrics;
}

/** Health for an app whose parts were all opened before it was made (tests, Deno, Bun, workerd). */
function ownHealth(router: RouterView | undefined, objectStore: boolean): Health {
  const health = createHealth();
  health.set("store", "up");
  health.set("bus", "up", { detail: "in-process" });
  health.set("router", router ? "up" : "disabled");
  health.set("objectStore", objectStore ? "up" : "disabled");
  health.markStarted();
  return health;
}
