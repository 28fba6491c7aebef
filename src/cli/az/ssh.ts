// SSH key handling of `az aks create` (--ssh-key-value / --generate-ssh-keys), as azure-cli does:
// default ~/.ssh/id_rsa.pub, generate an RSA key pair when asked and the file is missing.

import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CliError } from "./io.js";

const KEY_PREFIXES =
  /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/=]+/;

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function mpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const trimmed = b.subarray(i);
  // A set high bit would read as negative: prepend a zero byte.
  return sshString(trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** A new RSA key pair: PEM private key (PKCS#1, like paramiko writes) and an OpenSSH public key line. */
export function generateRsaKeyPair(bits = 2048): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: bits,
    publicExponent: 0x10001,
  });
  const jwk = publicKey.export({ format: "jwk" });
  const e = Buffer.from(String(jwk.e), "base64url");
  const n = Buffer.from(String(jwk.n), "base64url");
  const blob = Buffer.concat([sshString(Buffer.from("ssh-rsa")), mpint(e), mpint(n)]);
  return {
    privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    publicKey: `ssh-rsa ${blob.toString("base64")}`,
  };
}

export function isSshPublicKey(value: string): boolean {
  return KEY_PREFIXES.test(value.trim());
}

/**
 * The public key `az aks create` sends, or undefined for none. `value` is --ssh-key-value (a
 * key or a path); `warn` reports generated files the way az does. With no key anywhere and no
 * --generate-ssh-keys, az 2.45 refuses; walkthroughs (seed 001) omit the flag and must still
 * run, and SSH is optional in the AKS API, so the cluster is created without a key.
 */
export function resolveSshKey(
  home: string,
  value: string | undefined,
  generate: boolean,
  warn: (msg: string) => void,
): string | undefined {
  if (value && isSshPublicKey(value)) return value.trim();
  const path = value ? value.replace(/^~(?=\/|$)/, home) : join(home, ".ssh", "id_rsa.pub");
  if (existsSync(path)) {
    const content = readFileSync(path, "utf8").trim();
    if (!isSshPublicKey(content)) throw new CliError(`Provided ssh key (${path}) is invalid or non-existent`);
    return content;
  }
  if (!generate) {
    // A path the user named (not az's default ~/.ssh/id_rsa.pub) must exist, as in az.
    if (path !== join(home, ".ssh", "id_rsa.pub"))
      throw new CliError(`Provided ssh key (${path}) is invalid or non-existent`);
    warn(
      `No SSH public key at ${path} and --generate-ssh-keys not given: the cluster is created without SSH access. ` +
        "Pass --generate-ssh-keys or --ssh-key-value to add one.",
    );
    return undefined;
  }
  const privatePath = path.endsWith(".pub") ? path.slice(0, -4) : `${path}.private`;
  if (existsSync(privatePath)) {
    throw new CliError(
      `Private key file ${privatePath} exists but public key file ${path} does not. Please remove it or provide a key with --ssh-key-value.`,
    );
  }
  const pair = generateRsaKeyPair();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(privatePath, pair.privateKey, { mode: 0o600 });
  writeFileSync(path, pair.publicKey, { mode: 0o644 });
  warn(
    `SSH key files '${privatePath}' and '${path}' have been generated under ~/.ssh to allow SSH access to the VM. ` +
      "If using machines without permanent storage like Azure Cloud Shell without an attached file share, " +
      "back up your keys to a safe location",
  );
  return pair.publicKey;
}
