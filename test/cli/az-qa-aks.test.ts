// Adversarial QA of `aksnet az` against a real emulator: command lines a user would type that
// differ from the seeds (short flags, --flag=value, -o table/tsv/yaml, --query filters), with
// output shapes compared to what az prints.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { useEmulatorAz } from "./emulator-az.js";

const t = useEmulatorAz();
const { ok } = t;

const header = (table: string) =>
  table
    .split("\n")[0]
    .trim()
    .split(/\s{2,}/);

describe("BYO subnet cluster: short flags, tables, scale of a pool that inherited the subnet", () => {
  let subnet = "";

  it("creates the cluster with -g -n -c -s -k and --flag=value", async () => {
    await ok("az group create -n qa -l eastus -o none");
    await ok(
      "az network vnet create -g qa -n v1 --address-prefixes 10.10.0.0/16 --subnet-name s1 --subnet-prefixes 10.10.0.0/22 -o none",
    );
    subnet = (
      await ok("az network vnet subnet show -g qa --vnet-name v1 -n s1 --query id -o tsv")
    ).stdout.trim();
    const r = await ok(
      `az aks create -g qa -n c1 -c 2 -s Standard_D4s_v5 -k 1.32 --network-plugin=azure --vnet-subnet-id=${subnet} --max-pods=20 --generate-ssh-keys --query "agentPoolProfiles[].{name:name,subnet:vnetSubnetId,maxPods:maxPods,vm:vmSize}"`,
    );
    expect(JSON.parse(r.stdout)).toEqual([{ name: "nodepool1", subnet, maxPods: 20, vm: "Standard_D4s_v5" }]);
  });

  it("az aks nodepool add without --vnet-subnet-id, then scale and update it", async () => {
    await ok("az aks nodepool add -g qa --cluster-name c1 -n np2 -c 1 -o none");
    expect(
      (
        await ok("az aks nodepool show -g qa --cluster-name c1 -n np2 --query vnetSubnetId -o tsv")
      ).stdout.trim(),
    ).toBe(subnet);
    const s = await ok("az aks nodepool scale -g qa --cluster-name c1 -n np2 -c 3 --query count -o tsv");
    expect(s.stdout).toBe("3\n");
    await ok("az aks nodepool update -g qa --cluster-name c1 -n np2 --labels team=qa -o none");
    const sc = await ok(
      "az aks scale -g qa -n c1 --nodepool-name np2 -c 2 --query agentPoolProfiles[1].count",
    );
    expect(sc.stdout).toBe("2\n");
  });

  it("az aks nodepool list -o table prints az's columns (no OsDiskSizeGB, version = orchestratorVersion)", async () => {
    const t = (await ok("az aks nodepool list -g qa --cluster-name c1 -o table")).stdout;
    expect(header(t)).toEqual([
      "Name",
      "OsType",
      "KubernetesVersion",
      "VmSize",
      "Count",
      "MaxPods",
      "ProvisioningState",
      "Mode",
    ]);
    const rows = t
      .trim()
      .split("\n")
      .slice(2)
      .map((l) => l.trim().split(/\s+/));
    expect(rows).toEqual([
      ["nodepool1", "Linux", "1.32", "Standard_D4s_v5", "2", "20", "Succeeded", "System"],
      ["np2", "Linux", "1.32", "Standard_DS2_v2", "2", "30", "Succeeded", "User"],
    ]);
    expect(header((await ok("az aks nodepool show -g qa --cluster-name c1 -n np2 -o table")).stdout)).toEqual(
      header(t),
    );
  });

  it("az aks list -o table", async () => {
    const t = (await ok("az aks list -o table")).stdout;
    expect(header(t)).toEqual([
      "Name",
      "Location",
      "ResourceGroup",
      "KubernetesVersion",
      "CurrentKubernetesVersion",
      "ProvisioningState",
      "Fqdn",
    ]);
  });

  it("az vmss list -o table prints az's vmss columns", async () => {
    const t = (await ok("az vmss list -g MC_qa_c1_eastus -o table")).stdout;
    expect(header(t)).toEqual([
      "Name",
      "ResourceGroup",
      "Location",
      "Zones",
      "Capacity",
      "Overprovision",
      "UpgradePolicy",
    ]);
    const rows = t
      .trim()
      .split("\n")
      .slice(2)
      .map((l) => l.trim().split(/\s+/));
    expect(rows.map((r) => [r[0], r[1], r[2], r[3]])).toEqual([
      [expect.stringMatching(/^aks-nodepool1-\d{8}-vmss$/), "MC_qa_c1_eastus", "eastus", "2"],
      [expect.stringMatching(/^aks-np2-\d{8}-vmss$/), "MC_qa_c1_eastus", "eastus", "2"],
    ]);
  });
});

describe("dual-stack and overlay command lines", () => {
  it("az aks create --ip-families ipv4,ipv6 fills in the IPv6 ranges", async () => {
    const r = await ok(
      "az aks create -g qa -n ds -c 1 --network-plugin kubenet --ip-families ipv4,ipv6 --generate-ssh-keys --query networkProfile.{f:ipFamilies,p:podCidrs,s:serviceCidrs}",
    );
    expect(JSON.parse(r.stdout)).toEqual({
      f: ["IPv4", "IPv6"],
      p: ["10.244.0.0/16", "fd12:3456:789a::/64"],
      s: ["10.0.0.0/16", "fd12:3456:789a:1::/108"],
    });
  });

  it("az aks create --pod-cidrs/--service-cidrs with overlay", async () => {
    const r = await ok(
      "az aks create -g qa -n ds2 -c 1 --network-plugin azure --network-plugin-mode overlay --ip-families IPv4,IPv6 --pod-cidrs 192.168.0.0/16,fd00:10::/64 --service-cidrs 10.2.0.0/16,fd00:20::/108 --dns-service-ip 10.2.0.10 --generate-ssh-keys -o yaml --query networkProfile",
    );
    expect(r.stdout).toContain("podCidrs:\n- 192.168.0.0/16\n- fd00:10::/64\n");
    expect(r.stdout).toContain("serviceCidrs:\n- 10.2.0.0/16\n- fd00:20::/108\n");
    expect(r.stdout).toContain("podCidr: 192.168.0.0/16\n");
    expect(r.stdout).toContain("dnsServiceIp: 10.2.0.10\n");
  });
});

describe("get-credentials", () => {
  it("--admin merges the context as <cluster>-admin, not <cluster>-admin-admin", async () => {
    const file = `${t.home}/kc-admin`;
    const r = await ok(`az aks get-credentials -g qa -n c1 --admin -f ${file}`);
    expect(r.stderr).toContain('Merged "c1-admin" as current context');
    const kc = fs.readFileSync(file, "utf8");
    expect(kc).toMatch(/current-context: c1-admin\n/);
    await ok(`az aks get-credentials -g qa -n c1 -f ${file}`);
    expect(fs.readFileSync(file, "utf8")).toMatch(/current-context: c1\n/);
  });
});

describe("get-versions", () => {
  it("az aks get-versions -l prints the region's versions (json) and az's version table", async () => {
    const j = JSON.parse((await ok("az aks get-versions -l eastus")).stdout);
    expect(j.values.map((v: { version: string }) => v.version)).toEqual([
      "1.30",
      "1.31",
      "1.32",
      "1.33",
      "1.34",
    ]);
    expect(j.values[3]).toEqual({
      version: "1.33",
      isDefault: true,
      capabilities: { supportPlan: ["KubernetesOfficial"] },
      patchVersions: { "1.33.5": { upgrades: ["1.34.1"] } },
    });
    expect(j.values[4].patchVersions).toEqual({ "1.34.1": { upgrades: [] } });
    const table = (await ok("az aks get-versions -l eastus -o table")).stdout;
    expect(table).toBe(
      [
        "KubernetesVersion    Upgrades        SupportPlan",
        "-------------------  --------------  ------------------",
        "1.34.1               None available  KubernetesOfficial",
        "1.33.5               1.34.1          KubernetesOfficial",
        "1.32.9               1.33.5          KubernetesOfficial",
        "1.31.13              1.32.9          KubernetesOfficial",
        "1.30.14              1.31.13         KubernetesOfficial",
        "",
      ].join("\n"),
    );
    const dflt = await ok('az aks get-versions -l eastus --query "values[?isDefault].version" -o tsv');
    expect(dflt.stdout).toBe("1.33\n");
  });
});

describe("nodepool delete", () => {
  it("of a pool the cluster does not have: az's own message, exit 1", async () => {
    const r = await t.az("az aks nodepool delete -g qa --cluster-name c1 -n nosuch");
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: "ERROR: Node pool nosuch doesnt exist, use 'aks nodepool list' to get current node pool list\n",
    });
  });
});
