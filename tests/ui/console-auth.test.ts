/**
 * The console with BATON_AUTH=required: the page is public, everything else
 * needs a token, so it asks for a key, exchanges it at POST /api/token and
 * then lists executions (over HTTP and the graphql-ws socket) with the token.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authPortOf } from "../../src/api/auth/auth.ts";
import { createKey } from "../../src/api/auth/routes.ts";
import { ensureConsoleBuilt } from "../../scripts/build-console.ts";
import { testHasher } from "../support/auth.ts";
import { startBaton, type TestBaton } from "../support/baton.ts";
import { consolePage, launchChromium, screenshot } from "../support/browser.ts";

let baton: TestBaton;
let browser: Browser;

beforeAll(async () => {
  await ensureConsoleBuilt();
  baton = await startBaton({ env: { BATON_AUTH: "required", BATON_AUTH_SECRET: "c".repeat(40) } });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await baton?.close();
});

describe("the console with authentication on", () => {
  it("asks for a key, refuses a wrong one, and shows live executions with a token", async () => {
    const { keyId, keySecret } = await createKey(authPortOf(baton.engine), testHasher, { name: "console-reader", role: "reader", taskTypes: [] }, { kind: "system", detail: "test" });
    const { page, foreignRequests, pageErrors } = await consolePage(browser, baton.url);
    await page.goto(`${baton.url}/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: 20_000 });

    await page.getByLabel("key id").fill(keyId);
    await page.getByLabel("key secret").fill("not-the-secret");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator(".sign-in .error").textContent()).toMatch(/.+/);

    await page.getByLabel("key secret").fill(keySecret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("executions").waitFor({ timeout: 20_000 });
    await screenshot(page, "signed-in");

    // The socket carries the token too: a workflow started now appears without a reload.
    const admin = await createKey(authPortOf(baton.engine), testHasher, { name: "test-admin", role: "admin", taskTypes: [] }, { kind: "system", detail: "test" });
    const tokenResponse = await fetch(`${baton.url}/api/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(admin) });
    const headers = { "content-type": "application/json", "x-authorization": ((await tokenResponse.json()) as { token: string }).token };
    const definition = { name: "ui_guarded", version: 1, ownerEmail: "ui@baton.local", tasks: [{ name: "guarded_work", taskReferenceName: "work", type: "SIMPLE" }] };
    expect((await fetch(`${baton.url}/api/metadata/workflow`, { method: "POST", headers, body: JSON.stringify(definition) })).status).toBe(200);
    const id = await (await fetch(`${baton.url}/api/workflow`, { method: "POST", headers, body: JSON.stringify({ name: "ui_guarded" }) })).text();
    await page.getByTestId(`execution-${id}`).waitFor({ timeout: 20_000 });
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });
});
