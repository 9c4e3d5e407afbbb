import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";

const SCRIPT = fileURLToPath(new URL("../../scripts/services/s3.sh", import.meta.url));

/** An S3-compatible server (versitygw) started by scripts/services/s3.sh. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`, path-style. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The gateway's temp dir (POSIX backend root, metadata, server.log). */
  dir: string;
  /** Stops the gateway and deletes its dir. */
  stop(): Promise<void>;
}

function runScript(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", [SCRIPT, ...args], { env: { ...process.env, ...env }, timeout: 900_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/services/s3.sh ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Builds versitygw if needed (cached under $BATON_CACHE_DIR/bin) and starts it
 * on a free loopback port; resolves once it answers. The gateway is also
 * stopped when `ownerPid` (this process by default) exits. Rejects with the
 * script's message, which says what to install, when `go` is missing.
 */
export async function startS3(options: { ownerPid?: number } = {}): Promise<S3Server> {
  const out = await runScript(["start"], { S3_OWNER_PID: String(options.ownerPid ?? process.pid) });
  const value = (name: string) => {
    const match = new RegExp(`^${name}=(.+)$`, "m").exec(out);
    if (!match?.[1]) throw new Error(`scripts/services/s3.sh start printed no ${name}:\n${out}`);
    return match[1].trim();
  };
  const dir = value("S3_DIR");
  return {
    endpoint: value("S3_ENDPOINT"),
    accessKeyId: value("S3_ACCESS_KEY_ID"),
    secretAccessKey: value("S3_SECRET_ACCESS_KEY"),
    dir,
    stop: async () => void (await runScript(["stop", dir])),
  };
}

/** A client for the test server (path-style, the test credentials). */
export function s3Client(server: Pick<S3Server, "endpoint" | "accessKeyId" | "secretAccessKey">): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}

/** Creates buckets on the server (the gateway starts empty). */
export async function createBuckets(server: Pick<S3Server, "endpoint" | "accessKeyId" | "secretAccessKey">, names: string[]): Promise<void> {
  const client = s3Client(server);
  try {
    for (const name of names) await client.send(new CreateBucketCommand({ Bucket: name }));
  } finally {
    client.destroy();
  }
}

/**
 * True when BATON_SKIP_SERVICES names the S3 suite: a comma- or
 * space-separated list containing `s3` (or `all`). CI never sets it.
 */
export function s3Skipped(env: Record<string, string | undefined> = process.env): boolean {
  const names = (env.BATON_SKIP_SERVICES ?? "").toLowerCase().split(/[\s,]+/);
  return names.includes("s3") || names.includes("all");
}
