import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/domain/errors.ts";
import { createInMemoryDirectory, parseDirectoryData } from "../../src/services/directory/directory.ts";
import { loadDirectoryFile } from "../../src/services/directory/file.ts";
import { createEnricher } from "../../src/services/enricher/service.ts";
import { createReverseEmail } from "../../src/services/reverse-email/service.ts";

const request = (data: Record<string, unknown>) => ({ workflowId: "wf-1", data });

describe("the enricher on the bundled sample directory", () => {
  const enricher = createEnricher({ directory: createInMemoryDirectory() });

  it("adds the person and the company of a known address (any case)", async () => {
    const outcome = await enricher.handle(request({ email: "Ada.Lovelace@Example.com" }));
    expect(outcome).toMatchObject({
      status: "completed",
      result: {
        email: "Ada.Lovelace@Example.com",
        found_count: 1,
        results: [
          {
            email: "Ada.Lovelace@Example.com",
            found: true,
            person: { name: "Ada Lovelace", title: "Head of Engineering", country: "US" },
            company: { domain: "example.com", name: "Example Corporation", industry: "Software", employees: 1200 },
          },
        ],
      },
    });
  });

  it("adds the company alone for an unknown person at a known domain, and nothing for an unknown domain", async () => {
    const outcome = await enricher.handle(request({ emails: ["someone@example.org", "who@unknown.example"] }));
    const result = (outcome as unknown as { result: { results: Record<string, unknown>[]; found_count: number } }).result;
    expect(result.results[0]).toMatchObject({ found: true, company: { name: "Example Foundation" } });
    expect(result.results[0]!.person).toBeUndefined();
    expect(result.results[1]).toEqual({ email: "who@unknown.example", found: false });
    expect(result.found_count).toBe(1);
  });

  it("fails a request without an address, naming the fields", async () => {
    expect(await enricher.handle(request({ name: "Ada" }))).toEqual({ status: "failed", errorMessage: "enricher: the request needs data.email (a string) or data.emails (a list of strings)" });
  });
});

describe("reverse-email on the bundled sample directory", () => {
  const reverse = createReverseEmail({ directory: createInMemoryDirectory() });

  it("finds who is behind an address, with the company's name", async () => {
    expect(await reverse.handle(request({ email: "alan.turing@example.org" }))).toMatchObject({
      status: "completed",
      result: { found_count: 1, results: [{ email: "alan.turing@example.org", found: true, name: "Alan Turing", phone: "+44 20 7946 0958", city: "London", company_name: "Example Foundation" }] },
    });
  });

  it("says so when nobody has the address", async () => {
    expect(await reverse.handle(request({ emails: ["nobody@example.com"] }))).toEqual({
      status: "completed",
      result: { found_count: 0, results: [{ email: "nobody@example.com", found: false, reason: "no person with the address nobody@example.com in the directory" }] },
    });
  });
});

describe("directory data", () => {
  it("is checked, with the path of the bad field", () => {
    const bad = { companies: [], people: [{ email: "ada@example.com", name: "Ada" }, { email: "not-an-address", name: "X" }] };
    expect(() => parseDirectoryData(bad, "directory file x.json")).toThrow(ValidationError);
    expect(() => parseDirectoryData(bad, "directory file x.json")).toThrow(/^Invalid directory file x\.json: people\[1\]\.email: /);
  });

  it("serves a directory of its own in place of the sample", async () => {
    const directory = createInMemoryDirectory(parseDirectoryData({ companies: [{ domain: "Acme.Example", name: "Acme" }], people: [] }, "test data"));
    expect(await directory.companyByDomain("acme.example")).toEqual({ domain: "acme.example", name: "Acme" });
    expect(await directory.personByEmail("ada.lovelace@example.com")).toBeUndefined();
  });
});

describe("BATON_DIRECTORY_FILE", () => {
  it("loads a file of the sample's shape, and says what is wrong with one that is not", async () => {
    const dir = await mkdtemp(join(tmpdir(), "baton-directory-"));
    try {
      const good = join(dir, "good.json");
      await writeFile(good, JSON.stringify({ companies: [{ domain: "acme.example", name: "Acme" }], people: [{ email: "wile@acme.example", name: "Wile E." }] }));
      const directory = await loadDirectoryFile(good);
      expect(await directory.personByEmail("WILE@acme.example")).toMatchObject({ name: "Wile E." });
      await expect(loadDirectoryFile(join(dir, "missing.json"))).rejects.toThrow(`BATON_DIRECTORY_FILE ${join(dir, "missing.json")} cannot be read: ENOENT`);
      const notJson = join(dir, "bad.json");
      await writeFile(notJson, "{companies:");
      await expect(loadDirectoryFile(notJson)).rejects.toThrow(`BATON_DIRECTORY_FILE ${notJson} is not JSON`);
      const wrong = join(dir, "wrong.json");
      await writeFile(wrong, JSON.stringify({ companies: [{ domain: "acme.example" }], people: [] }));
      await expect(loadDirectoryFile(wrong)).rejects.toThrow(`Invalid directory file ${wrong} (BATON_DIRECTORY_FILE): companies[0].name: name is required`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
