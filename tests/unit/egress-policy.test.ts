import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { createEgressPolicy, parseEgressRule } from "../../src/engine/system/egress-policy.ts";

const refusal = (policy: ReturnType<typeof createEgressPolicy>, url: string) => policy.refusal(new URL(url));

describe("HTTP task egress policy", () => {
  it("refuses link-local and cloud metadata addresses by default, in every spelling", async () => {
    const policy = createEgressPolicy();
    for (const url of [
      "http://169.254.169.254/latest/meta-data/",
      "http://0xa9.0xfe.0xa9.0xfe/", // the URL parser normalises this to 169.254.169.254
      "http://[::ffff:169.254.169.254]/",
      "http://[fe80::1]/",
      "http://[fd00:ec2::254]/",
      "http://metadata.google.internal/computeMetadata/v1/",
      "http://METADATA.google.internal./",
    ]) {
      expect(await refusal(policy, url), url).toMatch(/HTTP egress policy refuses .* it matches '/);
    }
    expect(await refusal(policy, "http://127.0.0.1:8080/api")).toBeUndefined();
    expect(await refusal(policy, "https://api.example.com/x")).toBeUndefined();
  });

  it("checks the addresses a name resolves to, so a name cannot hide a denied address", async () => {
    const policy = createEgressPolicy({ resolve: async (host) => (host === "sneaky.test" ? ["10.0.0.1", "169.254.169.254"] : ["93.184.216.34"]) });
    expect(await refusal(policy, "http://sneaky.test/")).toContain("sneaky.test (10.0.0.1, 169.254.169.254)");
    expect(await refusal(policy, "http://fine.test/")).toBeUndefined();
  });

  it("with an allow list, calls only what it names; deny wins over allow", async () => {
    const policy = createEgressPolicy({ allow: ["*.example.com", "10.0.0.0/8"], deny: ["secret.example.com"] });
    expect(await refusal(policy, "https://api.example.com/")).toBeUndefined();
    expect(await refusal(policy, "http://10.2.3.4:9000/")).toBeUndefined();
    expect(await refusal(policy, "https://example.com/")).toContain("matches nothing in BATON_HTTP_ALLOW");
    expect(await refusal(policy, "https://evil.test/")).toContain("matches nothing in BATON_HTTP_ALLOW");
    expect(await refusal(policy, "https://secret.example.com/")).toContain("matches 'secret.example.com'");
  });

  it("refuses other schemes, and the defaults can be turned off on purpose", async () => {
    expect(await refusal(createEgressPolicy(), "file:///etc/passwd")).toContain("only http and https");
    expect(await refusal(createEgressPolicy({ denyDefaults: false }), "http://169.254.169.254/")).toBeUndefined();
  });

  it("rejects a malformed rule naming the setting", () => {
    expect(() => parseEgressRule("not a host!", "BATON_HTTP_DENY")).toThrow("BATON_HTTP_DENY: 'not a host!' is not a host name");
    expect(() => loadConfig({ BATON_HTTP_ALLOW: "ok.example.com, 10.0.0.0/33" })).toThrow(/BATON_HTTP_ALLOW must be a comma-separated list/);
    expect(loadConfig({ BATON_HTTP_DENY: " 127.0.0.0/8 , ::1 " }).BATON_HTTP_DENY).toEqual(["127.0.0.0/8", "::1"]);
  });
});
