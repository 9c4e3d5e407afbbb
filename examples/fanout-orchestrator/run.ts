/**
 * Runs the example against a Baton server: registers the definitions and
 * starts the three mock services, as SDK workers (FANOUT_TRANSPORT=worker, the
 * default), as an HTTP server Baton's HTTP tasks call (FANOUT_TRANSPORT=http), or as
 * Kafka consumers replying on conductor-events (FANOUT_TRANSPORT=kafka, KAFKA_BROKERS).
 *
 *   BATON_FANOUT_API_PREFIX=/fanout npm start            # the server, with the compatibility API
 *   npx tsx examples/fanout-orchestrator/run.ts          # this script
 */
import { noopLogger, OrkesClients, TaskHandler } from "@io-orkes/conductor-javascript";
import { REQUEST_TOPIC } from "./definitions.ts";
import { registerFanout } from "./register.ts";
import { mockOptionsFromEnv, serviceWorkers, startKafkaServices, startServiceServer } from "./services.ts";

const serverUrl = process.env.BATON_URL ?? "http://localhost:8080";
const transport = process.env.FANOUT_TRANSPORT ?? "worker";
if (transport !== "worker" && transport !== "http" && transport !== "kafka") throw new Error(`FANOUT_TRANSPORT must be worker, http or kafka, got '${transport}'`);
const options = mockOptionsFromEnv(process.env);
const clients = await OrkesClients.from({ serverUrl });

if (transport === "kafka") {
  // Baton must run with BATON_BUS=kafka on the same brokers.
  const brokers = (process.env.KAFKA_BROKERS ?? "localhost:9092").split(",");
  await startKafkaServices(brokers, options);
  await registerFanout(clients, { kind: "kafka" }, process.env.BATON_FANOUT_TOPIC ?? REQUEST_TOPIC);
  console.log(`mock services consuming fanout-<service>-requests on ${brokers.join(",")}`);
} else if (transport === "http") {
  const services = await startServiceServer(options, Number(process.env.FANOUT_SERVICES_PORT ?? 0));
  await registerFanout(clients, { kind: "http", servicesUrl: process.env.FANOUT_SERVICES_URL ?? services.url }, process.env.BATON_FANOUT_TOPIC ?? REQUEST_TOPIC);
  console.log(`mock services listening on ${services.url}`);
} else {
  await registerFanout(clients, { kind: "worker" }, process.env.BATON_FANOUT_TOPIC ?? REQUEST_TOPIC);
  const handler = new TaskHandler({ client: clients.getClient(), workers: serviceWorkers(options), scanForDecorated: false, logger: noopLogger });
  await handler.startWorkers();
  console.log("mock services polling fanout_revenue, fanout_rebates, fanout_specialty");
}
console.log(`registered fanout_orchestration on ${serverUrl}; try:
  curl -XPOST ${serverUrl}/fanout/api/orchestrate -H 'content-type: application/json' \\
    -d '{"task_name":"demo","payload":[{"services":["revenue","rebates"],"scenario_id":7,"business_type_id":2}]}'`);
