// metav1.Time as the API writes it: RFC 3339 in UTC, to the second.

export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

let clock = { second: Number.NaN, text: "" };
/** Now, formatted once per second (every write stamps a time: creation, managedFields, events). */
export function nowRfc3339(): string {
  const ms = Date.now();
  const second = Math.floor(ms / 1000);
  if (second !== clock.second) clock = { second, text: rfc3339(ms) };
  return clock.text;
}
