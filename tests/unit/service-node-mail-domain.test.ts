import { createSocket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeMailDomainLookup } from "../../src/services/email-validator/node-mail-domain.ts";
import { validateEmail } from "../../src/services/email-validator/validate-email.ts";
import { startFakeDns } from "../support/fake-dns.ts";

/** The node:dns adapter of the MX port against a DNS server on loopback, so the answers are real DNS messages without a network. */
describe("the node:dns mail-domain lookup", () => {
  let dns: Awaited<ReturnType<typeof startFakeDns>>;

  beforeAll(async () => {
    dns = await startFakeDns({
      "mail.example": { mx: [{ exchange: "mx1.mail.example", priority: 10 }, { exchange: "mx2.mail.example", priority: 5 }] },
      "address-only.example": { a: "192.0.2.10" },
      "null-mx.example": { mx: [{ exchange: "", priority: 0 }] },
      "empty.example": {},
    });
  });

  afterAll(() => dns.close());

  const lookup = () => createNodeMailDomainLookup({ timeoutMs: 1000, tries: 1, servers: [dns.server] });

  it("reads MX records, an address-only domain, a missing name and a name with no records", async () => {
    const records = await lookup()("mail.example");
    expect(records.exists).toBe(true);
    expect([...records.mx].sort((a, b) => a.priority - b.priority)).toEqual([{ exchange: "mx2.mail.example", priority: 5 }, { exchange: "mx1.mail.example", priority: 10 }]);
    expect(await lookup()("address-only.example")).toEqual({ exists: true, mx: [], hasAddress: true });
    expect(await lookup()("gone.example")).toEqual({ exists: false, mx: [], hasAddress: false });
    expect(await lookup()("empty.example")).toEqual({ exists: true, mx: [], hasAddress: false });
  });

  it("gives the validator what it needs to judge each address", async () => {
    const judge = async (email: string) => {
      const result = await validateEmail(email, lookup());
      return [result.valid, result.reason];
    };
    expect(await judge("ada@mail.example")).toEqual([true, undefined]);
    expect(await judge("ada@address-only.example")).toEqual([true, undefined]);
    expect(await judge("ada@null-mx.example")).toEqual([false, "the domain null-mx.example accepts no mail (null MX)"]);
    expect(await judge("ada@gone.example")).toEqual([false, "the domain gone.example does not exist"]);
  });

  it("rejects, naming the domain, when no answer comes", async () => {
    // A bound socket that never answers: the query times out.
    const silent = createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    try {
      const quiet = createNodeMailDomainLookup({ timeoutMs: 200, tries: 1, servers: [`127.0.0.1:${silent.address().port}`] });
      await expect(quiet("mail.example")).rejects.toThrow("MX lookup for mail.example failed: ETIMEOUT");
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe("the node:dns lookup of an internationalised domain", () => {
  it("asks DNS for its punycode name", async () => {
    const dns = await startFakeDns({ "xn--bcher-kva.example": { mx: [{ exchange: "mx.xn--bcher-kva.example", priority: 1 }] } });
    try {
      const records = await createNodeMailDomainLookup({ timeoutMs: 1000, tries: 1, servers: [dns.server] })("bücher.example");
      expect(records).toEqual({ exists: true, mx: [{ exchange: "mx.xn--bcher-kva.example", priority: 1 }], hasAddress: false });
    } finally {
      await dns.close();
    }
  });
});
