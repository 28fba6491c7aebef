// Go's encoding/json SyntaxError words for the first fault of a document (what kube-apiserver
// answers a body or patch it cannot decode), checked against the scanner's contexts.
import { expect, it } from "vitest";
import { goJsonSyntaxError } from "../../src/kube/goText.js";

it("names the character and the scanner's context, as encoding/json does", () => {
  const cases: [string, string][] = [
    ["{bad json", "invalid character 'b' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ["[1 2]", "invalid character '2' after array element"],
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a":nul', "unexpected end of JSON input"],
    ['{"a":', "unexpected end of JSON input"],
    ['{"a":"x\\q"}', "invalid character 'q' in string escape code"],
    ['{"a":"\\u12x4"}', "invalid character 'x' in \\u hexadecimal character escape"],
    ['{"a":01}', "invalid character '1' after object key:value pair"],
    ['{"a":-}', "invalid character '}' in numeric literal"],
    ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
    ['{"a":1e}', "invalid character '}' in exponent of numeric literal"],
    ["{} x", "invalid character 'x' after top-level value"],
    ['{"a":"\t"}', "invalid character '\\t' in string literal"],
    ["'x'", "invalid character '\\'' looking for beginning of value"],
    ["", "unexpected end of JSON input"],
  ];
  for (const [text, want] of cases) expect([text, goJsonSyntaxError(text)]).toEqual([text, want]);
  expect(goJsonSyntaxError('{"a":[1,2.5e-3,{"b":null}],"c":"\\u00e9"}')).toBeUndefined();
  expect(goJsonSyntaxError(`${"[".repeat(10_001)}`)).toBe("invalid character '[' exceeded max depth");
});
