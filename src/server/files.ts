// Files the emulator keeps in its data dir (TLS material, keys, credentials, aksnet.json) are
// written atomically: a temp file in the same directory, then rename, so a crash or a second
// process never leaves half a key or a certificate that does not match its CA.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export function writeFileAtomic(file: string, data: string, mode = 0o644): void {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    fs.writeFileSync(tmp, data, { mode });
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
