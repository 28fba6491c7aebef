// Go's base64.StdEncoding decode errors, as a Secret's data meets them in kube-apiserver's
// decoder (offsets as encoding/base64's decodeQuantum reports them).
import { describe, expect, it } from "vitest";
import { base64Error } from "../../src/kube/goJson.js";

describe("base64Error", () => {
  it("accepts padded base64, with CR and LF anywhere", () => {
    for (const ok of ["", "YWJj", "YWI=", "YQ==", "YWJj\nZGVm", "YW\r\nJj", "YQ=\n="])
      expect([ok, base64Error(ok)]).toEqual([ok, undefined]);
  });

  it("names the byte Go names", () => {
    const cases: [string, number][] = [
      ["!!!", 0],
      ["YWJ", 0],
      ["YWJjZA", 4],
      ["YQ=", 3],
      ["Y===", 1],
      ["YQ==YQ==", 4],
      ["YWJj!", 4],
      ["YW-j", 2],
    ];
    for (const [text, at] of cases)
      expect([text, base64Error(text)]).toEqual([text, `illegal base64 data at input byte ${at}`]);
  });
});
