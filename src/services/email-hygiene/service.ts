/**
 * The seed's email-hygiene service: a request on `email-hygiene-requests`
 * (`{workflowId, taskId?, data: {s3_input_uri | input_key, dag_id?, ...}}`)
 * becomes a run of the email-hygiene DAG (`email_hygiene` unless `data.dag_id`
 * names another), handed to the monitor through `dag-monitor-queue` as the
 * seed's service did; the completion is `email_hygiene_completed` with the
 * run's `stats_url` and output URIs.
 */
import type { DagRequestService } from "../dag-requests.ts";

export const EMAIL_HYGIENE_REQUESTS = "email-hygiene-requests";
export const EMAIL_HYGIENE_DAG = "email_hygiene";
export const EMAIL_HYGIENE_COMPLETED = "email_hygiene_completed";

export const emailHygiene: DagRequestService = {
  name: "email-hygiene",
  topic: EMAIL_HYGIENE_REQUESTS,
  subscriber: "services.email-hygiene",
  defaults: { dagId: EMAIL_HYGIENE_DAG, eventType: EMAIL_HYGIENE_COMPLETED },
};
