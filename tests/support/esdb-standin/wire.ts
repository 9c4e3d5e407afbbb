/**
 * The wire side of the stand-in: the service definitions and message classes
 * generated inside `@eventstore/db-client` (loaded with `require`, so they are
 * the very module instances the client serialises with), and conversions
 * between them and the log's plain values, including EventStoreDB's error shapes.
 */
import { createRequire } from "node:module";
import type * as GrpcModule from "@grpc/grpc-js";
import type * as AnyModule from "google-protobuf/google/protobuf/any_pb.js";
import type * as EmptyModule from "google-protobuf/google/protobuf/empty_pb.js";
import type * as ServerFeaturesGrpc from "@eventstore/db-client/generated/serverfeatures_grpc_pb.js";
import type * as ServerFeaturesPb from "@eventstore/db-client/generated/serverfeatures_pb.js";
import type * as SharedPb from "@eventstore/db-client/generated/shared_pb.js";
import type * as StatusPb from "@eventstore/db-client/generated/status_pb.js";
import type * as StreamsGrpc from "@eventstore/db-client/generated/streams_grpc_pb.js";
import type * as StreamsPb from "@eventstore/db-client/generated/streams_pb.js";
import type { Expected, ReadFrom, StoredEvent } from "./log.ts";

const require = createRequire(import.meta.url);

// The client package itself brings @grpc/grpc-js and google-protobuf; requiring them by name
// resolves to the same copies its generated code uses.
export const grpc = require("@grpc/grpc-js") as typeof GrpcModule;
export const streamsGrpc = require("@eventstore/db-client/generated/streams_grpc_pb.js") as typeof StreamsGrpc;
export const streamsPb = require("@eventstore/db-client/generated/streams_pb.js") as typeof StreamsPb;
export const sharedPb = require("@eventstore/db-client/generated/shared_pb.js") as typeof SharedPb;
export const statusPb = require("@eventstore/db-client/generated/status_pb.js") as typeof StatusPb;
export const featuresGrpc = require("@eventstore/db-client/generated/serverfeatures_grpc_pb.js") as typeof ServerFeaturesGrpc;
export const featuresPb = require("@eventstore/db-client/generated/serverfeatures_pb.js") as typeof ServerFeaturesPb;
const { Any } = require("google-protobuf/google/protobuf/any_pb.js") as typeof AnyModule;
export const { Empty: ProtobufEmpty } = require("google-protobuf/google/protobuf/empty_pb.js") as typeof EmptyModule;

/** A gRPC error as grpc-js servers send it. */
export type WireError = Partial<GrpcModule.StatusObject> & { code: GrpcModule.status };

// ---- UUIDs ------------------------------------------------------------------

const UUID_PATTERN = /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/** The lower-case hyphenated form of a proposed id, or undefined if it is no UUID (.NET's Guid.Parse would throw). */
export function uuidFromWire(uuid: SharedPb.UUID | undefined): string | undefined {
  if (!uuid) return undefined;
  if (uuid.hasStructured()) {
    const structured = uuid.getStructured()!;
    const hex = [structured.getMostSignificantBits(), structured.getLeastSignificantBits()]
      .map((bits) => BigInt.asUintN(64, BigInt(bits)).toString(16).padStart(16, "0"))
      .join("");
    return hyphenate(hex);
  }
  const match = UUID_PATTERN.exec(uuid.getString());
  return match ? match.slice(1).join("-").toLowerCase() : undefined;
}

/** A UUID message in the form the reader asked for (`uuid_option`). */
export function uuidToWire(id: string, structured: boolean): SharedPb.UUID {
  const uuid = new sharedPb.UUID();
  if (!structured) return uuid.setString(id);
  const hex = id.replaceAll("-", "");
  const bits = new sharedPb.UUID.Structured()
    .setMostSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString())
    .setLeastSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)).toString());
  return uuid.setStructured(bits);
}

function hyphenate(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---- stream names and positions ---------------------------------------------

export function streamNameOf(identifier: SharedPb.StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString("utf8");
}

export function streamIdentifier(name: string): SharedPb.StreamIdentifier {
  return new sharedPb.StreamIdentifier().setStreamName(Buffer.from(name, "utf8"));
}

/** The expected revision of an Append/Delete/Tombstone request's options (their oneof cases share numbers). */
export function expectedFromOptions(options: {
  hasRevision(): boolean;
  getRevision(): string;
  hasNoStream(): boolean;
  hasStreamExists(): boolean;
}): Expected {
  if (options.hasRevision()) return { kind: "revision", revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: "no_stream" };
  if (options.hasStreamExists()) return { kind: "stream_exists" };
  return { kind: "any" };
}

export function readFromStreamOptions(options: StreamsPb.ReadReq.Options.StreamOptions): ReadFrom {
  if (options.hasRevision()) return { kind: "at", value: BigInt(options.getRevision()) };
  return options.hasEnd() ? { kind: "end" } : { kind: "start" };
}

export function readFromAllOptions(options: StreamsPb.ReadReq.Options.AllOptions): ReadFrom {
  // Commit and prepare positions are equal for every record of the stand-in.
  if (options.hasPosition()) return { kind: "at", value: BigInt(options.getPosition()!.getCommitPosition()) };
  return options.hasEnd() ? { kind: "end" } : { kind: "start" };
}

// ---- events -----------------------------------------------------------------

/** A stored event as `ReadResp.ReadEvent` (no link: the stand-in has no projections). */
export function readEventMessage(event: StoredEvent, structuredIds: boolean): StreamsPb.ReadResp.ReadEvent {
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidToWire(event.id, structuredIds))
    .setStreamIdentifier(streamIdentifier(event.streamName))
    .setStreamRevision(event.revision.toString())
    .setCommitPosition(event.position.toString())
    .setPreparePosition(event.position.toString())
    .setData(event.data)
    .setCustomMetadata(event.metadata);
  recorded
    .getMetadataMap()
    .set("type", event.type)
    .set("content-type", event.contentType)
    .set("created", event.created.toString());
  return new streamsPb.ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(event.position.toString());
}

// ---- errors -----------------------------------------------------------------

/** EventStoreDB's `RpcExceptions`: a status plus an `exception` trailer the client switches on. */
export function rpcException(code: GrpcModule.status, details: string, trailers: Record<string, string> = {}): WireError {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return { code, details, metadata };
}

export const streamDeletedException = (streamName: string) =>
  rpcException(grpc.status.FAILED_PRECONDITION, `Event stream '${streamName}' is deleted.`, {
    exception: "stream-deleted",
    "stream-name": streamName,
  });

/** The numbers EventStoreDB's WrongExpectedVersion trailers use for the non-revision expectations. */
export function expectedVersionNumber(expected: Expected): bigint {
  switch (expected.kind) {
    case "any":
      return -2n;
    case "no_stream":
      return -1n;
    case "stream_exists":
      return -4n;
    case "revision":
      return expected.revision;
    default: {
      const _exhaustive: never = expected;
      return _exhaustive;
    }
  }
}

/** `google.rpc.Status` with a packed detail, as BatchAppend reports failures. */
export function rpcStatus(code: number, message: string, detail: { serializeBinary(): Uint8Array }, typeName: string): StatusPb.Status {
  const details = new Any();
  details.pack(detail.serializeBinary(), typeName);
  return new statusPb.Status().setCode(code).setMessage(message).setDetails(details);
}

/** `event_store.client.WrongExpectedVersion`, the detail of a BatchAppend conflict. */
export function wrongExpectedVersionDetail(expected: Expected, current: bigint | undefined): SharedPb.WrongExpectedVersion {
  const detail = new sharedPb.WrongExpectedVersion();
  if (current === undefined) detail.setCurrentNoStream(new ProtobufEmpty());
  else detail.setCurrentStreamRevision(current.toString());
  switch (expected.kind) {
    case "any":
      return detail.setExpectedAny(new ProtobufEmpty());
    case "no_stream":
      return detail.setExpectedNoStream(new ProtobufEmpty());
    case "stream_exists":
      return detail.setExpectedStreamExists(new ProtobufEmpty());
    case "revision":
      return detail.setExpectedStreamPosition(expected.revision.toString());
    default: {
      const _exhaustive: never = expected;
      return _exhaustive;
    }
  }
}
