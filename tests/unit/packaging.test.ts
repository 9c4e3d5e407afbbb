/**
 * The Dockerfile, docker-compose.yml and the Node version, checked by reading
 * them: no Docker engine runs here, so the image is never built by the tests.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigSchema, loadConfig } from "../../src/api/config.ts";

const semver = createRequire(import.meta.url)("semver") as { satisfies(version: string, range: string): boolean; minVersion(range: string): { version: string } | null };
const read = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), "utf8");

interface Service {
  build?: unknown;
  image?: string;
  command?: unknown;
  entrypoint?: string[] | string;
  profiles?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(dockerfile: string): { op: string; args: string }[] {
  return dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

describe("the Dockerfile", () => {
  it("builds in stages, runs as a non-root user with a health check, and starts Node directly", async () => {
    const steps = instructions(await read("Dockerfile"));
    const froms = steps.filter((s) => s.op === "FROM");
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(steps.some((s) => s.op === "COPY" && s.args.startsWith("--from=deps"))).toBe(true);
    const runtime = steps.slice(steps.lastIndexOf(froms.at(-1)!));
    const user = runtime.filter((s) => s.op === "USER").at(-1);
    expect(user?.args).toBeDefined();
    expect(["root", "0"]).not.toContain(user!.args.split(":")[0]);
    const health = runtime.find((s) => s.op === "HEALTHCHECK");
    expect(health?.args).toContain("/health/ready");
    const cmd = JSON.parse(runtime.find((s) => s.op === "CMD")!.args) as string[];
    // The compiled build (npm run build in a build stage), run by Node itself: no TypeScript runner in the image.
    expect(cmd).toEqual(["node", "--enable-source-maps", "dist/api/node.js"]);
    expect(steps.some((s) => s.op === "RUN" && s.args === "npm run build")).toBe(true);
    expect(runtime.some((s) => s.op === "COPY" && /^--from=build\b.*\/app\/dist \.\/dist$/.test(s.args))).toBe(true);
    expect(runtime.some((s) => s.op === "COPY" && /\bsrc\b/.test(s.args))).toBe(false);
    // The runtime's dependencies are the production ones only.
    expect(steps.find((s) => s.op === "RUN" && s.args.includes("npm ci") && s.args.includes("--omit=dev"))).toBeDefined();
  });

  it("uses a Node version that package.json's engines accepts", async () => {
    const pkg = JSON.parse(await read("package.json")) as { engines: { node: string } };
    for (const from of instructions(await read("Dockerfile")).filter((s) => s.op === "FROM")) {
      const version = /^node:(\d+\.\d+(?:\.\d+)?)/.exec(from.args)?.[1];
      expect(version, from.args).toBeDefined();
      expect(semver.satisfies(semver.minVersion(version!)!.version, pkg.engines.node), `${from.args} vs ${pkg.engines.node}`).toBe(true);
    }
  });
});

describe("the documented Node version", () => {
  it("satisfies every locked package's engines, so npm install prints no engine warning", async () => {
    const pkg = JSON.parse(await read("package.json")) as { engines: { node: string } };
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const lock = JSON.parse(await read("package-lock.json")) as { packages: Record<string, { engines?: { node?: string } | string[]; os?: string[]; cpu?: string[] }> };
    // npm installs (and checks) a platform-specific optional package only on its platform.
    const installedHere = (entry: { os?: string[]; cpu?: string[] }) =>
      (!entry.os || entry.os.includes(process.platform)) && (!entry.cpu || entry.cpu.includes(process.arch));
    const refused = Object.entries(lock.packages)
      .filter(([name, entry]) => name !== "" && installedHere(entry) && entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
      .filter(([, entry]) => !semver.satisfies(oldest, (entry.engines as { node: string }).node))
      .map(([name, entry]) => `${name} wants ${(entry.engines as { node: string }).node}`);
    expect(refused).toEqual([]);
    expect(await read(".nvmrc")).toBe(`${oldest.split(".")[0]}\n`);
    expect(await read("README.md")).toContain(`Node ${oldest.split(".").slice(0, 2).join(".")}`);
  });
});

describe("docker-compose.yml", () => {
  const compose = async () => parse(await read("docker-compose.yml"), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };

  it("has the services, builds Baton from the Dockerfile and never runs npm on a mounted source tree", async () => {
    const { services } = await compose();
    expect(Object.keys(services).sort()).toEqual(["airflow", "baton", "baton-airflow", "baton-cluster", "baton-full", "eventstore", "kafka", "minio", "minio-buckets"]);
    for (const name of ["baton", "baton-full", "baton-cluster", "baton-airflow"]) {
      expect(services[name]!.build, name).toBe(".");
      expect(JSON.stringify(services[name]!.command ?? "")).not.toContain("npm");
      expect(JSON.stringify(services[name])).not.toMatch(/"\.\/?:\/app"/);
    }
  });

  it("gives Baton only variables its configuration knows, with values it accepts, and publishes its PORT", async () => {
    const { services } = await compose();
    const known = new Set(Object.keys(ConfigSchema.entries));
    for (const name of ["baton", "baton-full", "baton-airflow"]) {
      const env = services[name]!.environment!;
      expect(Object.keys(env).filter((key) => !known.has(key)), name).toEqual([]);
      const config = loadConfig(env);
      expect(services[name]!.ports!.map((p) => p.split(":")[1])).toContain(String(config.PORT));
      expect(JSON.stringify(services[name]!.healthcheck!.test)).toContain(`:${config.PORT}/health/ready`);
    }
    const full = loadConfig(services["baton-full"]!.environment!);
    expect(full).toMatchObject({ BATON_EVENT_STORE: "esdb", BATON_BUS: "kafka", BATON_OBJECT_STORE: "s3" });
    expect(full.ESDB_URL).toContain("//eventstore:2113");
    expect(full.KAFKA_BROKERS).toEqual(["kafka:9092"]);
    expect(full.S3_ENDPOINT).toBe("http://minio:9000");
  });

  it("health-checks every dependency, starts Baton after them, and creates the buckets Baton uses", async () => {
    const { services } = await compose();
    for (const name of ["eventstore", "kafka", "minio"]) expect(services[name]!.healthcheck?.test.length, name).toBeGreaterThan(1);
    expect(services["baton-full"]!.depends_on).toEqual({
      eventstore: { condition: "service_healthy" },
      kafka: { condition: "service_healthy" },
      "minio-buckets": { condition: "service_completed_successfully" },
    });
    expect(services["minio-buckets"]!.depends_on).toEqual({ minio: { condition: "service_healthy" } });
    const script = JSON.stringify(services["minio-buckets"]!.entrypoint);
    const full = loadConfig(services["baton-full"]!.environment!);
    expect(script).toContain(`local/${full.S3_BUCKET}`);
    expect(script).toContain(`local/${full.MINIO_RAW_DATA_BUCKET}`);
    // Kafka in KRaft mode: no ZooKeeper anywhere.
    expect(services.kafka!.environment!.KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect(JSON.stringify(services).toLowerCase()).not.toContain("zookeeper");
  });

  it("has an airflow profile: Airflow health-checked on its API, its bucket created, and a Baton whose AIRFLOW_* settings reach it", async () => {
    const { services } = await compose();
    const airflow = services.airflow as Service & { profiles: string[]; image: string; volumes: string[] };
    expect(airflow.profiles).toEqual(["airflow"]);
    expect(airflow.image).toMatch(/^apache\/airflow:3\./);
    expect(JSON.stringify(airflow.healthcheck!.test)).toContain("http://localhost:8080/api/v2/monitor/health");
    expect(airflow.volumes.some((v) => v.startsWith("./tests/services/dags:"))).toBe(true);
    const baton = services["baton-airflow"]!;
    expect(baton.depends_on).toEqual({ airflow: { condition: "service_healthy" } });
    const config = loadConfig(baton.environment!);
    expect(config).toMatchObject({ BATON_AIRFLOW: "airflow3", AIRFLOW_URL: "http://airflow:8080", BATON_OBJECT_STORE: "s3" });
    // The user Airflow's simple auth manager is given is the one Baton logs in with.
    expect(airflow.environment!.AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS).toBe(`${config.AIRFLOW_USERNAME}:admin`);
    expect(JSON.stringify((airflow as { entrypoint?: unknown }).entrypoint)).toContain(`\\"${config.AIRFLOW_USERNAME}\\":\\"${config.AIRFLOW_PASSWORD}\\"`);
    expect(JSON.stringify(services["minio-buckets"]!.entrypoint)).toContain(`local/${config.AIRFLOW_S3_BUCKET}`);
    expect(airflow.environment!.BATON_DAG_OUTPUT_BUCKET).toBe(config.AIRFLOW_S3_BUCKET);
  });
});
