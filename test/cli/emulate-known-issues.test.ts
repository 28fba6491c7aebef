// The start-time switch for AKS-on-HCI's documented duplicate-VIP defect: `aksnet start
// --emulate-known-issues` or AKSNET_EMULATE_KNOWN_ISSUES=1 (off by default; the flag wins).
// Its effect on VIPs is covered end to end in test/e2e/hci-kubectl.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { resolveOptions } from "../../src/server/config.js";

const saved = process.env.AKSNET_EMULATE_KNOWN_ISSUES;
afterEach(() => {
  if (saved === undefined) delete process.env.AKSNET_EMULATE_KNOWN_ISSUES;
  else process.env.AKSNET_EMULATE_KNOWN_ISSUES = saved;
});

describe("emulateKnownIssues", () => {
  it("is off by default, on with AKSNET_EMULATE_KNOWN_ISSUES=1, and the command-line flag wins", () => {
    delete process.env.AKSNET_EMULATE_KNOWN_ISSUES;
    expect(resolveOptions({}).emulateKnownIssues).toBe(false);
    process.env.AKSNET_EMULATE_KNOWN_ISSUES = "1";
    expect(resolveOptions({}).emulateKnownIssues).toBe(true);
    expect(resolveOptions({ emulateKnownIssues: false }).emulateKnownIssues).toBe(false);
    process.env.AKSNET_EMULATE_KNOWN_ISSUES = "0";
    expect(resolveOptions({}).emulateKnownIssues).toBe(false);
    expect(resolveOptions({ emulateKnownIssues: true }).emulateKnownIssues).toBe(true);
  });
});
