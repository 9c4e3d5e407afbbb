/**
 * AWS MWAA through its `InvokeRestApi` call: the Airflow REST API of an
 * environment, signed with the caller's AWS credentials (no web-login token).
 * The call is a port (`invoke`) with the AWS SDK's input and output shapes
 * (`@aws-sdk/client-mwaa` `InvokeRestApiCommand`), so the adapter is tested
 * against recorded shapes without AWS. Paths are relative to `/api/v1`.
 * Airflow's own 4xx/5xx come back as `RestApiClientException` /
 * `RestApiServerException` carrying `RestApiStatusCode` and `RestApiResponse`.
 */
import { AirflowCallError, isTransientStatus } from "../../domain/dagrun/airflow-error.ts";
import type { Airflow, DagRunTrigger, DagRunTriggered } from "../../domain/ports.ts";

/** `InvokeRestApiRequest`. */
export interface InvokeRestApiInput {
  Name: string;
  Path: string;
  Method: "GET" | "PUT" | "POST" | "PATCH" | "DELETE";
  QueryParameters?: Record<string, unknown>;
  Body?: Record<string, unknown>;
}

/** `InvokeRestApiResponse`. */
export interface InvokeRestApiOutput {
  RestApiStatusCode?: number;
  RestApiResponse?: unknown;
}

/** Sends one `InvokeRestApi` call (the SDK client's `send(new InvokeRestApiCommand(input))`). */
export type InvokeRestApi = (input: InvokeRestApiInput) => Promise<InvokeRestApiOutput>;

export interface MwaaAirflowOptions {
  /** The MWAA environment's name. */
  environment: string;
  region: string;
  invoke: InvokeRestApi;
}

interface SdkError {
  name?: string;
  message?: string;
  RestApiStatusCode?: number;
  RestApiResponse?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** A thrown SDK error as Baton's: Airflow's status when it answered, else the AWS call's. */
function translate(error: unknown, what: string): AirflowCallError {
  const e = (error ?? {}) as SdkError;
  const status = e.RestApiStatusCode ?? e.$metadata?.httpStatusCode;
  const detail = (e.RestApiResponse as { detail?: unknown } | undefined)?.detail;
  const message = `mwaa: ${what} failed${status ? ` (${status})` : ""}: ${typeof detail === "string" ? detail : (e.message ?? String(error))}`;
  const throttled = e.name === "ThrottlingException" || e.name === "InternalServerException";
  return new AirflowCallError(message, status === undefined ? true : throttled || isTransientStatus(status), status);
}

export function createMwaaAirflow({ environment, region, invoke }: MwaaAirflowOptions): Airflow {
  const runPath = (dagId: string, dagRunId: string) => `/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(dagRunId)}`;
  const urlOf = (dagId: string, dagRunId: string) => `mwaa://${region}/${environment}${runPath(dagId, dagRunId)}`;
  return {
    kind: "mwaa",
    async trigger({ dagId, dagRunId, conf }: DagRunTrigger): Promise<DagRunTriggered> {
      const Path = `/dags/${encodeURIComponent(dagId)}/dagRuns`;
      try {
        await invoke({ Name: environment, Method: "POST", Path, Body: { dag_run_id: dagRunId, conf } });
        return { outcome: "created", url: urlOf(dagId, dagRunId) };
      } catch (error) {
        if ((error as SdkError | undefined)?.RestApiStatusCode === 409) return { outcome: "exists", url: urlOf(dagId, dagRunId) };
        throw translate(error, `POST ${Path}`);
      }
    },
    async state(dagId, dagRunId) {
      const Path = runPath(dagId, dagRunId);
      let output: InvokeRestApiOutput;
      try {
        output = await invoke({ Name: environment, Method: "GET", Path });
      } catch (error) {
        throw translate(error, `GET ${Path}`);
      }
      const state = (output.RestApiResponse as { state?: unknown } | undefined)?.state;
      if (typeof state !== "string") throw new AirflowCallError(`mwaa: GET ${Path} answered without a state`, true, output.RestApiStatusCode);
      return state;
    },
  };
}
