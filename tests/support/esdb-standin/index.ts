/**
 * A STAND-IN for EventStoreDB, for tests only: NOT EventStoreDB. An in-memory
 * gRPC server on @grpc/grpc-js that serves the service definitions generated
 * inside `@eventstore/db-client`, so the real client talks to it unchanged.
 * It implements what Baton's adapter and the client need (ServerFeatures and
 * the Streams service); see README.md beside this file for what it does not.
 */
import type * as Grpc from "@grpc/grpc-js";
import { createStandinLog, type StandinLog } from "./log.ts";
import { createStreamsService } from "./streams-service.ts";
import { featuresGrpc, featuresPb, grpc, streamsGrpc } from "./wire.ts";

export interface EsdbStandinOptions {
  /** Advertise and serve Streams.BatchAppend (EventStoreDB 21.10+); off, the client falls back to Streams.Append. */
  batchAppend?: boolean;
  /** EventStoreDB's `MaxAppendSize` in bytes; 1 MiB by default, as on a real server. */
  maxAppendSize?: number;
}

export interface EsdbStandin {
  /** e.g. `esdb://127.0.0.1:40123?tls=false`. */
  connectionString: string;
  /** The data, for assertions that look past the wire. */
  log: StandinLog;
  /** Calls per Streams method (`read`, `append`, `batchAppend`, `delete`, `tombstone`). */
  calls: Record<string, number>;
  /** The server goes away: stops listening and drops every connection, keeping the data. */
  pause(): Promise<void>;
  /** Comes back on the same port with the same data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const STREAMS_SERVICE = "event_store.client.streams.streams";
const SERVER_VERSION = "23.10.0-baton-standin";

/** Starts a stand-in on a free loopback port. */
export async function startEsdbStandin(options: EsdbStandinOptions = {}): Promise<EsdbStandin> {
  const log = createStandinLog({ maxAppendSize: options.maxAppendSize });
  const batchAppend = options.batchAppend ?? true;
  const calls: Record<string, number> = {};
  let server: Grpc.Server | undefined = await listen(log, { batchAppend, calls }, 0);
  const port = boundPorts.get(server)!;
  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    log,
    calls,
    async pause() {
      server?.forceShutdown();
      server = undefined;
    },
    async resume() {
      if (!server) server = await listen(log, { batchAppend, calls }, port);
    },
    async stop() {
      server?.forceShutdown();
      server = undefined;
    },
  };
}

const boundPorts = new WeakMap<Grpc.Server, number>();

async function listen(log: StandinLog, options: { batchAppend: boolean; calls: Record<string, number> }, port: number): Promise<Grpc.Server> {
  const server = new grpc.Server();
  server.addService(streamsGrpc.StreamsService, createStreamsService(log, options));
  server.addService(featuresGrpc.ServerFeaturesService, {
    getSupportedMethods: (_call: unknown, callback: Grpc.sendUnaryData<InstanceType<typeof featuresPb.SupportedMethods>>) =>
      callback(null, supportedMethods(options.batchAppend)),
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, actual) =>
      error ? reject(error) : resolve(actual),
    ),
  );
  boundPorts.set(server, bound);
  return server;
}

/** What the client asks before choosing code paths (e.g. BatchAppend over Append). */
function supportedMethods(batchAppend: boolean) {
  const method = (serviceName: string, methodName: string, features: string[] = []) =>
    new featuresPb.SupportedMethod().setServiceName(serviceName).setMethodName(methodName).setFeaturesList(features);
  const methods = [
    method(STREAMS_SERVICE, "read", ["position", "events"]),
    method(STREAMS_SERVICE, "append"),
    method(STREAMS_SERVICE, "delete"),
    method(STREAMS_SERVICE, "tombstone"),
    method("event_store.client.server_features.serverfeatures", "getsupportedmethods"),
  ];
  if (batchAppend) methods.push(method(STREAMS_SERVICE, "batchappend"));
  return new featuresPb.SupportedMethods().setMethodsList(methods).setEventStoreServerVersion(SERVER_VERSION);
}
