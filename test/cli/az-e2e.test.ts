// `aksnet az` against a real emulator (HTTPS, its own CA): the seeds' command lines, verbatim.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEmulator } from "../helpers/emulator.js";
import { startTestEmulator } from "../helpers/emulator.js";
import type { RunResult } from "./fake-arm.js";
import { runAz, scratchHome } from "./fake-arm.js";

let emu: TestEmulator;
let home: string;

beforeAll(async () => {
  emu = await startTestEmulator();
  home = scratchHome();
  // What `aksnet start` writes; the front-end finds the emulator through it.
  const dataDir = path.join(home, ".aksnet");
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(
    path.join(dataDir, "aksnet.json"),
    JSON.stringify({
      armEndpoint: emu.url,
      caFile: emu.caFile,
      tenantId: emu.tenantId,
      subscriptionId: emu.subscriptionId,
      pid: process.pid,
    }),
  );
});

afterAll(async () => {
  await emu?.close();
  if (emu) fs.rmSync(emu.dataDir, { recursive: true, force: true });
});

/** Runs a command line as a user would type it (whitespace-split; quotes are the shell's job). */
async function az(line: string): Promise<RunResult> {
  const args = line.trim().split(/\s+/).slice(1);
  return runAz(args, { home, env: { AKSNET_DATA_DIR: path.join(home, ".aksnet") } });
}

async function ok(line: string): Promise<RunResult> {
  const r = await az(line);
  if (r.code !== 0) throw new Error(`${line}\nexit ${r.code}\n${r.stderr}`);
  return r;
}

describe("resource groups, features, providers", () => {
  it("group create / show / exists / list / delete", async () => {
    const c = await ok("az group create --name myResourceGroup2 --location eastus");
    expect(JSON.parse(c.stdout)).toMatchObject({
      name: "myResourceGroup2",
      location: "eastus",
      properties: { provisioningState: "Succeeded" },
    });
    expect((await ok("az group exists -n myResourceGroup2")).stdout).toBe("true\n");
    expect((await ok("az group show -n myresourcegroup2 --query location -o tsv")).stdout).toBe("eastus\n");
    expect((await ok("az group list --query [].name -o tsv")).stdout).toContain("myResourceGroup2");
    const missing = await az("az group show -n doesNotExist");
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(
      /^ERROR: \(ResourceGroupNotFound\) Resource group 'doesNotExist' could not be found\.\nCode: ResourceGroupNotFound\n/,
    );
    await ok("az group create -n tmpGroup -l eastus");
    await ok("az group delete -n tmpGroup --yes");
    expect((await ok("az group exists -n tmpGroup")).stdout).toBe("false\n");
  });

  it("feature register / show / list and provider register / show (seeds 001, 003)", async () => {
    const r = await ok(
      'az feature register --namespace "Microsoft.ContainerService" --name "StaticEgressGatewayPreview"'.replace(
        /"/g,
        "",
      ),
    );
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: "Microsoft.ContainerService/StaticEgressGatewayPreview",
      properties: { state: expect.stringMatching(/^(Registering|Registered)$/) },
    });
    expect(r.stderr).toContain("az provider register -n Microsoft.ContainerService");
    const s = await ok(
      "az feature show --namespace Microsoft.ContainerService --name StaticEgressGatewayPreview --query properties.state -o tsv",
    );
    expect(s.stdout).toMatch(/^(Registering|Registered)\n$/);
    const l = await ok("az feature list --namespace Microsoft.ContainerService -o tsv --query [].name");
    expect(l.stdout).toContain("Microsoft.ContainerService/StaticEgressGatewayPreview");
    await ok("az provider register --namespace Microsoft.ContainerService");
    const p = await ok("az provider show -n Microsoft.ContainerService --query namespace -o tsv");
    expect(p.stdout).toBe("Microsoft.ContainerService\n");
  });

  it("account show / list use the emulator's subscription", async () => {
    const s = JSON.parse((await ok("az account show")).stdout);
    expect(s).toMatchObject({ id: emu.subscriptionId, isDefault: true, tenantId: emu.tenantId });
    const l = await ok("az account list -o table");
    expect(l.stdout).toMatch(/^Name +CloudName +SubscriptionId +TenantId +State +IsDefault\n/);
  });

  it("account get-access-token prints a token the emulator's ARM accepts, and one for Microsoft Graph", async () => {
    const t = JSON.parse((await ok("az account get-access-token")).stdout);
    expect(Object.keys(t).sort()).toEqual([
      "accessToken",
      "expiresOn",
      "expires_on",
      "subscription",
      "tenant",
      "tokenType",
    ]);
    expect(t).toMatchObject({ subscription: emu.subscriptionId, tenant: emu.tenantId, tokenType: "Bearer" });
    expect(t.expiresOn).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.000000$/);
    expect(t.expires_on * 1000).toBeGreaterThan(Date.now());
    const get = (token: string, p: string) =>
      fetch(`${emu.url}${p}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get(t.accessToken, "/subscriptions?api-version=2020-01-01")).status).toBe(200);
    const graph = (
      await ok("az account get-access-token --resource-type ms-graph --query accessToken -o tsv")
    ).stdout.trim();
    expect((await get(graph, "/v1.0/servicePrincipals?$top=1")).status).toBe(200);
    // Each token is for its own audience.
    expect((await get(t.accessToken, "/v1.0/servicePrincipals?$top=1")).status).toBe(401);
    const both = await az("az account get-access-token --resource https://management.azure.com --scope x");
    expect([both.code, both.stderr.trim()]).toEqual([
      2,
      "ERROR: usage error: --resource/--resource-type/--scope",
    ]);
  });

  it("extension add / update (seed 001) succeed without touching the emulator", async () => {
    await ok("az extension add --name aks-preview");
    await ok("az extension update --name aks-preview");
  });
});

describe("network (seeds 002, 003)", () => {
  it("public IP prefix create prints JSON whose id is the prefix id", async () => {
    await ok("az group create --name MyResourceGroup3 --location eastus");
    const r = await ok(
      "az network public-ip prefix create --length 28 --location eastus --name MyPublicIPPrefix --resource-group MyResourceGroup3",
    );
    const out = JSON.parse(r.stdout);
    expect(out.id).toBe(
      `/subscriptions/${emu.subscriptionId}/resourceGroups/MyResourceGroup3/providers/Microsoft.Network/publicIPPrefixes/MyPublicIPPrefix`,
    );
    expect(out).toMatchObject({
      prefixLength: 28,
      resourceGroup: "MyResourceGroup3",
      provisioningState: "Succeeded",
    });
    expect(out.ipPrefix).toMatch(/\/28$/);
    const t = await ok("az network public-ip prefix list -g MyResourceGroup3 -o table");
    expect(t.stdout.split("\n")[0]).toMatch(/IpPrefix +Location +Name +PrefixLength +ProvisioningState/);
  });

  it("vnet with subnet, subnet show/list, vnet show --query id -o tsv", async () => {
    await ok("az group create --name myResourceGroup --location eastus");
    const v = await ok(
      "az network vnet create --resource-group myResourceGroup --name myAKSVnet --address-prefixes 192.168.0.0/16 --subnet-name myAKSSubnet --subnet-prefix 192.168.1.0/24 --location eastus",
    );
    expect(JSON.parse(v.stdout).newVNet).toMatchObject({
      name: "myAKSVnet",
      addressSpace: { addressPrefixes: ["192.168.0.0/16"] },
      subnets: [{ name: "myAKSSubnet", addressPrefix: "192.168.1.0/24" }],
    });
    const sid = (
      await ok(
        "az network vnet subnet show --resource-group myResourceGroup --vnet-name myAKSVnet --name myAKSSubnet --query id -o tsv",
      )
    ).stdout;
    expect(sid).toMatch(/\/virtualNetworks\/myAKSVnet\/subnets\/myAKSSubnet\n$/);
    const vid = (
      await ok("az network vnet show --resource-group myResourceGroup --name myAKSVnet --query id -o tsv")
    ).stdout;
    expect(sid.startsWith(vid.trim())).toBe(true);
    const l = await ok(
      "az network vnet subnet list --resource-group myResourceGroup --vnet-name myAKSVnet --query [].addressPrefix -o tsv",
    );
    expect(l.stdout).toBe("192.168.1.0/24\n");
    expect((await ok("az network vnet list -g myResourceGroup -o table")).stdout).toMatch(
      /^Name +ResourceGroup +Location +NumSubnets +Prefixes +DnsServers/,
    );
  });

  it("nsg, rule, asg, route table, route; subnet update attaches them", async () => {
    await ok("az group create -n netGroup -l eastus");
    const nsg = JSON.parse((await ok("az network nsg create -g netGroup -n nsg1")).stdout);
    expect(nsg.NewNSG).toMatchObject({ name: "nsg1", location: "eastus" });
    const rule = JSON.parse(
      (
        await ok(
          "az network nsg rule create -g netGroup --nsg-name nsg1 -n allow80 --priority 100 --protocol tcp --destination-port-ranges 80 443",
        )
      ).stdout,
    );
    expect(rule).toMatchObject({
      priority: 100,
      protocol: "Tcp",
      access: "Allow",
      direction: "Inbound",
      destinationPortRanges: ["80", "443"],
    });
    expect(
      (await ok("az network nsg rule list -g netGroup --nsg-name nsg1 --query [].name -o tsv")).stdout,
    ).toBe("allow80\n");
    await ok("az network asg create -g netGroup -n asg1");
    await ok("az network route-table create -g netGroup -n rt1");
    const route = JSON.parse(
      (
        await ok(
          "az network route-table route create -g netGroup --route-table-name rt1 -n toFw --address-prefix 0.0.0.0/0 --next-hop-type virtualappliance --next-hop-ip-address 10.0.0.4",
        )
      ).stdout,
    );
    expect(route).toMatchObject({
      addressPrefix: "0.0.0.0/0",
      nextHopType: "VirtualAppliance",
      nextHopIpAddress: "10.0.0.4",
    });
    await ok("az network vnet create -g netGroup -n v1 --address-prefixes 10.10.0.0/16");
    await ok(
      "az network vnet subnet create -g netGroup --vnet-name v1 -n s1 --address-prefixes 10.10.1.0/24",
    );
    const upd = JSON.parse(
      (
        await ok(
          "az network vnet subnet update -g netGroup --vnet-name v1 -n s1 --route-table rt1 --nsg nsg1",
        )
      ).stdout,
    );
    expect(upd.routeTable.id).toMatch(/\/routeTables\/rt1$/);
    expect(upd.networkSecurityGroup.id).toMatch(/\/networkSecurityGroups\/nsg1$/);
    await ok("az network route-table route delete -g netGroup --route-table-name rt1 -n toFw");
    expect((await ok("az network route-table route list -g netGroup --route-table-name rt1")).stdout).toBe(
      "[]\n",
    );
  });

  it("public IP from a prefix prints {publicIp}", async () => {
    await ok("az group create -n ipGroup -l eastus");
    await ok("az network public-ip prefix create -g ipGroup -n p1 --length 30");
    const ip = JSON.parse(
      (await ok("az network public-ip create -g ipGroup -n ip1 --public-ip-prefix p1")).stdout,
    );
    expect(ip.publicIp).toMatchObject({
      name: "ip1",
      publicIPAllocationMethod: "Static",
      sku: { name: "Standard" },
    });
    expect(ip.publicIp.publicIPPrefix.id).toMatch(/publicIPPrefixes\/p1$/);
  });
});
