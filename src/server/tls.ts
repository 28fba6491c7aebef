// Local CA and server certificate. Created on first start in <data-dir>/tls and reused
// after, so users trust the CA once (NODE_EXTRA_CA_CERTS / REQUESTS_CA_BUNDLE). ECDSA P-256
// keeps generation in milliseconds; kubectl, Python requests and Node all accept it.
import { createPrivateKey, webcrypto, X509Certificate } from "node:crypto";

type CryptoKeyPair = webcrypto.CryptoKeyPair;

import fs from "node:fs";
import path from "node:path";
// @peculiar/x509 resolves its ASN.1 helpers through tsyringe, which needs the Reflect polyfill.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { writeFileAtomic } from "./files.js";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface TlsMaterial {
  caCertPem: string;
  caFile: string;
  certPem: string;
  keyPem: string;
}

function pemKey(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith("\n") ? "" : "\n"}-----END ${label}-----\n`;
}

async function importKeyPair(privPem: string, certPem: string): Promise<CryptoKeyPair> {
  const der = Buffer.from(privPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const privateKey = await webcrypto.subtle.importKey("pkcs8", der, ALG, true, ["sign"]);
  const cert = new x509.X509Certificate(certPem);
  const publicKey = await cert.publicKey.export(ALG, ["verify"]);
  return { privateKey, publicKey } as CryptoKeyPair;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString("hex")
    .replace(/^[89a-f]/, "1");
}

export async function createCa(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=aksnet local CA, O=aksnet",
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 10 * 365 * 24 * 3600_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyDer = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  writeFileAtomic(path.join(dir, "ca-key.pem"), pemKey(keyDer, "PRIVATE KEY"), 0o600);
  writeFileAtomic(path.join(dir, "ca.pem"), cert.toString("pem"));
}

async function createServerCert(dir: string, hosts: string[]): Promise<void> {
  const caPem = fs.readFileSync(path.join(dir, "ca.pem"), "utf8");
  const caKeys = await importKeyPair(fs.readFileSync(path.join(dir, "ca-key.pem"), "utf8"), caPem);
  const ca = new x509.X509Certificate(caPem);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = new Date();
  const ipRe = /^[\d.]+$|:/;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: "CN=aksnet",
    issuer: ca.subject,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 825 * 24 * 3600_000),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((h) =>
          ipRe.test(h) ? { type: "ip" as const, value: h } : { type: "dns" as const, value: h },
        ),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    ],
  });
  const keyDer = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  writeFileAtomic(path.join(dir, "server-key.pem"), pemKey(keyDer, "PRIVATE KEY"), 0o600);
  writeFileAtomic(path.join(dir, "server.pem"), cert.toString("pem"));
  writeFileAtomic(path.join(dir, "server.hosts"), hosts.join("\n"));
}

/**
 * What is wrong with the TLS material in `dir`, or undefined when it is whole: each file parses, the
 * CA's key is the CA's, and the server certificate was signed by that CA and matches its key.
 * `ca` = the CA itself is unusable (everything is made anew); `server` = only the server certificate.
 */
export function checkTls(dir: string): { broken: "ca" | "server"; why: string } | undefined {
  const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
  let ca: X509Certificate;
  try {
    ca = new X509Certificate(read("ca.pem"));
    if (!ca.checkPrivateKey(createPrivateKey(read("ca-key.pem"))))
      return { broken: "ca", why: "ca-key.pem is not the key of ca.pem" };
  } catch (e) {
    return { broken: "ca", why: `ca.pem or ca-key.pem cannot be read (${(e as Error).message})` };
  }
  try {
    const server = new X509Certificate(read("server.pem"));
    if (!server.verify(ca.publicKey)) return { broken: "server", why: "server.pem was not signed by ca.pem" };
    if (!server.checkPrivateKey(createPrivateKey(read("server-key.pem"))))
      return { broken: "server", why: "server-key.pem is not the key of server.pem" };
  } catch (e) {
    return { broken: "server", why: `server.pem or server-key.pem cannot be read (${(e as Error).message})` };
  }
  return undefined;
}

/**
 * Loads (or creates) the CA and a server certificate valid for `hosts` (plus loopback names). A
 * broken `tls/` (half-written, mismatched, from another CA) is made anew, with a message saying why.
 */
export async function ensureTls(
  dir: string,
  warn: (message: string) => void = () => undefined,
  extraHosts: string[] = [],
): Promise<TlsMaterial> {
  const hosts = [
    ...new Set([
      "127.0.0.1",
      "::1",
      "localhost",
      ...extraHosts.filter((h) => h && h !== "0.0.0.0" && h !== "::"),
    ]),
  ];
  let fresh = false;
  if (!fs.existsSync(path.join(dir, "ca.pem")) || !fs.existsSync(path.join(dir, "ca-key.pem"))) {
    await createCa(dir);
    fresh = true;
  } else if (fs.existsSync(path.join(dir, "server.pem"))) {
    const problem = checkTls(dir);
    if (problem) {
      warn(
        `TLS material in ${dir} is broken: ${problem.why}. Making ${problem.broken === "ca" ? "a new CA and server certificate (clients must trust the new ca.pem)" : "a new server certificate"}.`,
      );
      if (problem.broken === "ca") await createCa(dir);
      fresh = true;
    }
  }
  const hostsFile = path.join(dir, "server.hosts");
  const known = fs.existsSync(hostsFile) ? fs.readFileSync(hostsFile, "utf8").split("\n") : [];
  const covered = hosts.every((h) => known.includes(h));
  if (
    fresh ||
    !covered ||
    !fs.existsSync(path.join(dir, "server.pem")) ||
    !fs.existsSync(path.join(dir, "server-key.pem"))
  ) {
    await createServerCert(dir, hosts);
  }
  return {
    caFile: path.resolve(dir, "ca.pem"),
    caCertPem: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
    certPem: fs.readFileSync(path.join(dir, "server.pem"), "utf8"),
    keyPem: fs.readFileSync(path.join(dir, "server-key.pem"), "utf8"),
  };
}
