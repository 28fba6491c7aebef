// resource.Quantity as kube-apiserver stores it: ParseQuantity, then CanonicalizeBytes (or the
// text as written, when ParseQuantity keeps it). Expected values worked out from
// k8s.io/apimachinery/pkg/api/resource (quantity.go, amount.go, suffix.go).
import { describe, expect, it } from "vitest";
import { canonicalQuantity, QuantityError } from "../../../src/kube/workloads/quantity.js";

describe("canonicalQuantity", () => {
  it("gives each value its canonical text", () => {
    const cases: [string | number, string][] = [
      // decimal: trailing zeros into an exponent that is a multiple of 3, SI suffix
      ["0.5", "500m"],
      [0.5, "500m"],
      ["1.5", "1500m"],
      ["0.1", "100m"],
      ["1000", "1k"],
      ["1500", "1500"],
      ["1000m", "1"],
      ["100m", "100m"],
      ["129M", "129M"],
      ["128974848", "128974848"],
      [2, "2"],
      ["-0.5", "-500m"],
      ["0.0000000001", "1n"],
      ["0.50", "500m"],
      // binary: whole multiples of 1024 keep the largest binary suffix; small or fractional go decimal
      ["1.5Gi", "1536Mi"],
      ["0.5Gi", "512Mi"],
      ["1024Ki", "1Mi"],
      ["1000Ki", "1000Ki"],
      ["8Ki", "8Ki"],
      ["0.5Ki", "512"],
      ["1.1Ki", "1126400m"],
      // exponent form stays in exponent form
      ["10e2", "1e3"],
      [1e-7, "100e-9"],
      // zero in any spelling
      ["0", "0"],
      ["00", "0"],
      ["0.0", "0"],
      // texts ParseQuantity keeps as written (they fit an int64 and look canonical)
      ["+1", "+1"],
      ["1.500", "1.500"],
      ["1E3", "1E3"],
      ["01Ki", "01Ki"],
    ];
    for (const [input, want] of cases) expect(canonicalQuantity(input), String(input)).toBe(want);
  });

  it("refuses malformed texts with ParseQuantity's messages", () => {
    const format =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    for (const bad of ["", "abc", "1x", "1Gb", "1.2.3", "true"]) {
      expect(() => canonicalQuantity(bad), bad).toThrow(QuantityError);
      expect(() => canonicalQuantity(bad), bad).toThrow(format);
    }
    for (const bad of ["1e", "--1", "1iK", "5kk"])
      expect(() => canonicalQuantity(bad), bad).toThrow("unable to parse quantity's suffix");
  });
});
