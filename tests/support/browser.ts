import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** Where the UI tests leave their screenshots (git-ignored). */
export const SCREENSHOT_DIR = join(root, ".cache/ui-screenshots");

/** Debian's Chromium, installed by scripts/services/chromium.sh when missing (no Playwright download). */
export async function launchChromium(): Promise<Browser> {
  const output = execFileSync("bash", [join(root, "scripts/services/chromium.sh"), "install"], { encoding: "utf8" });
  const executablePath = /CHROMIUM_PATH=(.+)/.exec(output)?.[1]?.trim() ?? "/usr/bin/chromium";
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Running as root in a container: Chromium's sandbox needs namespaces it does not get here.
  return chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"] });
}

/**
 * A page that records every request to a host other than `baseUrl`'s and
 * every uncaught page error, so a test can assert the console stayed on Baton.
 */
export async function consolePage(browser: Browser, baseUrl: string): Promise<{ page: Page; foreignRequests: string[]; pageErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const origin = new URL(baseUrl).host;
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol !== "data:" && url.protocol !== "blob:" && url.host !== origin) foreignRequests.push(request.url());
  });
  page.on("websocket", (socket) => {
    if (new URL(socket.url()).host !== origin) foreignRequests.push(socket.url());
  });
  page.on("pageerror", (error) => pageErrors.push(`${error.name}: ${error.message} ${error.stack ?? ""}`.trim()));
  return { page, foreignRequests, pageErrors };
}

export const screenshot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
