/**
 * `event_store.client.streams.Streams` over the stand-in's log: Read (streams
 * and `$all`, both directions, counts, filters, catch-up subscriptions with
 * `caught_up`), Append, BatchAppend, Delete and Tombstone, answering with the
 * message and error shapes EventStoreDB uses (see wire.ts).
 */
import type * as Grpc from "@grpc/grpc-js";
import type * as StreamsPb from "@eventstore/db-client/generated/streams_pb.js";
import type { Expected, ProposedEvent, ReadFrom, StandinLog, StoredEvent, WriteOutcome } from "./log.ts";
import {
  expectedFromOptions,
  expectedVersionNumber,
  grpc,
  ProtobufEmpty,
  readEventMessage,
  readFromAllOptions,
  readFromStreamOptions,
  rpcException,
  rpcStatus,
  sharedPb,
  streamDeletedException,
  streamIdentifier,
  streamNameOf,
  streamsPb,
  uuidFromWire,
  wrongExpectedVersionDetail,
  type WireError,
} from "./wire.ts";

type ReadCall = Grpc.ServerWritableStream<StreamsPb.ReadReq, StreamsPb.ReadResp>;
type Proposed = StreamsPb.AppendReq.ProposedMessage | StreamsPb.BatchAppendReq.ProposedMessage;

/** EventStoreDB's default `maxSearchWindow` of filtered subscriptions. */
const DEFAULT_SEARCH_WINDOW = 32;
const UNLIMITED = BigInt(Number.MAX_SAFE_INTEGER);

/** The Streams service implementation; `batchAppend: false` answers BatchAppend as a 20.6 server would (unimplemented). */
export function createStreamsService(
  log: StandinLog,
  options: { batchAppend: boolean; calls: Record<string, number> },
): Grpc.UntypedServiceImplementation {
  const handlers: Record<string, Grpc.UntypedHandleCall> = {
    read: (call: ReadCall) => read(log, call),
    append: (call: Grpc.ServerReadableStream<StreamsPb.AppendReq, StreamsPb.AppendResp>, callback: Grpc.sendUnaryData<StreamsPb.AppendResp>) =>
      append(log, call, callback),
    batchAppend: (call: Grpc.ServerDuplexStream<StreamsPb.BatchAppendReq, StreamsPb.BatchAppendResp>) =>
      options.batchAppend ? batchAppend(log, call) : call.emit("error", { code: grpc.status.UNIMPLEMENTED, details: "BatchAppend is not implemented" }),
    delete: (call: Grpc.ServerUnaryCall<StreamsPb.DeleteReq, StreamsPb.DeleteResp>, callback: Grpc.sendUnaryData<StreamsPb.DeleteResp>) =>
      remove(log, call.request.getOptions(), false, callback),
    tombstone: (call: Grpc.ServerUnaryCall<StreamsPb.TombstoneReq, StreamsPb.TombstoneResp>, callback: Grpc.sendUnaryData<StreamsPb.TombstoneResp>) =>
      remove(log, call.request.getOptions(), true, callback),
  };
  // Count the calls, so tests can tell which code path the client took.
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handle]) => [
      name,
      (...args: unknown[]) => {
        options.calls[name] = (options.calls[name] ?? 0) + 1;
        return (handle as (...a: unknown[]) => void)(...args);
      },
    ]),
  ) as Grpc.UntypedServiceImplementation;
}

// ---- Read ---------------------------------------------------------------------

function read(log: StandinLog, call: ReadCall): void {
  const options = call.request.getOptions();
  if (!options) {
    call.emit("error", rpcException(grpc.status.INVALID_ARGUMENT, "Required field Options not set."));
    return;
  }
  const structuredIds = options.getUuidOption()?.hasStructured() ?? false;
  const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
  const count = options.hasCount() ? BigInt(options.getCount()) : UNLIMITED;
  const filter = eventFilter(options);
  const send = (event: StoredEvent) => call.write(new streamsPb.ReadResp().setEvent(readEventMessage(event, structuredIds)));

  if (options.hasStream()) {
    const streamOptions = options.getStream()!;
    const streamName = streamNameOf(streamOptions.getStreamIdentifier());
    if (options.hasSubscription()) return subscribeToStream(log, call, streamName, readFromStreamOptions(streamOptions), send);
    const result = log.readStream(streamName, readFromStreamOptions(streamOptions), backwards, count);
    if (result.kind === "deleted") {
      call.emit("error", streamDeletedException(streamName));
      return;
    }
    if (result.kind === "not_found") {
      const notFound = new streamsPb.ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(streamName));
      call.write(new streamsPb.ReadResp().setStreamNotFound(notFound));
    } else {
      result.events.forEach(send);
    }
    call.end();
    return;
  }

  const from = readFromAllOptions(options.getAll()!);
  if (from.kind === "at" && !log.isValidPosition(from.value)) {
    call.emit("error", rpcException(grpc.status.INVALID_ARGUMENT, "Trying to read from an invalid position."));
    return;
  }
  if (options.hasSubscription()) return subscribeToAll(log, call, from, filter, checkpointInterval(options), send);
  const result = log.readAll(from, backwards, count, filter ?? (() => true));
  if (result.kind === "events") result.events.forEach(send);
  call.end();
}

/** Stream name or event type, by prefixes or a regular expression (unanchored, as .NET's Regex.IsMatch). */
function eventFilter(options: StreamsPb.ReadReq.Options): ((event: StoredEvent) => boolean) | undefined {
  const filterOptions = options.hasFilter() ? options.getFilter()! : undefined;
  if (!filterOptions) return undefined;
  const byStream = filterOptions.hasStreamIdentifier();
  const expression = byStream ? filterOptions.getStreamIdentifier()! : filterOptions.getEventType();
  if (!expression) return undefined;
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  return (event) => {
    const subject = byStream ? event.streamName : event.type;
    if (prefixes.length > 0) return prefixes.some((prefix) => subject.startsWith(prefix));
    return regex ? regex.test(subject) : true;
  };
}

function checkpointInterval(options: StreamsPb.ReadReq.Options): number {
  const filterOptions = options.getFilter();
  if (!filterOptions) return Number.POSITIVE_INFINITY;
  const window = filterOptions.hasMax() ? filterOptions.getMax() : DEFAULT_SEARCH_WINDOW;
  return Math.max(1, filterOptions.getCheckpointintervalmultiplier()) * window;
}

/**
 * A live subscription: confirmation, the stored events after `from`
 * (exclusive, as EventStoreDB's), then `caught_up`, then every new event.
 * The catch-up runs synchronously, so no event falls between it and going live.
 */
function startSubscription(log: StandinLog, call: ReadCall, catchUp: () => StoredEvent[] | "deleted", deliver: (events: readonly StoredEvent[]) => void, streamName?: string): void {
  call.write(new streamsPb.ReadResp().setConfirmation(new streamsPb.ReadResp.SubscriptionConfirmation().setSubscriptionId(crypto.randomUUID())));
  const stored = catchUp();
  if (stored === "deleted") {
    call.emit("error", streamDeletedException(streamName ?? ""));
    return;
  }
  deliver(stored);
  call.write(new streamsPb.ReadResp().setCaughtUp(new streamsPb.ReadResp.CaughtUp()));
  const stop = log.onStored((events) => {
    if (!call.cancelled && call.writable) deliver(events);
  });
  call.on("cancelled", stop);
  call.on("close", stop);
  call.on("error", stop);
}

function subscribeToAll(
  log: StandinLog,
  call: ReadCall,
  from: ReadFrom,
  filter: ((event: StoredEvent) => boolean) | undefined,
  interval: number,
  send: (event: StoredEvent) => void,
): void {
  let considered = 0;
  const deliver = (events: readonly StoredEvent[]) => {
    for (const event of events) {
      if (!filter || filter(event)) send(event);
      // Filtered subscriptions report progress through checkpoints every `interval` considered events.
      if (filter && ++considered >= interval) {
        considered = 0;
        const position = event.position.toString();
        call.write(new streamsPb.ReadResp().setCheckpoint(new streamsPb.ReadResp.Checkpoint().setCommitPosition(position).setPreparePosition(position)));
      }
    }
  };
  const catchUp = () => {
    if (from.kind === "end") return [];
    const all = log.events();
    return from.kind === "start" ? [...all] : all.filter((event) => event.position > from.value);
  };
  startSubscription(log, call, catchUp, deliver);
}

function subscribeToStream(log: StandinLog, call: ReadCall, streamName: string, from: ReadFrom, send: (event: StoredEvent) => void): void {
  const catchUp = () => {
    if (from.kind === "end") return log.streamEventsAfter(streamName, undefined) === "deleted" ? "deleted" : [];
    return log.streamEventsAfter(streamName, from.kind === "at" ? from.value : undefined);
  };
  const deliver = (events: readonly StoredEvent[]) => {
    for (const event of events) if (event.streamName === streamName) send(event);
  };
  startSubscription(log, call, catchUp, deliver, streamName);
}

// ---- Append and BatchAppend ---------------------------------------------------------

/** A proposed message as the log takes it, or why EventStoreDB would refuse it. */
function proposedEvent(message: Proposed): ProposedEvent | { missing: string } | { invalidId: string } {
  const metadata = message.getMetadataMap();
  const type = metadata.get("type");
  const contentType = metadata.get("content-type");
  if (type === undefined) return { missing: "type" };
  if (contentType === undefined) return { missing: "content-type" };
  const id = uuidFromWire(message.getId());
  if (id === undefined) return { invalidId: message.getId()?.getString() ?? "" };
  return { id, type, contentType, data: message.getData_asU8(), metadata: message.getCustomMetadata_asU8() };
}

function append(
  log: StandinLog,
  call: Grpc.ServerReadableStream<StreamsPb.AppendReq, StreamsPb.AppendResp>,
  callback: Grpc.sendUnaryData<StreamsPb.AppendResp>,
): void {
  let options: StreamsPb.AppendReq.Options | undefined;
  const events: ProposedEvent[] = [];
  let failure: WireError | undefined;
  call.on("data", (request: StreamsPb.AppendReq) => {
    if (failure) return;
    if (!options) {
      options = request.getOptions();
      if (!options) failure = rpcException(grpc.status.UNKNOWN, "Exception was thrown by handler. (the first message must carry options)");
      return;
    }
    const proposed = request.getProposedMessage();
    const event = proposed ? proposedEvent(proposed) : { missing: "proposed_message" };
    if ("missing" in event) {
      failure = rpcException(grpc.status.INVALID_ARGUMENT, `Required Metadata Property '${event.missing}' is missing`, {
        exception: "missing-required-metadata-property",
        "required-metadata-properties": "type,content-type",
      });
    } else if ("invalidId" in event) {
      failure = rpcException(grpc.status.UNKNOWN, `Exception was thrown by handler. (invalid UUID "${event.invalidId}")`);
    } else {
      events.push(event);
    }
  });
  call.on("end", () => {
    if (failure || !options) {
      callback(failure ?? rpcException(grpc.status.UNKNOWN, "Exception was thrown by handler."));
      return;
    }
    const streamName = streamNameOf(options.getStreamIdentifier());
    const expected = expectedFromOptions(options);
    const outcome = log.write(streamName, expected, events);
    const response = new streamsPb.AppendResp();
    switch (outcome.kind) {
      case "success": {
        const success = new streamsPb.AppendResp.Success();
        if (outcome.currentRevision === undefined) success.setNoStream(new sharedPb.Empty());
        else success.setCurrentRevision(outcome.currentRevision.toString());
        if (outcome.position === undefined) success.setNoPosition(new sharedPb.Empty());
        else {
          const position = outcome.position.toString();
          success.setPosition(new streamsPb.AppendResp.Position().setCommitPosition(position).setPreparePosition(position));
        }
        callback(null, response.setSuccess(success));
        return;
      }
      case "wrong_expected_version": {
        const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
        if (outcome.currentRevision === undefined) wrong.setCurrentNoStream(new sharedPb.Empty());
        else wrong.setCurrentRevision(outcome.currentRevision.toString());
        if (expected.kind === "any") wrong.setExpectedAny(new sharedPb.Empty());
        else if (expected.kind === "no_stream") wrong.setExpectedNoStream(new sharedPb.Empty());
        else if (expected.kind === "stream_exists") wrong.setExpectedStreamExists(new sharedPb.Empty());
        else wrong.setExpectedRevision(expected.revision.toString());
        callback(null, response.setWrongExpectedVersion(wrong));
        return;
      }
      default:
        callback(writeFailure(outcome, streamName));
    }
  });
}

function writeFailure(outcome: Exclude<WriteOutcome, { kind: "success" | "wrong_expected_version" }>, streamName: string): WireError {
  switch (outcome.kind) {
    case "stream_deleted":
      return streamDeletedException(streamName);
    case "maximum_append_size_exceeded":
      return rpcException(grpc.status.INVALID_ARGUMENT, `Maximum Append Size of ${outcome.maxAppendSize} Exceeded.`, {
        exception: "maximum-append-size-exceeded",
        "maximum-append-size": String(outcome.maxAppendSize),
      });
    default: {
      const _exhaustive: never = outcome;
      return _exhaustive;
    }
  }
}

function batchExpected(options: StreamsPb.BatchAppendReq.Options): Expected {
  if (options.hasStreamPosition()) return { kind: "revision", revision: BigInt(options.getStreamPosition()) };
  if (options.hasNoStream()) return { kind: "no_stream" };
  if (options.hasStreamExists()) return { kind: "stream_exists" };
  return { kind: "any" };
}

/**
 * One bidirectional stream carries many appends, told apart by correlation
 * id; an append may span several requests and is written on `is_final`.
 */
function batchAppend(log: StandinLog, call: Grpc.ServerDuplexStream<StreamsPb.BatchAppendReq, StreamsPb.BatchAppendResp>): void {
  const pending = new Map<string, { streamName: string; expected: Expected; events: ProposedEvent[] }>();
  call.on("data", (request: StreamsPb.BatchAppendReq) => {
    const correlation = request.getCorrelationId();
    const key = uuidFromWire(correlation) ?? "";
    const respond = (streamName: string, fill: (response: StreamsPb.BatchAppendResp) => void) => {
      const response = new streamsPb.BatchAppendResp().setStreamIdentifier(streamIdentifier(streamName));
      if (correlation) response.setCorrelationId(correlation);
      fill(response);
      if (call.writable) call.write(response);
    };
    const options = request.getOptions();
    if (options) pending.set(key, { streamName: streamNameOf(options.getStreamIdentifier()), expected: batchExpected(options), events: [] });
    const append = pending.get(key);
    if (!append) return;
    for (const message of request.getProposedMessagesList()) {
      const event = proposedEvent(message);
      if ("missing" in event || "invalidId" in event) {
        pending.delete(key);
        const reason = "missing" in event ? `The given key '${event.missing}' was not present in the dictionary.` : `Unrecognized Guid format: ${event.invalidId}`;
        const detail = new sharedPb.BadRequest().setMessage(reason);
        respond(append.streamName, (r) => r.setError(rpcStatus(grpc.status.INVALID_ARGUMENT, "BadRequest", detail, "event_store.client.BadRequest")));
        return;
      }
      append.events.push(event);
    }
    if (!request.getIsFinal()) return;
    pending.delete(key);
    const outcome = log.write(append.streamName, append.expected, append.events);
    respond(append.streamName, (response) => {
      switch (outcome.kind) {
        case "success": {
          const success = new streamsPb.BatchAppendResp.Success();
          if (outcome.currentRevision === undefined) success.setNoStream(new ProtobufEmpty());
          else success.setCurrentRevision(outcome.currentRevision.toString());
          if (outcome.position === undefined) success.setNoPosition(new ProtobufEmpty());
          else {
            const position = outcome.position.toString();
            success.setPosition(new sharedPb.AllStreamPosition().setCommitPosition(position).setPreparePosition(position));
          }
          response.setSuccess(success);
          return;
        }
        case "wrong_expected_version": {
          const detail = wrongExpectedVersionDetail(append.expected, outcome.currentRevision);
          response.setError(rpcStatus(grpc.status.ALREADY_EXISTS, "WrongExpectedVersion", detail, "event_store.client.WrongExpectedVersion"));
          return;
        }
        case "stream_deleted": {
          const detail = new sharedPb.StreamDeleted().setStreamIdentifier(streamIdentifier(append.streamName));
          response.setError(rpcStatus(grpc.status.NOT_FOUND, "StreamDeleted", detail, "event_store.client.StreamDeleted"));
          return;
        }
        case "maximum_append_size_exceeded": {
          const detail = new sharedPb.MaximumAppendSizeExceeded().setMaxappendsize(outcome.maxAppendSize);
          response.setError(rpcStatus(grpc.status.INVALID_ARGUMENT, "MaximumAppendSizeExceeded", detail, "event_store.client.MaximumAppendSizeExceeded"));
          return;
        }
        default: {
          const _exhaustive: never = outcome;
          return _exhaustive;
        }
      }
    });
  });
  call.on("end", () => call.end());
  call.on("error", () => pending.clear());
}

// ---- Delete and Tombstone -----------------------------------------------------------

function remove<Response extends StreamsPb.DeleteResp | StreamsPb.TombstoneResp>(
  log: StandinLog,
  options: StreamsPb.DeleteReq.Options | StreamsPb.TombstoneReq.Options | undefined,
  hard: boolean,
  callback: Grpc.sendUnaryData<Response>,
): void {
  if (!options) {
    callback(rpcException(grpc.status.INVALID_ARGUMENT, "Required field Options not set."));
    return;
  }
  const streamName = streamNameOf(options.getStreamIdentifier());
  const expected = expectedFromOptions(options);
  const outcome = log.deleteStream(streamName, expected, hard);
  switch (outcome.kind) {
    case "success": {
      const position = outcome.position?.toString();
      if (hard) {
        const response = new streamsPb.TombstoneResp();
        if (position === undefined) response.setNoPosition(new sharedPb.Empty());
        else response.setPosition(new streamsPb.TombstoneResp.Position().setCommitPosition(position).setPreparePosition(position));
        callback(null, response as Response);
      } else {
        const response = new streamsPb.DeleteResp();
        if (position === undefined) response.setNoPosition(new sharedPb.Empty());
        else response.setPosition(new streamsPb.DeleteResp.Position().setCommitPosition(position).setPreparePosition(position));
        callback(null, response as Response);
      }
      return;
    }
    case "wrong_expected_version":
      callback(
        rpcException(
          grpc.status.FAILED_PRECONDITION,
          `${hard ? "Tombstone" : "Delete"} failed due to WrongExpectedVersion. Stream: ${streamName}, Expected version: ${expectedVersionNumber(expected)}, Actual version: ${outcome.currentRevision ?? ""}`,
          {
            exception: "wrong-expected-version",
            "stream-name": streamName,
            "expected-version": expectedVersionNumber(expected).toString(),
            "actual-version": outcome.currentRevision?.toString() ?? "",
          },
        ),
      );
      return;
    default:
      callback(writeFailure(outcome, streamName));
  }
}
