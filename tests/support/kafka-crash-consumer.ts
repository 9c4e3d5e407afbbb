/**
 * A consumer process for the crash test in tests/services/kafka-bus.test.ts:
 * subscribes through the Kafka bus, prints `ready`, then `handled <value>` for
 * each message, and hangs forever on the value `"block"` so the test can kill
 * it mid-handler. Arguments: brokers, bus name, group id prefix.
 */
import { createKafkaBus } from "../../src/adapters/bus/kafka.ts";

const [brokers = "", name = "", groupId = ""] = process.argv.slice(2);
const bus = await createKafkaBus({ brokers: [brokers], groupId, sessionTimeoutMs: 6_000 });
const subscription = bus.subscribe(name, async (message) => {
  if (message.value === JSON.stringify("block")) {
    console.log("blocking");
    await new Promise(() => {});
  }
  console.log(`handled ${message.value}`);
});
await subscription.ready;
console.log("ready");
