import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/api/config.ts";
import { CONFIG_REFERENCE, configurationTable, TABLE_END, TABLE_START, withConfigurationTable } from "../../src/api/config-reference.ts";

describe("the configuration reference", () => {
  it("gives every variable of the schema a meaning, and no other", () => {
    expect(Object.keys(CONFIG_REFERENCE).sort()).toEqual(Object.keys(ConfigSchema.entries).sort());
    for (const [name, reference] of Object.entries(CONFIG_REFERENCE)) expect(reference.meaning.trim().length, name).toBeGreaterThan(5);
  });

  it("shows the schema's defaults", () => {
    const table = configurationTable();
    expect(table).toContain("| `PORT` | `8080` | HTTP port");
    expect(table).toContain("| `ESDB_URL` | — |");
    expect(table).toContain("| `BATON_HTTP_ALLOW` | — |");
    expect(table.split("\n")).toHaveLength(Object.keys(ConfigSchema.entries).length + 2);
  });

  it("is in README.md exactly as generated (run `npm run docs:config` after changing src/api/config.ts)", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const inReadme = readme.slice(readme.indexOf(TABLE_START) + TABLE_START.length, readme.indexOf(TABLE_END)).trim();
    expect(inReadme).toBe(configurationTable());
  });

  it("notices a README that drifted", () => {
    const drifted = `intro\n${TABLE_START}\n| variable | default | meaning |\n|---|---|---|\n| \`PORT\` | \`80\` | port |\n${TABLE_END}\nrest`;
    const rewritten = withConfigurationTable(drifted);
    expect(rewritten).not.toBe(drifted);
    expect(rewritten.startsWith(`intro\n${TABLE_START}\n| variable |`)).toBe(true);
    expect(rewritten.endsWith(`${TABLE_END}\nrest`)).toBe(true);
    expect(withConfigurationTable(rewritten)).toBe(rewritten);
    expect(() => withConfigurationTable("no markers")).toThrow("no configuration table markers");
  });
});
