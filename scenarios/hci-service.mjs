// Stand-in for `kubectl expose … --type=LoadBalancer` on an AksHci cluster until the
// Kubernetes face exists: calls the HCI face's service hook (ensureServiceVip /
// removeServiceVip, what the Kubernetes face will call) with a token, and prints the Service
// (its VIP = the EXTERNAL-IP kubectl will show). Not a cmdlet and not part of aksnet's CLI.
//   node hci-service.mjs put <cluster> <namespace>/<name> <port>:<nodePort>[,…]
//   node hci-service.mjs delete <cluster> <namespace>/<name>
import fs from "node:fs";
import https from "node:https";
import path from "node:path";

const [verb, cluster, ref, ports] = process.argv.slice(2);
const dataDir = path.resolve(process.env.AKSNET_DATA_DIR ?? ".aksnet");
const info = JSON.parse(fs.readFileSync(path.join(dataDir, "aksnet.json"), "utf8"));
const ca = fs.readFileSync(path.isAbsolute(info.caFile) ? info.caFile : path.join(dataDir, info.caFile));

function request(method, url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers }, (res) => {
      let data = "";
      res.on("data", (c) => {
        data += c;
      });
      res.on("end", () => resolve({ status: res.statusCode, text: data }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const form = new URLSearchParams({
  grant_type: "client_credentials",
  client_id: "hci-scenario",
  client_secret: "x",
  scope: "https://management.azure.com/.default",
}).toString();
const tok = await request("POST", `${info.armEndpoint}/${info.tenantId}/oauth2/v2.0/token`, form, {
  "content-type": "application/x-www-form-urlencoded",
});
const auth = {
  authorization: `Bearer ${JSON.parse(tok.text).access_token}`,
  "content-type": "application/json",
};
const [ns, name] = ref.split("/");
const url = `${info.armEndpoint}/_aksnet/hci/clusters/${cluster}/services/${ns}/${name}`;
const body =
  verb === "put"
    ? JSON.stringify({
        ports: ports.split(",").map((p) => {
          const [port, nodePort] = p.split(":").map(Number);
          return { port, nodePort };
        }),
      })
    : undefined;
const res = await request(verb === "put" ? "PUT" : "DELETE", url, body, auth);
if (res.text) process.stdout.write(`${res.text}\n`);
process.exitCode = res.status < 300 ? 0 : 1;
