/**
 * MWAA through the AWS SDK (`@aws-sdk/client-mwaa`, an optional dependency),
 * for the Node entry. The package is loaded only when BATON_AIRFLOW=mwaa, and a
 * missing one is a clear start-up error rather than a crash later.
 * BATON_MWAA_ROUTE picks the call: `invoke-rest-api` (`InvokeRestApiCommand`,
 * in SDKs from 2024-11 on), `cli-token` (`CreateCliTokenCommand`, in every
 * version), or `auto`: the first when the installed SDK has it, else the second.
 */
import type { CreateCliToken } from "../adapters/airflow/mwaa-cli.ts";
import type { InvokeRestApi } from "../adapters/airflow/mwaa.ts";

interface MwaaModule {
  MWAAClient: new (config: { region: string }) => { send(command: unknown): Promise<Record<string, unknown>> };
  InvokeRestApiCommand?: new (input: unknown) => unknown;
  CreateCliTokenCommand?: new (input: unknown) => unknown;
}

export type MwaaRoute = "auto" | "invoke-rest-api" | "cli-token";

/** The call the chosen route needs, as `openDagRuns` takes it. */
export type MwaaCalls = { mwaaInvoke: InvokeRestApi } | { mwaaCreateCliToken: CreateCliToken };

/** Which calls a route uses with an SDK that has (or lacks) `InvokeRestApiCommand`; throws when the route cannot work. */
export function mwaaCallsFor(sdk: MwaaModule, region: string, route: MwaaRoute): MwaaCalls {
  const client = new sdk.MWAAClient({ region });
  const InvokeRestApiCommand = sdk.InvokeRestApiCommand;
  const CreateCliTokenCommand = sdk.CreateCliTokenCommand;
  if (route === "invoke-rest-api" || (route === "auto" && InvokeRestApiCommand)) {
    if (!InvokeRestApiCommand) {
      throw new Error("BATON_MWAA_ROUTE=invoke-rest-api needs an @aws-sdk/client-mwaa with InvokeRestApiCommand; the installed one has none: set BATON_MWAA_ROUTE=cli-token");
    }
    return { mwaaInvoke: async (input) => (await client.send(new InvokeRestApiCommand(input))) as { RestApiStatusCode?: number; RestApiResponse?: unknown } };
  }
  if (!CreateCliTokenCommand) throw new Error("BATON_MWAA_ROUTE=cli-token needs an @aws-sdk/client-mwaa with CreateCliTokenCommand; the installed one has none");
  return { mwaaCreateCliToken: async (input) => (await client.send(new CreateCliTokenCommand(input))) as { CliToken?: string; WebServerHostname?: string } };
}

export async function loadMwaaCalls(region: string, route: MwaaRoute): Promise<MwaaCalls> {
  const name = "@aws-sdk/client-mwaa";
  let sdk: MwaaModule;
  try {
    sdk = (await import(/* @vite-ignore */ name)) as MwaaModule;
  } catch {
    throw new Error(`BATON_AIRFLOW=mwaa needs the package ${name} (npm install ${name})`);
  }
  return mwaaCallsFor(sdk, region, route);
}
