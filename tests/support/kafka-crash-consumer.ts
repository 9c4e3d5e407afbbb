/**
 * A consumer process for the crash test in tests/services/kafka-bus.test.ts:
 * subscribes through the Kafka bus, prints `ready`, then `handled <value>` for
 * each message, and hangs forever on the value `"block"` so the test can kill
 * it mid-handler. Arguments: brokers, bus name, group id prefix, and
 * optionally `keyed`: then it subscribes with an `orderKey` (the message's
 * `wf` header), so other keys' messages go on past the blocked one.
 */
import { createKafkaBus } from "../../src/adapters/bus/kafka.ts";

const [brokers = "", name = "", groupId = "", mode = ""] = process.argv.slice(2);
const bus = await createKafkaBus({ brokers: [brokers], groupId, sessionTimeoutMs: 6_000 });
const subscription = bus.subscribe(name, async (message) => {
  if (message.value === JSON.stringify("block")) {
    console.log("blocking");
    await new Promise(() => {});
  }
  console.log(`handled ${message.value}`);
}, mode === "keyed" ? { orderKey: (message) => message.headers?.wf ?? "", concurrency: 8 } : {});
await subscription.ready;
console.log("ready");
