// Shutting the emulator down never waits on a watch whose client stopped reading: the stream is
// cut (Fastify's forceCloseConnections), as a stuck client must not hold `aksnet stop` forever.
import tls from "node:tls";
import { expect, it } from "vitest";
import { createCluster, kube, startKubeEmulator } from "../kube/kube-helpers.js";

it("close() returns while a watch client has stopped reading its stream", async () => {
  const emu = await startKubeEmulator();
  const c = await createCluster(emu, "stuck", "1.33", "stuck-rg");
  const url = new URL(`${c.server}/api/v1/namespaces/default/configmaps?watch=true`);
  // A client that sends the request and then never reads: its receive window fills up.
  const socket = tls.connect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false });
  await new Promise((r) => socket.once("secureConnect", r));
  socket.write(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${c.token}\r\n\r\n`,
  );
  await new Promise((r) => socket.once("data", r));
  socket.pause();
  // Events bigger than the socket buffers: the server's writes to this client back up.
  for (let i = 0; i < 8; i++) {
    const r = await kube(c, "POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: `big-${i}` },
      data: { blob: "x".repeat(900_000) },
    });
    expect(r.status).toBe(201);
  }
  const t0 = Date.now();
  await emu.close();
  expect(Date.now() - t0).toBeLessThan(10_000);
  socket.destroy();
}, 60_000);
