/**
 * vitest globalSetup of the `java-sdk` project: compiles (or reuses) the Java SDK
 * scenario (scripts/services/java-sdk.sh, Maven) and hands its class path to the
 * test with `inject("javaSdk")`. Without Java 17+ or Maven the run fails with
 * what to install.
 */
import type { TestProject } from "vitest/node";
import { runServiceScript } from "./sdk-scenario.ts";

declare module "vitest" {
  export interface ProvidedContext {
    javaSdk: { java: string; classpath: string; provisionSeconds: number };
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  const values = await runServiceScript("java-sdk.sh", ["build"]);
  const { JAVA_SDK_CLASSPATH: classpath, JAVA_SDK_JAVA: java } = values;
  if (!classpath || !java) throw new Error("scripts/services/java-sdk.sh build printed no JAVA_SDK_CLASSPATH / JAVA_SDK_JAVA");
  const provisionSeconds = (Date.now() - started) / 1000;
  console.log(`java-sdk: scenario built in ${provisionSeconds.toFixed(1)} s`);
  project.provide("javaSdk", { java, classpath, provisionSeconds });
}
