// `aksnet az` end to end against a scripted ARM stub: what is sent, how the protocol is
// followed (tokens, LRO, paging, errors) and what is printed.
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { FakeArm, Recorded } from "./fake-arm.js";
import { runAz, SUB, scratchHome, startFakeArm } from "./fake-arm.js";

let arm: FakeArm;
beforeEach(async () => {
  arm = await startFakeArm();
});
afterEach(async () => {
  await arm.close();
});

const rgBody = (name: string) => ({
  id: `/subscriptions/${SUB}/resourceGroups/${name}`,
  name,
  type: "Microsoft.Resources/resourceGroups",
  location: "eastus",
  properties: { provisioningState: "Succeeded" },
});

const is = (r: Recorded, method: string, re: RegExp) => r.method === method && re.test(r.path);

describe("errors and usage", () => {
  it("tells how to start the emulator when none is running", async () => {
    const r = await runAz(["group", "show", "-n", "x"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: No running aksnet emulator found .*aksnet start/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("says so when the endpoint refuses connections", async () => {
    const r = await runAz(["group", "list"], { endpoint: "http://127.0.0.1:9" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot reach the aksnet emulator at http:\/\/127\.0\.0\.1:9 .*aksnet start/);
  });

  it("prints argparse errors with exit code 2", async () => {
    expect(await runAz(["group", "create"])).toMatchObject({
      code: 2,
      stderr: "ERROR: the following arguments are required: --name/--resource-group/-n/-g, --location/-l\n",
    });
    expect(await runAz(["xyz"])).toMatchObject({
      code: 2,
      stderr: "ERROR: 'xyz' is misspelled or not recognized by the system.\n",
    });
    expect((await runAz(["network", "vnet", "frob"])).stderr).toBe(
      "ERROR: 'frob' is misspelled or not recognized by the system.\n",
    );
    expect((await runAz(["group", "list", "--foo"])).stderr).toBe("ERROR: unrecognized arguments: --foo\n");
    const gw = await runAz([
      "aks",
      "nodepool",
      "add",
      "-g",
      "g",
      "--cluster-name",
      "c",
      "-n",
      "gw",
      "--mode",
      "gateway",
      "--gateway-prefix-size",
      "27",
    ]);
    expect(gw).toMatchObject({
      code: 2,
      stderr:
        "ERROR: az aks nodepool add: '27' is not a valid value for '--gateway-prefix-size'. Allowed values: 28, 29, 30, 31.\n",
    });
    expect((await runAz(["group", "list", "-o", "xml"])).stderr).toMatch(
      /'xml' is not a valid value for '--output'\. Allowed values: json, jsonc, none, table, tsv, yaml, yamlc\./,
    );
    expect((await runAz(["group", "list", "--query", "[?"])).stderr).toMatch(
      /argument --query: invalid jmespath_type value/,
    );
  });

  it("prints help for groups and commands with exit code 0", async () => {
    const g = await runAz(["aks", "nodepool", "-h"]);
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/Group\n {4}az aks nodepool : /);
    expect(g.stdout).toMatch(/add +: Add a node pool/);
    const c = await runAz(["aks", "create", "--help"]);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/Command\n {4}az aks create : Create a new managed Kubernetes cluster\./);
    expect(c.stdout).toMatch(/--resource-group -g \[Required\]/);
    expect(c.stdout).toMatch(/--enable-node-public-ip/);
    expect(c.stdout).toContain("Global Arguments");
    const root = await runAz([]);
    expect(root.stdout).toMatch(/Subgroups:[\s\S]*network/);
    expect((await runAz(["network"])).stdout).toMatch(/vnet +: Manage Azure Virtual Networks\./);
  });

  it("prints server errors like az: (Code) Message, Code:, Message:; 404 exits 3", async () => {
    arm.on((r) =>
      is(r, "GET", /resourceGroups\/nope$/)
        ? {
            status: 404,
            body: {
              error: { code: "ResourceGroupNotFound", message: "Resource group 'nope' could not be found." },
            },
          }
        : undefined,
    );
    const r = await runAz(["group", "show", "-n", "nope"], { endpoint: arm.url });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "ERROR: (ResourceGroupNotFound) Resource group 'nope' could not be found.\nCode: ResourceGroupNotFound\nMessage: Resource group 'nope' could not be found.\n",
    );
  });

  it("accepts the flat AKS error body and a target", async () => {
    arm.on((r) =>
      is(r, "PUT", /managedClusters\/c1$/)
        ? {
            status: 400,
            body: {
              code: "ServiceCidrOverlapExistingSubnetsCidr",
              message: "overlap",
              target: "networkProfile.serviceCIDR",
            },
          }
        : undefined,
    );
    arm.on((r) => (is(r, "GET", /resourcegroups\/rg1$/i) ? { body: rgBody("rg1") } : undefined));
    const r = await runAz(["aks", "create", "-g", "rg1", "-n", "c1", "--generate-ssh-keys"], {
      endpoint: arm.url,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "ERROR: (ServiceCidrOverlapExistingSubnetsCidr) overlap\nCode: ServiceCidrOverlapExistingSubnetsCidr\nMessage: overlap\nTarget: networkProfile.serviceCIDR\n",
    );
  });

  it("rejects malformed host ports before sending anything", async () => {
    const r = await runAz(
      ["aks", "create", "-g", "g", "-n", "c", "--nodepool-allowed-host-ports", "80/tcp,80/icmp"],
      { endpoint: arm.url },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: --nodepool-allowed-host-ports must be .*'80\/icmp'/);
    expect(arm.calls()).toHaveLength(0);
  });
});

describe("protocol", () => {
  it("gets one token, caches it across invocations and sends it as a bearer", async () => {
    arm.on((r) => (is(r, "GET", /resourcegroups$/i) ? { body: { value: [rgBody("a")] } } : undefined));
    const home = scratchHome();
    await runAz(["group", "list"], { endpoint: arm.url, home });
    await runAz(["group", "list"], { endpoint: arm.url, home });
    const tokenCalls = arm.requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token"));
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0].path).toMatch(/^\/87654321-4321-4321-4321-210987654321\/oauth2\/v2\.0\/token$/);
    expect(String(tokenCalls[0].body)).toContain("grant_type=client_credentials");
    expect(String(tokenCalls[0].body)).toContain("scope=https%3A%2F%2Fmanagement.azure.com%2F.default");
    expect(arm.calls().every((c) => c.headers.authorization === "Bearer tok-1")).toBe(true);
    expect(arm.calls()[0].query.get("api-version")).toBe("2021-04-01");
  });

  it("retries throttled and transient failures like azure-core", async () => {
    let n = 0;
    arm.on((r) =>
      is(r, "GET", /resourcegroups\/rg1$/i)
        ? ++n < 3
          ? { status: 503, headers: { "retry-after": "1" } }
          : { body: rgBody("rg1") }
        : undefined,
    );
    const r = await runAz(["group", "show", "-n", "rg1", "--query", "name", "-o", "tsv"], {
      endpoint: arm.url,
    });
    expect(r).toMatchObject({ code: 0, stdout: "rg1\n" });
    expect(n).toBe(3);
  });

  it("follows nextLink", async () => {
    arm.on((r, base) => {
      if (!is(r, "GET", /resourcegroups$/i)) return undefined;
      return r.query.get("page") === "2"
        ? { body: { value: [rgBody("b")] } }
        : { body: { value: [rgBody("a")], nextLink: `${base}${r.path}?api-version=2021-04-01&page=2` } };
    });
    const r = await runAz(["group", "list", "--query", "[].name", "-o", "tsv"], { endpoint: arm.url });
    expect(r.stdout).toBe("a\nb\n");
  });

  it("polls Azure-AsyncOperation, then GETs the resource", async () => {
    let polls = 0;
    const pid = `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/publicIPPrefixes/p1`;
    arm.on((r, base) => {
      if (is(r, "GET", /resourcegroups\/rg1$/i)) return { body: rgBody("rg1") };
      if (is(r, "PUT", /publicIPPrefixes\/p1$/))
        return {
          status: 201,
          headers: { "azure-asyncoperation": `${base}/op/1?api-version=2026-01-01`, "retry-after": "10" },
          body: { id: pid, name: "p1", properties: { provisioningState: "Updating" } },
        };
      if (is(r, "GET", /^\/op\/1$/)) return { body: { status: ++polls < 3 ? "InProgress" : "Succeeded" } };
      if (is(r, "GET", /publicIPPrefixes\/p1$/))
        return {
          body: {
            id: pid,
            name: "p1",
            location: "eastus",
            properties: { provisioningState: "Succeeded", prefixLength: 28, ipPrefix: "20.0.0.0/28" },
          },
        };
      return undefined;
    });
    const t0 = Date.now();
    const r = await runAz(
      [
        "network",
        "public-ip",
        "prefix",
        "create",
        "--length",
        "28",
        "--location",
        "eastus",
        "--name",
        "p1",
        "--resource-group",
        "rg1",
      ],
      { endpoint: arm.url },
    );
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.code).toBe(0);
    expect(polls).toBe(3);
    const put = arm.calls().find((c) => c.method === "PUT");
    expect(put?.body).toEqual({
      location: "eastus",
      sku: { name: "Standard", tier: "Regional" },
      properties: { prefixLength: 28, publicIPAddressVersion: "IPv4" },
    });
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ id: pid, ipPrefix: "20.0.0.0/28", prefixLength: 28, resourceGroup: "rg1" });
    expect(r.stderr).toBe("");
  });

  it("shows az's progress spinner only when stderr is a terminal", async () => {
    let polls = 0;
    arm.on((r, base) => {
      if (is(r, "PUT", /routeTables\/rt$/))
        return { status: 201, headers: { "azure-asyncoperation": `${base}/op/3` }, body: {} };
      if (is(r, "GET", /^\/op\/3$/)) return { body: { status: ++polls < 3 ? "InProgress" : "Succeeded" } };
      if (is(r, "GET", /routeTables\/rt$/)) return { body: { name: "rt" } };
      return undefined;
    });
    const tty = await runAz(["network", "route-table", "create", "-g", "rg1", "-n", "rt", "-l", "eastus"], {
      endpoint: arm.url,
      tty: true,
    });
    expect(tty.stderr).toContain(" - Running ..");
    expect(tty.stderr.endsWith("\r\x1b[K")).toBe(true);
    polls = 0;
    const piped = await runAz(["network", "route-table", "create", "-g", "rg1", "-n", "rt", "-l", "eastus"], {
      endpoint: arm.url,
    });
    expect(piped.stderr).toBe("");
  });

  it("reports a failed long-running operation", async () => {
    arm.on((r, base) => {
      if (is(r, "PUT", /routeTables\/rt$/))
        return { status: 201, headers: { "azure-asyncoperation": `${base}/op/2` }, body: {} };
      if (is(r, "GET", /^\/op\/2$/))
        return { body: { status: "Failed", error: { code: "RouteTableInUse", message: "busy" } } };
      return undefined;
    });
    const r = await runAz(["network", "route-table", "create", "-g", "rg1", "-n", "rt", "-l", "eastus"], {
      endpoint: arm.url,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ERROR: (RouteTableInUse) busy\nCode: RouteTableInUse\nMessage: busy\n");
  });

  it("polls the Location of a 202 DELETE; --no-wait returns after the first response", async () => {
    let polls = 0;
    arm.on((r, base) => {
      if (is(r, "DELETE", /managedClusters\/c1$/))
        return { status: 202, headers: { location: `${base}/loc/1` } };
      if (is(r, "GET", /^\/loc\/1$/))
        return ++polls < 2 ? { status: 202, headers: { location: `${base}/loc/1` } } : { status: 204 };
      return undefined;
    });
    const r = await runAz(["aks", "delete", "-g", "rg1", "-n", "c1", "--yes"], { endpoint: arm.url });
    expect(r).toMatchObject({ code: 0, stdout: "" });
    expect(polls).toBe(2);
    polls = 0;
    const nw = await runAz(["aks", "delete", "-g", "rg1", "-n", "c1", "-y", "--no-wait"], {
      endpoint: arm.url,
    });
    expect(nw).toMatchObject({ code: 0, stdout: "" });
    expect(polls).toBe(0);
  });

  it("refuses to delete without --yes when there is no terminal, and asks when there is", async () => {
    const r = await runAz(["group", "delete", "-n", "rg1"], { endpoint: arm.url });
    expect(r).toMatchObject({
      code: 1,
      stderr: "ERROR: Unable to prompt for confirmation as no tty available. Use --yes.\n",
    });
    const no = await runAz(["group", "delete", "-n", "rg1"], { endpoint: arm.url, answer: "n" });
    expect(no.code).toBe(0);
    expect(arm.calls().filter((c) => c.method === "DELETE")).toHaveLength(0);
  });
});

describe("commands", () => {
  it("group create / exists / show -o table", async () => {
    arm.on((r) => {
      if (is(r, "PUT", /resourcegroups\/myResourceGroup$/i))
        return { status: 201, body: rgBody("myResourceGroup") };
      if (is(r, "HEAD", /resourcegroups\/myResourceGroup$/i)) return { status: 204 };
      if (is(r, "HEAD", /resourcegroups\/other$/i)) return { status: 404 };
      if (is(r, "GET", /resourcegroups\/myResourceGroup$/i)) return { body: rgBody("myResourceGroup") };
      return undefined;
    });
    const c = await runAz(["group", "create", "--name", "myResourceGroup", "--location", "eastus"], {
      endpoint: arm.url,
    });
    expect(arm.calls()[0]).toMatchObject({
      method: "PUT",
      path: `/subscriptions/${SUB}/resourceGroups/myResourceGroup`,
      body: { location: "eastus" },
    });
    expect(JSON.parse(c.stdout)).toEqual(rgBody("myResourceGroup"));
    expect((await runAz(["group", "exists", "-n", "myResourceGroup"], { endpoint: arm.url })).stdout).toBe(
      "true\n",
    );
    expect((await runAz(["group", "exists", "-n", "other"], { endpoint: arm.url })).stdout).toBe("false\n");
    const t = await runAz(["group", "show", "-n", "myResourceGroup", "-o", "table"], { endpoint: arm.url });
    expect(t.stdout).toBe(
      "Name             Location    Status\n---------------  ----------  ---------\nmyResourceGroup  eastus      Succeeded\n",
    );
  });

  it("vnet create with an inline subnet prints {newVNet}; subnet show --query id -o tsv (seed 002)", async () => {
    const vnetId = `/subscriptions/${SUB}/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myAKSVnet`;
    arm.on((r) => {
      if (is(r, "PUT", /virtualNetworks\/myAKSVnet$/))
        return {
          status: 201,
          body: {
            id: vnetId,
            name: "myAKSVnet",
            ...(r.body as object),
            properties: { ...(r.body as { properties: object }).properties, provisioningState: "Succeeded" },
          },
        };
      if (is(r, "GET", /virtualNetworks\/myAKSVnet$/))
        return {
          body: {
            id: vnetId,
            name: "myAKSVnet",
            location: "eastus",
            properties: {
              provisioningState: "Succeeded",
              addressSpace: { addressPrefixes: ["192.168.0.0/16"] },
              subnets: [
                {
                  id: `${vnetId}/subnets/myAKSSubnet`,
                  name: "myAKSSubnet",
                  properties: { addressPrefix: "192.168.1.0/24" },
                },
              ],
            },
          },
        };
      if (is(r, "GET", /subnets\/myAKSSubnet$/))
        return {
          body: {
            id: `${vnetId}/subnets/myAKSSubnet`,
            name: "myAKSSubnet",
            properties: { addressPrefix: "192.168.1.0/24" },
          },
        };
      return undefined;
    });
    const r = await runAz(
      [
        "network",
        "vnet",
        "create",
        "--resource-group",
        "myResourceGroup",
        "--name",
        "myAKSVnet",
        "--address-prefixes",
        "192.168.0.0/16",
        "--subnet-name",
        "myAKSSubnet",
        "--subnet-prefix",
        "192.168.1.0/24",
        "--location",
        "eastus",
      ],
      { endpoint: arm.url },
    );
    expect(r.code).toBe(0);
    expect(arm.calls()[0].body).toEqual({
      location: "eastus",
      properties: {
        addressSpace: { addressPrefixes: ["192.168.0.0/16"] },
        subnets: [{ name: "myAKSSubnet", properties: { addressPrefix: "192.168.1.0/24" } }],
      },
    });
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["newVNet"]);
    expect(out.newVNet).toMatchObject({
      id: vnetId,
      resourceGroup: "myResourceGroup",
      subnets: [{ name: "myAKSSubnet", addressPrefix: "192.168.1.0/24" }],
    });
    const s = await runAz(
      [
        "network",
        "vnet",
        "subnet",
        "show",
        "--resource-group",
        "myResourceGroup",
        "--vnet-name",
        "myAKSVnet",
        "--name",
        "myAKSSubnet",
        "--query",
        "id",
        "-o",
        "tsv",
      ],
      { endpoint: arm.url },
    );
    expect(s.stdout).toBe(`${vnetId}/subnets/myAKSSubnet\n`);
    const v = await runAz(["network", "vnet", "show", "--ids", vnetId, "--query", "id", "-o", "tsv"], {
      endpoint: arm.url,
    });
    expect(v.stdout).toBe(`${vnetId}\n`);
  });

  it("aks create (seed 003) looks up the group's location, generates ssh keys and PUTs the cluster", async () => {
    const home = scratchHome();
    arm.on((r) => {
      if (is(r, "GET", /resourcegroups\/MyResourceGroup2$/i)) return { body: rgBody("MyResourceGroup2") };
      // A PUT answered with a terminal provisioningState and no polling headers is final (no GET follows).
      if (is(r, "PUT", /managedClusters\/MyManagedCluster$/))
        return {
          status: 201,
          body: {
            id: `/subscriptions/${SUB}/resourcegroups/MyResourceGroup2/providers/Microsoft.ContainerService/managedClusters/MyManagedCluster`,
            name: "MyManagedCluster",
            location: "eastus",
            properties: {
              provisioningState: "Succeeded",
              agentPoolProfiles: [
                { name: "nodepool1", count: 3, enableNodePublicIP: true, vnetSubnetID: null },
              ],
              networkProfile: { dnsServiceIP: "10.0.0.10" },
            },
          },
        };
      return undefined;
    });
    const r = await runAz(
      [
        "aks",
        "create",
        "--resource-group",
        "MyResourceGroup2",
        "--name",
        "MyManagedCluster",
        "--location",
        "eastus",
        "--enable-node-public-ip",
        "--generate-ssh-keys",
      ],
      { endpoint: arm.url, home },
    );
    expect(r.code).toBe(0);
    const pub = fs.readFileSync(path.join(home, ".ssh", "id_rsa.pub"), "utf8");
    expect(pub).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+$/);
    expect(fs.readFileSync(path.join(home, ".ssh", "id_rsa"), "utf8")).toContain("BEGIN RSA PRIVATE KEY");
    expect(r.stderr).toMatch(/^WARNING: SSH key files .* have been generated/);
    const put = arm.calls().find((c) => c.method === "PUT");
    expect(put?.path).toBe(
      `/subscriptions/${SUB}/resourceGroups/MyResourceGroup2/providers/Microsoft.ContainerService/managedClusters/MyManagedCluster`,
    );
    expect(put?.query.get("api-version")).toBe("2026-06-01");
    expect(put?.body).toMatchObject({
      location: "eastus",
      identity: { type: "SystemAssigned" },
      properties: {
        dnsPrefix: "MyManagedC-MyResourceGroup2-123456",
        agentPoolProfiles: [{ name: "nodepool1", count: 3, mode: "System", enableNodePublicIP: true }],
        linuxProfile: { ssh: { publicKeys: [{ keyData: pub }] } },
      },
    });
    // The Python SDK's attribute names, flattened; resourcegroups in lower case gets no resourceGroup (as az).
    const out = JSON.parse(r.stdout);
    expect(out.agentPoolProfiles[0]).toEqual({ name: "nodepool1", count: 3, enableNodePublicIp: true });
    expect(out.networkProfile).toEqual({ dnsServiceIp: "10.0.0.10" });
    // Existing key files are reused on the next create.
    const again = await runAz(
      [
        "aks",
        "create",
        "-g",
        "MyResourceGroup2",
        "-n",
        "MyManagedCluster",
        "--generate-ssh-keys",
        "--no-wait",
      ],
      { endpoint: arm.url, home },
    );
    expect(again).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it("aks create without any key and without --generate-ssh-keys creates the cluster without SSH, with a warning", async () => {
    arm.on((r) => (is(r, "GET", /resourcegroups\/g$/i) ? { body: rgBody("g") } : undefined));
    let sent: { properties?: { linuxProfile?: unknown } } | undefined;
    arm.on((r) => {
      if (!is(r, "PUT", /managedClusters\/c$/i)) return undefined;
      sent = r.body as typeof sent;
      return { status: 201, body: { id: "x", name: "c", properties: { provisioningState: "Succeeded" } } };
    });
    const r = await runAz(["aks", "create", "-g", "g", "-n", "c", "--no-wait"], { endpoint: arm.url });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/WARNING: No SSH public key at .*id_rsa\.pub and --generate-ssh-keys not given/);
    expect(sent?.properties).toMatchObject({
      agentPoolProfiles: [expect.objectContaining({ name: "nodepool1" })],
    });
    expect(sent?.properties?.linuxProfile).toBeUndefined();
  });

  it("aks create with a --ssh-key-value path that does not exist fails like az", async () => {
    arm.on((r) => (is(r, "GET", /resourcegroups\/g$/i) ? { body: rgBody("g") } : undefined));
    const r = await runAz(["aks", "create", "-g", "g", "-n", "c", "--ssh-key-value", "/nope/key.pub"], {
      endpoint: arm.url,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Provided ssh key \(\/nope\/key\.pub\) is invalid or non-existent/);
  });

  it("aks create --assign-identity --vnet-subnet-id grants Network Contributor on the subnet first (seed 002)", async () => {
    const subnet = `/subscriptions/${SUB}/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet`;
    const uami = `/subscriptions/${SUB}/resourceGroups/myResourceGroup/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity`;
    const ncId = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7`;
    arm.on((r) => {
      if (is(r, "GET", /resourcegroups\/myResourceGroup$/i)) return { body: rgBody("myResourceGroup") };
      if (is(r, "GET", /userAssignedIdentities\/myIdentity$/))
        return { body: { id: uami, properties: { principalId: "p-123", clientId: "c-1" } } };
      if (is(r, "GET", /subnets\/myAKSSubnet\/providers\/Microsoft.Authorization\/roleAssignments$/))
        return { body: { value: [] } };
      if (is(r, "GET", /roleDefinitions$/))
        return { body: { value: [{ id: ncId, properties: { roleName: "Network Contributor" } }] } };
      if (is(r, "PUT", /roleAssignments\/[0-9a-f-]{36}$/))
        return { status: 201, body: { id: r.path, properties: r.body } };
      if (is(r, "PUT", /managedClusters\/myAKSCluster$/))
        return { status: 201, body: { properties: { provisioningState: "Succeeded" } } };
      if (is(r, "GET", /managedClusters\/myAKSCluster$/)) return { body: { name: "myAKSCluster" } };
      return undefined;
    });
    const r = await runAz(
      [
        "aks",
        "create",
        "--resource-group",
        "myResourceGroup",
        "--name",
        "myAKSCluster",
        "--node-count",
        "3",
        "--network-plugin",
        "kubenet",
        "--vnet-subnet-id",
        subnet,
        "--assign-identity",
        uami,
        "--generate-ssh-keys",
      ],
      { endpoint: arm.url },
    );
    expect(r.code).toBe(0);
    const seq = arm.calls().map((c) => `${c.method} ${c.path.replace(/^.*\/providers\//, "")}`);
    expect(seq).toEqual([
      "GET /subscriptions/12345678-1234-1234-1234-123456789012/resourceGroups/myResourceGroup",
      "GET Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity",
      "GET Microsoft.Authorization/roleAssignments",
      "GET Microsoft.Authorization/roleDefinitions",
      expect.stringMatching(/^PUT Microsoft.Authorization\/roleAssignments\/[0-9a-f-]{36}$/),
      "PUT Microsoft.ContainerService/managedClusters/myAKSCluster",
    ]);
    const ra = arm.calls().find((c) => is(c, "PUT", /roleAssignments/));
    expect(ra?.path.startsWith(`${subnet}/providers/Microsoft.Authorization/roleAssignments/`)).toBe(true);
    expect(ra?.body).toEqual({
      properties: { roleDefinitionId: ncId, principalId: "p-123", principalType: "ServicePrincipal" },
    });
    expect(
      arm
        .calls()
        .find((c) => is(c, "GET", /roleDefinitions$/))
        ?.query.get("$filter"),
    ).toBe("roleName eq 'Network Contributor'");
  });

  it("aks nodepool add refuses a duplicate name and PUTs the gateway pool (seed 001)", async () => {
    arm.on((r, base) => {
      if (is(r, "GET", /agentPools$/)) return { body: { value: [{ name: "nodepool1" }] } };
      if (is(r, "PUT", /agentPools\/gw$/))
        return {
          status: 201,
          headers: { "azure-asyncoperation": `${base}/op/gw` },
          body: { properties: { provisioningState: "Creating" } },
        };
      if (is(r, "GET", /^\/op\/gw$/)) return { body: { status: "Succeeded" } };
      if (is(r, "GET", /agentPools\/gw$/))
        return {
          body: {
            id: "/x",
            name: "gw",
            properties: { mode: "Gateway", count: 2, gatewayProfile: { publicIPPrefixSize: 30 } },
          },
        };
      return undefined;
    });
    const dup = await runAz(["aks", "nodepool", "add", "-g", "g", "--cluster-name", "c", "-n", "nodepool1"], {
      endpoint: arm.url,
    });
    expect(dup.stderr).toMatch(/Node pool nodepool1 already exists/);
    const r = await runAz(
      [
        "aks",
        "nodepool",
        "add",
        "--cluster-name",
        "c",
        "--name",
        "gw",
        "--resource-group",
        "g",
        "--mode",
        "gateway",
        "--node-count",
        "2",
        "--gateway-prefix-size",
        "30",
      ],
      { endpoint: arm.url },
    );
    expect(r.code).toBe(0);
    expect(arm.calls().find((c) => c.method === "PUT")?.body).toEqual({
      properties: {
        count: 2,
        vmSize: "Standard_DS2_v2",
        osType: "Linux",
        type: "VirtualMachineScaleSets",
        mode: "Gateway",
        orchestratorVersion: "",
        enableNodePublicIP: false,
        enableAutoScaling: false,
        gatewayProfile: { publicIPPrefixSize: 30 },
      },
    });
    expect(JSON.parse(r.stdout)).toMatchObject({
      mode: "Gateway",
      gatewayProfile: { publicIpPrefixSize: 30 },
    });
  });

  it("aks update --disable-static-egress-gateway GETs and PUTs the cluster", async () => {
    arm.on((r) => {
      if (is(r, "GET", /managedClusters\/c$/))
        return {
          body: {
            name: "c",
            location: "eastus",
            properties: {
              provisioningState: "Succeeded",
              networkProfile: { networkPlugin: "kubenet", staticEgressGatewayProfile: { enabled: true } },
            },
          },
        };
      if (is(r, "PUT", /managedClusters\/c$/))
        return { body: { properties: { provisioningState: "Succeeded" } } };
      return undefined;
    });
    const r = await runAz(["aks", "update", "-n", "c", "-g", "g", "--disable-static-egress-gateway"], {
      endpoint: arm.url,
    });
    expect(r.code).toBe(0);
    expect(arm.calls().find((c) => c.method === "PUT")?.body).toMatchObject({
      properties: {
        networkProfile: { networkPlugin: "kubenet", staticEgressGatewayProfile: { enabled: false } },
      },
    });
  });

  it("aks nodepool update --allowed-host-ports / --asg-ids", async () => {
    const asg = `/subscriptions/${SUB}/resourceGroups/g/providers/Microsoft.Network/applicationSecurityGroups/a`;
    arm.on((r) => {
      if (is(r, "GET", /agentPools\/np$/))
        return {
          body: { name: "np", properties: { count: 3, mode: "User", provisioningState: "Succeeded" } },
        };
      if (is(r, "PUT", /agentPools\/np$/))
        return { body: { properties: { provisioningState: "Succeeded" } } };
      return undefined;
    });
    const r = await runAz(
      [
        "aks",
        "nodepool",
        "update",
        "-g",
        "g",
        "--cluster-name",
        "c",
        "--name",
        "np",
        "--allowed-host-ports",
        "80/tcp,53/udp",
        "--asg-ids",
        asg,
      ],
      { endpoint: arm.url },
    );
    expect(r.code).toBe(0);
    expect(arm.calls().find((c) => c.method === "PUT")?.body).toEqual({
      properties: {
        count: 3,
        mode: "User",
        networkProfile: {
          allowedHostPorts: [
            { portStart: 80, portEnd: 80, protocol: "TCP" },
            { portStart: 53, portEnd: 53, protocol: "UDP" },
          ],
          applicationSecurityGroups: [asg],
        },
      },
    });
  });

  it("aks nodepool scale and aks scale set the count", async () => {
    arm.on((r) => {
      if (is(r, "GET", /agentPools\/gw$/))
        return { body: { name: "gw", properties: { count: 2, mode: "Gateway" } } };
      if (is(r, "PUT", /agentPools\/gw$/)) return { body: {} };
      if (is(r, "GET", /managedClusters\/c$/))
        return {
          body: {
            properties: {
              agentPoolProfiles: [
                { name: "nodepool1", count: 3 },
                { name: "np2", count: 1 },
              ],
            },
          },
        };
      if (is(r, "PUT", /managedClusters\/c$/)) return { body: {} };
      return undefined;
    });
    expect(
      (
        await runAz(
          ["aks", "nodepool", "scale", "--cluster-name", "c", "-g", "g", "-n", "gw", "--node-count", "2"],
          { endpoint: arm.url },
        )
      ).stderr,
    ).toMatch(/The new node count is the same as the current node count/);
    await runAz(
      ["aks", "nodepool", "scale", "--cluster-name", "c", "-g", "g", "-n", "gw", "--node-count", "4"],
      { endpoint: arm.url },
    );
    expect(arm.calls().find((c) => is(c, "PUT", /agentPools\/gw$/))?.body).toEqual({
      properties: { count: 4, mode: "Gateway" },
    });
    const amb = await runAz(["aks", "scale", "-g", "g", "-n", "c", "-c", "5"], { endpoint: arm.url });
    expect(amb.stderr).toMatch(/more than one node pool/);
    await runAz(["aks", "scale", "-g", "g", "-n", "c", "-c", "5", "--nodepool-name", "np2"], {
      endpoint: arm.url,
    });
    expect(arm.calls().find((c) => is(c, "PUT", /managedClusters\/c$/))?.body).toMatchObject({
      properties: {
        agentPoolProfiles: [
          { name: "nodepool1", count: 3 },
          { name: "np2", count: 5 },
        ],
      },
    });
  });

  it("without -g or a default group, takes the group of the only cluster with that name (seed 001 verbatim)", async () => {
    const cluster = (rg: string, name: string) => ({
      id: `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`,
      name,
    });
    arm.on((r) =>
      is(r, "GET", /providers\/Microsoft\.ContainerService\/managedClusters$/)
        ? { body: { value: [cluster("rgA", "only"), cluster("rgB", "twin"), cluster("rgC", "twin")] } }
        : undefined,
    );
    arm.on((r) =>
      is(r, "GET", /resourceGroups\/rgA\/.*agentPools\/gw$/)
        ? { body: { name: "gw", properties: { count: 2 } } }
        : undefined,
    );
    arm.on((r) =>
      is(r, "PUT", /resourceGroups\/rgA\/.*agentPools\/gw$/)
        ? { body: { name: "gw", properties: { count: 3 } } }
        : undefined,
    );
    const home = scratchHome();
    const ok = await runAz(
      ["aks", "nodepool", "scale", "--cluster-name", "only", "-n", "gw", "--node-count", "3", "-o", "none"],
      {
        endpoint: arm.url,
        home,
      },
    );
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain("using 'rgA', the resource group of the only cluster named 'only'");
    expect(
      arm.requests.some((r) => r.method === "PUT" && /resourceGroups\/rgA\/.*agentPools\/gw$/.test(r.path)),
    ).toBe(true);
    // two clusters share the name: az's own error, nothing sent
    const twin = await runAz(
      ["aks", "nodepool", "scale", "--cluster-name", "twin", "-n", "gw", "--node-count", "3"],
      {
        endpoint: arm.url,
        home,
      },
    );
    expect(twin).toMatchObject({
      code: 2,
      stderr: "ERROR: the following arguments are required: --resource-group/-g\n",
    });
    const none = await runAz(["aks", "show", "-n", "missing"], { endpoint: arm.url, home });
    expect(none).toMatchObject({
      code: 2,
      stderr: "ERROR: the following arguments are required: --resource-group/-g\n",
    });
  });

  it("az configure --defaults group=… fills -g for seed lines that omit it (seed 001 nodepool scale/delete)", async () => {
    arm.on((r) => {
      if (is(r, "GET", /resourceGroups\/myRG\/.*agentPools\/gw$/))
        return { body: { name: "gw", properties: { count: 2, mode: "Gateway" } } };
      if (is(r, "PUT", /agentPools\/gw$/)) return { body: {} };
      if (is(r, "DELETE", /agentPools\/gw$/)) return { status: 204 };
      if (is(r, "GET", /agentPools$/)) return { body: { value: [{ name: "gw" }] } };
      return undefined;
    });
    const home = scratchHome();
    expect(
      (
        await runAz(["aks", "nodepool", "scale", "--cluster-name", "c", "-n", "gw", "--node-count", "4"], {
          endpoint: arm.url,
          home,
        })
      ).stderr,
    ).toBe("ERROR: the following arguments are required: --resource-group/-g\n");
    expect((await runAz(["configure", "--defaults", "group=myRG"], { home })).code).toBe(0);
    expect(
      (
        await runAz(["aks", "nodepool", "scale", "--cluster-name", "c", "-n", "gw", "--node-count", "4"], {
          endpoint: arm.url,
          home,
        })
      ).code,
    ).toBe(0);
    expect(
      (
        await runAz(["aks", "nodepool", "delete", "--cluster-name", "c", "-n", "gw"], {
          endpoint: arm.url,
          home,
        })
      ).code,
    ).toBe(0);
    // the first call looked for a cluster named 'c' to infer -g (none: az's error); then the default group
    expect(arm.calls().map((c) => `${c.method} ${c.path.split("/").slice(-2).join("/")}`)).toEqual([
      "GET Microsoft.ContainerService/managedClusters",
      "GET agentPools/gw",
      "PUT agentPools/gw",
      "GET c/agentPools",
      "DELETE agentPools/gw",
    ]);
    const env = { AZURE_DEFAULTS_GROUP: "other" };
    await runAz(["aks", "nodepool", "delete", "--cluster-name", "c", "-n", "gw"], { endpoint: arm.url, env });
    expect(arm.calls().at(-1)?.path).toMatch(/resourceGroups\/other\//);
  });

  it("vmss list-instance-public-ips keeps the entries that have an address", async () => {
    arm.on((r) => {
      if (is(r, "GET", /virtualMachineScaleSets\/aks-nodepool1-1-vmss$/))
        return { body: { name: "aks-nodepool1-1-vmss" } };
      if (is(r, "GET", /publicipaddresses$/))
        return {
          body: {
            value: [
              {
                id: `/subscriptions/${SUB}/resourceGroups/MC_g_c_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/v/virtualMachines/0/networkInterfaces/n/ipConfigurations/i/publicIPAddresses/p`,
                name: "p",
                properties: { ipAddress: "20.0.0.4", publicIPAllocationMethod: "Static" },
              },
              { name: "q", properties: {} },
            ],
          },
        };
      return undefined;
    });
    const r = await runAz(
      ["vmss", "list-instance-public-ips", "-g", "MC_g_c_eastus", "-n", "aks-nodepool1-1-vmss"],
      { endpoint: arm.url },
    );
    expect(arm.calls()[1].query.get("api-version")).toBe("2018-10-01");
    const out = JSON.parse(r.stdout);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      ipAddress: "20.0.0.4",
      publicIpAllocationMethod: "Static",
      resourceGroup: "MC_g_c_eastus",
    });
    const t = await runAz(
      [
        "vmss",
        "list-instance-public-ips",
        "-g",
        "MC_g_c_eastus",
        "-n",
        "aks-nodepool1-1-vmss",
        "--query",
        "[].ipAddress",
        "-o",
        "tsv",
      ],
      { endpoint: arm.url },
    );
    expect(t.stdout).toBe("20.0.0.4\n");
  });

  it("feature register prints the FeatureResult and az's warning; provider register warns while registering", async () => {
    const fid = `/subscriptions/${SUB}/providers/Microsoft.Features/providers/Microsoft.ContainerService/features/StaticEgressGatewayPreview`;
    arm.on((r) => {
      if (is(r, "POST", /features\/StaticEgressGatewayPreview\/register$/))
        return {
          body: {
            id: fid,
            name: "Microsoft.ContainerService/StaticEgressGatewayPreview",
            type: "Microsoft.Features/providers/features",
            properties: { state: "Registering" },
          },
        };
      if (is(r, "POST", /providers\/Microsoft.ContainerService\/register$/))
        return { body: { namespace: "Microsoft.ContainerService", registrationState: "Registering" } };
      return undefined;
    });
    const f = await runAz(
      [
        "feature",
        "register",
        "--namespace",
        "Microsoft.ContainerService",
        "--name",
        "StaticEgressGatewayPreview",
      ],
      { endpoint: arm.url },
    );
    expect(JSON.parse(f.stdout)).toEqual({
      id: fid,
      name: "Microsoft.ContainerService/StaticEgressGatewayPreview",
      properties: { state: "Registering" },
      type: "Microsoft.Features/providers/features",
    });
    expect(f.stderr).toBe(
      "WARNING: Once the feature 'StaticEgressGatewayPreview' is registered, invoking 'az provider register -n Microsoft.ContainerService' is required to get the change propagated\n",
    );
    const p = await runAz(["provider", "register", "--namespace", "Microsoft.ContainerService"], {
      endpoint: arm.url,
    });
    expect(p).toMatchObject({
      code: 0,
      stdout: "",
      stderr:
        "WARNING: Registering is still on-going. You can monitor using 'az provider show -n Microsoft.ContainerService'\n",
    });
  });

  it("extension add/list/remove need no emulator", async () => {
    const home = scratchHome();
    expect((await runAz(["extension", "add", "--name", "aks-preview"], { home })).code).toBe(0);
    expect((await runAz(["extension", "update", "--name", "aks-preview"], { home })).code).toBe(0);
    const l = await runAz(["extension", "list", "--query", "[].name", "-o", "tsv"], { home });
    expect(l.stdout).toBe("aks-preview\n");
    expect((await runAz(["extension", "remove", "-n", "aks-preview"], { home })).code).toBe(0);
    expect((await runAz(["extension", "update", "-n", "aks-preview"], { home })).stderr).toBe(
      "ERROR: The extension aks-preview is not installed.\n",
    );
  });

  it("login --service-principal sends the credentials and lists subscriptions; account show/set", async () => {
    arm.on((r) =>
      is(r, "GET", /^\/subscriptions$/)
        ? {
            body: {
              value: [
                {
                  id: `/subscriptions/${SUB}`,
                  subscriptionId: SUB,
                  displayName: "Local Sub",
                  state: "Enabled",
                  tenantId: "t1",
                },
                {
                  id: "/subscriptions/22222222-2222-2222-2222-222222222222",
                  subscriptionId: "22222222-2222-2222-2222-222222222222",
                  displayName: "Second",
                  state: "Enabled",
                  tenantId: "t1",
                },
              ],
            },
          }
        : undefined,
    );
    const home = scratchHome();
    const l = await runAz(["login", "--service-principal", "-u", "app-1", "-p", "s3cret", "--tenant", "t1"], {
      endpoint: arm.url,
      home,
    });
    expect(l.code).toBe(0);
    expect(String(arm.requests[0].body)).toContain("client_id=app-1&client_secret=s3cret");
    const subs = JSON.parse(l.stdout);
    expect(subs[0]).toEqual({
      cloudName: "AzureCloud",
      homeTenantId: "t1",
      id: SUB,
      isDefault: true,
      managedByTenants: [],
      name: "Local Sub",
      state: "Enabled",
      tenantId: "t1",
      user: { name: "app-1", type: "servicePrincipal" },
    });
    await runAz(["account", "set", "-s", "Second"], { endpoint: arm.url, home });
    const s = await runAz(["account", "show", "--query", "{id:id, name:name}", "-o", "tsv"], {
      endpoint: arm.url,
      home,
    });
    expect(s.stdout).toBe("22222222-2222-2222-2222-222222222222\tSecond\n");
    arm.on((r) => (is(r, "GET", /resourcegroups$/i) ? { body: { value: [] } } : undefined));
    await runAz(["group", "list"], { endpoint: arm.url, home });
    expect(arm.calls().at(-1)?.path).toBe(
      "/subscriptions/22222222-2222-2222-2222-222222222222/resourcegroups",
    );
    await runAz(["group", "list", "--subscription", SUB], { endpoint: arm.url, home });
    expect(arm.calls().at(-1)?.path).toBe(`/subscriptions/${SUB}/resourcegroups`);
  });

  it("aks get-credentials merges into the kubeconfig and prints with --file -", async () => {
    const kc = (server: string) =>
      Buffer.from(
        `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: ${server}\n  name: c1\ncontexts:\n- context:\n    cluster: c1\n    user: clusterUser_rg_c1\n  name: c1\ncurrent-context: c1\nusers:\n- name: clusterUser_rg_c1\n  user:\n    token: abc\n`,
      ).toString("base64");
    let server = "https://c1.hcp.local:443";
    arm.on((r) =>
      is(r, "POST", /listClusterUserCredential$/)
        ? { body: { kubeconfigs: [{ name: "clusterUser", value: kc(server) }] } }
        : undefined,
    );
    const home = scratchHome();
    const kube = path.join(home, ".kube", "config");
    fs.mkdirSync(path.dirname(kube), { recursive: true });
    fs.writeFileSync(
      kube,
      "apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: 'https://o'}\ncontexts: []\nusers: []\ncurrent-context: ''\n",
      { mode: 0o600 },
    );
    const r = await runAz(["aks", "get-credentials", "-g", "rg", "-n", "c1"], { endpoint: arm.url, home });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`WARNING: Merged "c1" as current context in ${kube}\n`);
    const merged = parseYaml(fs.readFileSync(kube, "utf8"));
    expect(merged["current-context"]).toBe("c1");
    expect(merged.clusters.map((c: { name: string }) => c.name)).toEqual(["other", "c1"]);
    // Same content again: replaced silently. Different content: az's conflict error.
    expect(
      (await runAz(["aks", "get-credentials", "-g", "rg", "-n", "c1"], { endpoint: arm.url, home })).code,
    ).toBe(0);
    server = "https://changed:443";
    const conflict = await runAz(["aks", "get-credentials", "-g", "rg", "-n", "c1"], {
      endpoint: arm.url,
      home,
    });
    expect(conflict).toMatchObject({
      code: 1,
      stderr: "ERROR: A different object named c1 already exists in clusters in your kubeconfig file.\n",
    });
    const ow = await runAz(["aks", "get-credentials", "-g", "rg", "-n", "c1", "--overwrite-existing"], {
      endpoint: arm.url,
      home,
    });
    expect(ow.code).toBe(0);
    expect(parseYaml(fs.readFileSync(kube, "utf8")).clusters[1].cluster.server).toBe("https://changed:443");
    const dash = await runAz(["aks", "get-credentials", "-g", "rg", "-n", "c1", "--file", "-"], {
      endpoint: arm.url,
      home,
    });
    expect(dash.stdout).toContain("server: https://changed:443");
  });
});
