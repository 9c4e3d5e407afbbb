/**
 * MWAA's InvokeRestApi through the AWS SDK (`@aws-sdk/client-mwaa`), for the
 * Node entry. The package is loaded only when BATON_AIRFLOW=mwaa, and a
 * missing one is a clear start-up error rather than a crash later.
 */
import type { InvokeRestApi } from "../adapters/airflow/mwaa.ts";

interface MwaaModule {
  MWAAClient: new (config: { region: string }) => { send(command: unknown): Promise<Record<string, unknown>> };
  InvokeRestApiCommand: new (input: unknown) => unknown;
}

export async function loadMwaaInvoke(region: string): Promise<InvokeRestApi> {
  const name = "@aws-sdk/client-mwaa";
  let sdk: MwaaModule;
  try {
    sdk = (await import(/* @vite-ignore */ name)) as MwaaModule;
  } catch {
    throw new Error(`BATON_AIRFLOW=mwaa needs the package ${name} (npm install ${name})`);
  }
  const client = new sdk.MWAAClient({ region });
  return async (input) => (await client.send(new sdk.InvokeRestApiCommand(input))) as { RestApiStatusCode?: number; RestApiResponse?: unknown };
}
