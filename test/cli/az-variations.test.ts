// Acceptance variations around the seeds through `aksnet az` against a real emulator: command
// lines az accepts that the seeds do not spell out (vmss NICs, zones, outbound types), each
// checked against what az and Azure answer.
import { describe, expect, it } from "vitest";
import { useEmulatorAz } from "./emulator-az.js";

const t = useEmulatorAz();
const { az, ok } = t;

describe("az vmss nic: the node NICs of an Azure CNI pool", () => {
  let vmss = "";

  it("list, list-vm-nics and show read the scale set's NICs (SDK attribute names)", async () => {
    await ok("az group create -n vn -l eastus -o none");
    await ok(
      "az network vnet create -g vn -n v1 --address-prefixes 10.20.0.0/16 --subnet-name s1 --subnet-prefixes 10.20.0.0/24 -o none",
    );
    const subnet = (
      await ok("az network vnet subnet show -g vn --vnet-name v1 -n s1 --query id -o tsv")
    ).stdout.trim();
    await ok(
      `az aks create -g vn -n c1 --network-plugin azure --vnet-subnet-id ${subnet} --node-count 2 --max-pods 10 --generate-ssh-keys -o none`,
    );
    vmss = (await ok("az vmss list -g MC_vn_c1_eastus --query [0].name -o tsv")).stdout.trim();
    // Azure CNI: each node's primary address, then maxPods addresses reserved for its pods.
    const list = await ok(
      `az vmss nic list -g MC_vn_c1_eastus --vmss-name ${vmss} --query "[].{ip:ipConfigurations[0].privateIpAddress,primary:primary,configs:length(ipConfigurations)}"`,
    );
    expect(JSON.parse(list.stdout)).toEqual([
      { ip: "10.20.0.4", primary: true, configs: 11 },
      { ip: "10.20.0.15", primary: true, configs: 11 },
    ]);
    const ids = (
      await ok(
        `az vmss nic list-vm-nics -g MC_vn_c1_eastus --vmss-name ${vmss} --instance-id 1 --query [].id -o tsv`,
      )
    ).stdout
      .trim()
      .split("\n");
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(
      new RegExp(`/virtualMachineScaleSets/${vmss}/virtualMachines/1/networkInterfaces/`),
    );
    const nicName = ids[0].split("/").pop();
    const show = await ok(
      `az vmss nic show -g MC_vn_c1_eastus --vmss-name ${vmss} --instance-id 1 -n ${nicName} --query "ipConfigurations[0].[privateIpAddress,subnet.id]" -o tsv`,
    );
    expect(show.stdout).toBe(`10.20.0.15\n${subnet}\n`);
  });

  it("a scale set that does not exist is az's ResourceNotFound, exit 3", async () => {
    const r = await az("az vmss nic list -g MC_vn_c1_eastus --vmss-name nope-vmss");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("(ResourceNotFound)");
    expect(r.stderr).toContain("nope-vmss");
  });
});

describe("availability zones: 1, 2 and 3 only", () => {
  it("az rejects another --zone/--zones before sending anything (exit 2)", async () => {
    await ok("az group create -n zn -l eastus -o none");
    for (const line of [
      "az network public-ip create -g zn -n ip4 --zone 4",
      "az network public-ip prefix create -g zn -n p4 --length 31 --zone 1 4",
      "az network nat gateway create -g zn -n nat4 --zone 0",
    ]) {
      const r = await az(line);
      expect(r.code, line).toBe(2);
      expect(r.stderr, line).toMatch(
        /'[04]' is not a valid value for '--zones?'\. Allowed values: 1, 2, 3\./,
      );
    }
    expect((await ok("az network public-ip list -g zn --query length(@)")).stdout).toBe("0\n");
    expect(
      (await ok("az network public-ip create -g zn -n ip1 --zone 1 2 3 --query publicIp.zones -o tsv"))
        .stdout,
    ).toBe("1\n2\n3\n");
  });

  it("Network refuses a zone the region does not have: InvalidAvailabilityZone on zones, nothing written", async () => {
    const sub = t.emu.subscriptionId;
    const base = `/subscriptions/${sub}/resourceGroups/zn/providers/Microsoft.Network`;
    const cases: [string, unknown][] = [
      ["publicIPAddresses/ipz", { properties: { publicIPAllocationMethod: "Static" } }],
      ["publicIPPrefixes/pz", { properties: { prefixLength: 31 } }],
      ["natGateways/nz", { properties: {} }],
    ];
    for (const [path, body] of cases) {
      const type = path.split("/")[0];
      const r = await t.emu.arm("PUT", `${base}/${path}?api-version=2024-05-01`, {
        location: "eastus",
        sku: { name: "Standard" },
        zones: ["1", "4"],
        ...(body as object),
      });
      expect(r.status, path).toBe(400);
      expect(r.body, path).toEqual({
        error: {
          code: "InvalidAvailabilityZone",
          message: `The zone(s) '4' for resource 'Microsoft.Network/${type}/${path.split("/")[1]}' is not supported. The supported zones for location 'eastus' are '1,2,3'`,
          target: "zones",
        },
      });
      expect((await t.emu.arm("GET", `${base}/${path}?api-version=2024-05-01`)).status, path).toBe(404);
    }
  });

  it("AKS refuses a pool zone the region does not have: AvailabilityZoneNotSupported", async () => {
    await ok("az aks create -g zn -n zc --node-count 1 --zones 1 2 3 --generate-ssh-keys -o none");
    const sub = t.emu.subscriptionId;
    const pool = `/subscriptions/${sub}/resourceGroups/zn/providers/Microsoft.ContainerService/managedClusters/zc/agentPools/np4?api-version=2024-05-01`;
    const r = await t.emu.arm("PUT", pool, {
      properties: { count: 1, mode: "User", availabilityZones: ["2", "4"] },
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: {
        code: "AvailabilityZoneNotSupported",
        message:
          "The zone(s) '4' for resource 'np4' is not supported. The supported zones for location 'eastus' are '1,2,3'.",
        target: "agentPoolProfile.availabilityZones",
      },
    });
    expect((await t.emu.arm("GET", pool)).status).toBe(404);
    expect(
      (
        await ok(
          "az aks nodepool list -g zn --cluster-name zc --query [].[name,join(',',availabilityZones)] -o tsv",
        )
      ).stdout,
    ).toBe("nodepool1\t1,2,3\n");
  });
});

describe("outbound types that need a subnet of your own", () => {
  it("--outbound-type userDefinedRouting / userAssignedNATGateway without --vnet-subnet-id: az's own error, nothing sent", async () => {
    await ok("az group create -n ob -l eastus -o none");
    for (const type of ["userDefinedRouting", "userAssignedNATGateway"]) {
      const r = await az(`az aks create -g ob -n c-${type} --outbound-type ${type} --generate-ssh-keys`);
      expect(r.code, type).toBe(1);
      expect(r.stderr, type).toBe(
        "ERROR: --vnet-subnet-id must be specified for userDefinedRouting and it must be pre-configured with a route table with egress rules\n",
      );
    }
    expect((await ok("az aks list -g ob --query length(@)")).stdout).toBe("0\n");
  });
});

describe("az aks nodepool update: the cluster autoscaler flags", () => {
  it("enable, update, disable with az 2.45's checks, warnings and early exits", async () => {
    await ok("az group create -n as -l eastus -o none");
    await ok("az aks create -g as -n c1 --node-count 1 --generate-ssh-keys -o none");
    await ok("az aks nodepool add -g as --cluster-name c1 -n np2 --node-count 2 -o none");
    const q = "--query [enableAutoScaling,minCount,maxCount] -o tsv";
    const upd = (flags: string) => az(`az aks nodepool update -g as --cluster-name c1 -n np2 ${flags}`);

    let r = await upd(`--update-cluster-autoscaler --min-count 1 --max-count 3 ${q}`);
    expect([r.code, r.stderr]).toEqual([
      1,
      'ERROR: Cluster autoscaler is not enabled for this node pool.\nRun "az aks nodepool update --enable-cluster-autoscaler" to enable cluster with min-count and max-count.\n',
    ]);
    expect((await upd(`--enable-cluster-autoscaler --min-count 1 --max-count 3 ${q}`)).stdout).toBe(
      "true\n1\n3\n",
    );
    r = await upd(`-e --min-count 1 --max-count 3 ${q}`);
    expect([r.code, r.stdout]).toEqual([0, ""]);
    expect(r.stderr).toBe(
      'WARNING: Cluster autoscaler is already enabled for this node pool.\nPlease run "az aks --update-cluster-autoscaler" if you want to update min-count or max-count.\n',
    );
    expect((await upd(`-u --min-count 2 --max-count 5 ${q}`)).stdout).toBe("true\n2\n5\n");
    expect((await upd(`--disable-cluster-autoscaler ${q}`)).stdout).toBe("false\nNone\nNone\n");
    r = await upd("-d");
    expect([r.code, r.stdout, r.stderr]).toEqual([
      0,
      "",
      "WARNING: Cluster autoscaler is already disabled for this node pool.\n",
    ]);

    for (const [flags, msg] of [
      [
        "-e -d",
        "Can only specify one of --enable-cluster-autoscaler, --update-cluster-autoscaler and --disable-cluster-autoscaler",
      ],
      [
        "--min-count 2",
        "min-count and max-count are required for --enable-cluster-autoscaler or --update-cluster-autoscaler, please use the flag",
      ],
      [
        "-e --min-count 1",
        "Please specify both min-count and max-count when --enable-cluster-autoscaler enabled",
      ],
      [
        "-e --min-count 3 --max-count 2",
        "Value of min-count should be less than or equal to value of max-count",
      ],
    ]) {
      const e = await upd(flags);
      expect([e.code, e.stderr], flags).toEqual([1, `ERROR: ${msg}\n`]);
    }
    const sys = await az(
      "az aks nodepool update -g as --cluster-name c1 -n nodepool1 -e --min-count 0 --max-count 2",
    );
    expect([sys.code, sys.stderr]).toEqual([
      1,
      "ERROR: Value of min-count should be greater than or equal to 1 for System node pools\n",
    ]);
  });
});
