// The real Azure CLI (Debian's azure-cli 2.45 in CI, see .ci/run) against a real emulator:
// `aksnet setup az` into a scratch config dir, then seed command lines az 2.45 can send, each
// outcome checked exactly. Skipped, with the reason printed, only when `az` is not installed.
// Uses the built bin/aksnet.js (npm test builds first).
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { startTestEmulator, type TestEmulator, tempDir } from "../helpers/emulator.js";

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const bin = path.join(repo, "bin", "aksnet.js");

const probe = spawnSync("az", ["version", "-o", "json"], {
  encoding: "utf8",
  env: { ...process.env, AZURE_CONFIG_DIR: tempDir("aksnet-az-probe-") },
});
const azVersion =
  probe.status === 0 ? (JSON.parse(probe.stdout) as Record<string, string>)["azure-cli"] : undefined;
if (!azVersion)
  console.warn(
    `real-az.test.ts skipped: the Azure CLI is not installed (${probe.error?.message ?? probe.stderr?.trim() ?? "az version failed"}); .ci/run installs Debian's azure-cli`,
  );

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!azVersion)(`the real az (${azVersion ?? "absent"})`, { timeout: 480_000 }, () => {
  let emu: TestEmulator;
  let home: string;
  let configDir: string;
  let env: NodeJS.ProcessEnv;
  const RG = "realaz";

  const az = (line: string) => {
    const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
    return exec("az", words, env);
  };
  const ok = async (line: string) => {
    const r = await az(line);
    if (r.code !== 0) throw new Error(`az ${line}\nexit ${r.code}\n${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    if (!fs.existsSync(path.join(repo, "dist", "cli", "setup-az.js")))
      throw new Error("dist/cli/setup-az.js is missing: build first (npx tsc -p tsconfig.json)");
    emu = await startTestEmulator();
    home = tempDir("aksnet-realaz-home-");
    configDir = path.join(home, "azconfig");
    env = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      AZURE_CORE_COLLECT_TELEMETRY: "false",
      AKSNET_ENDPOINT: emu.url,
      AKSNET_CA_FILE: emu.caFile,
      AKSNET_TENANT_ID: emu.tenantId,
      AKSNET_SUBSCRIPTION_ID: emu.subscriptionId,
    };
  });

  afterAll(async () => {
    await emu?.close();
    if (emu) fs.rmSync(emu.dataDir, { recursive: true, force: true });
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it("aksnet setup az registers the cloud, writes the CA bundle, signs in and prints the export", async () => {
    const r = await exec(process.execPath, [bin, "setup", "az", "--config-dir", configDir], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const bundle = path.join(configDir, "aksnet-ca-bundle.pem");
    expect(r.stdout).toContain(`\n  export REQUESTS_CA_BUNDLE=${bundle} AZURE_CONFIG_DIR=${configDir}\n`);
    expect(r.stdout).toMatch(
      new RegExp(`\\n {2}Subscription +${emu.subscriptionId} \\(aksnet subscription\\)\\n`),
    );
    const profile = azVersion?.startsWith("2.45.") ? "2020-09-01-hybrid" : "latest";
    expect(r.stdout).toMatch(new RegExp(`\\n {2}Profile +${profile} \\(az ${azVersion}`));
    const pem = fs.readFileSync(bundle, "utf8");
    expect(pem.endsWith(fs.readFileSync(emu.caFile, "utf8").trimEnd() + "\n")).toBe(true);
    expect(pem.split("BEGIN CERTIFICATE").length).toBeGreaterThan(10); // the system CAs too
    env = { ...env, REQUESTS_CA_BUNDLE: bundle, AZURE_CONFIG_DIR: configDir };
    const cloud = JSON.parse(await ok("cloud show -n aksnet"));
    expect(cloud.endpoints).toMatchObject({
      resourceManager: `${emu.url}/`,
      activeDirectory: `${emu.url}/adfs`,
      microsoftGraphResourceId: `${emu.url}/`,
    });
    expect((await ok("account show --query [id,tenantId,user.name] -o tsv")).split("\n")).toEqual([
      emu.subscriptionId,
      emu.tenantId,
      "aksnet-cli",
      "",
    ]);
    // Running it again updates the cloud in place.
    const again = await exec(process.execPath, [bin, "setup", "az", "--config-dir", configDir], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Cloud +aksnet \(updated, now active\)/);
  });

  it("signs in with a domain-name tenant", async () => {
    const tenants = await ok(
      "login --service-principal -u other-app -p s3cret --tenant contoso.onmicrosoft.com --query [].tenantId -o tsv",
    );
    expect(tenants).toBe(`${emu.tenantId}\n`);
    await ok("login --service-principal -u aksnet-cli -p aksnet --tenant contoso.onmicrosoft.com -o none");
  });

  it("seed 002 as az 2.45 sends it: group, vnet, subnet, identity, Graph, role assignment, AKS", async () => {
    expect(await ok(`group create -n ${RG} -l eastus --query properties.provisioningState -o tsv`)).toBe(
      "Succeeded\n",
    );
    expect(
      await ok(
        `network vnet create -g ${RG} -n myAKSVnet --address-prefixes 192.168.0.0/16 --subnet-name myAKSSubnet --subnet-prefixes 192.168.1.0/24 --query newVNet.[provisioningState,addressSpace.addressPrefixes[0],subnets[0].addressPrefix] -o tsv`,
      ),
    ).toBe("Succeeded\n192.168.0.0/16\n192.168.1.0/24\n");
    const subnetId = `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet`;
    expect(
      await ok(`network vnet subnet show -g ${RG} --vnet-name myAKSVnet -n myAKSSubnet --query id -o tsv`),
    ).toBe(`${subnetId}\n`);
    const ident = JSON.parse(await ok(`identity create -g ${RG} -n myIdentity`));
    const armIdent = (await emu.arm("GET", `${ident.id}?api-version=2023-01-31`)).body as {
      properties: { principalId: string; clientId: string };
    };
    expect([ident.principalId, ident.clientId]).toEqual([
      armIdent.properties.principalId,
      armIdent.properties.clientId,
    ]);

    // Microsoft Graph: az ad sp show resolves the identity by its app id (a $filter) and by object id.
    expect(
      await ok(
        `ad sp show --id ${ident.clientId} --query [id,appId,servicePrincipalType,displayName] -o tsv`,
      ),
    ).toBe(`${ident.principalId}\n${ident.clientId}\nManagedIdentity\nmyIdentity\n`);
    expect(await ok(`ad sp show --id ${ident.principalId} --query appId -o tsv`)).toBe(`${ident.clientId}\n`);

    // role assignment create: Graph decides who the assignee is; an unknown one stops there.
    const unknown = await az(
      `role assignment create --assignee nobody-app --role "Network Contributor" --scope ${subnetId}`,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      "Cannot find user or service principal in graph database for 'nobody-app'",
    );
    for (const assignee of [ident.clientId, ident.principalId]) {
      const ra = await az(
        `role assignment create --assignee ${assignee} --role "Network Contributor" --scope ${subnetId}`,
      );
      if (ra.code === 0) {
        expect(JSON.parse(ra.stdout)).toMatchObject({ principalId: ident.principalId, scope: subnetId });
      } else {
        // Debian's 2.45 gets past Graph, then fails client-side before sending the PUT.
        expect(ra.code).toBe(1);
        expect(ra.stderr).toContain("'RoleAssignmentsOperations' object has no attribute 'config'");
        expect(ra.stderr).not.toContain("Cannot find user or service principal");
      }
    }

    // aks create with kubenet on the BYO subnet. --skip-subnet-role-assignment: 2.45's role
    // client crashes the same way, and az would retry it for ~110 s before only warning.
    expect(
      await ok(
        `aks create -g ${RG} -n myAKSCluster --node-count 2 --network-plugin kubenet --vnet-subnet-id ${subnetId} --skip-subnet-role-assignment --generate-ssh-keys --query [provisioningState,networkProfile.networkPlugin,networkProfile.podCidr,agentPoolProfiles[0].vnetSubnetId,agentPoolProfiles[0].count] -o tsv`,
      ),
    ).toBe(`Succeeded\nkubenet\n10.244.0.0/16\n${subnetId}\n2\n`);
    expect(fs.existsSync(path.join(home, ".ssh", "id_rsa.pub"))).toBe(true);
    expect(
      await ok(
        `aks show -g ${RG} -n myAKSCluster --query [provisioningState,nodeResourceGroup,identity.type] -o tsv`,
      ),
    ).toBe(`Succeeded\nMC_${RG}_myAKSCluster_eastus\nSystemAssigned\n`);
    expect(
      await ok(
        `aks nodepool add -g ${RG} --cluster-name myAKSCluster -n np2 --node-count 1 --query [provisioningState,count,mode] -o tsv`,
      ),
    ).toBe("Succeeded\n1\nUser\n");
    expect(await ok(`aks nodepool list -g ${RG} --cluster-name myAKSCluster --query [].name -o tsv`)).toBe(
      "nodepool1\nnp2\n",
    );
    // ARM granted nothing on the subnet: the grant is the client's (skipped here).
    const grants = (await emu.arm(
      "GET",
      `${subnetId}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()&api-version=2022-04-01`,
    )) as { body: { value: unknown[] } };
    expect(grants.body.value).toEqual([]);
    const kc = path.join(home, "kc.yaml");
    await ok(`aks get-credentials -g ${RG} -n myAKSCluster -f ${kc}`);
    const kube = parseYaml(fs.readFileSync(kc, "utf8"));
    expect(kube["current-context"]).toBe("myAKSCluster");
    expect(kube.clusters[0].cluster.server).toMatch(new RegExp(`^${emu.url}/clusters/[0-9a-f]+$`));
  });

  it("az vmss nic list|show on the node resource group (2.45's hybrid profile sends api-version 2016-03-30)", async () => {
    const nodeRg = `MC_${RG}_myAKSCluster_eastus`;
    const vmss = (await ok(`vmss list -g ${nodeRg} --query [0].name -o tsv`)).trim();
    expect(vmss).toMatch(/^aks-nodepool1-\d{8}-vmss$/);
    // kubenet on the BYO /24: the nodes take its first usable addresses.
    expect(
      await ok(
        `vmss nic list -g ${nodeRg} --vmss-name ${vmss} --query [].ipConfigurations[0].privateIPAddress -o tsv`,
      ),
    ).toBe("192.168.1.4\n192.168.1.5\n");
    expect(
      await ok(
        `vmss nic show -g ${nodeRg} --vmss-name ${vmss} --instance-id 1 -n ${vmss} --query [primary,ipConfigurations[0].privateIPAddress] -o tsv`,
      ),
    ).toBe("true\n192.168.1.5\n");
  });
});
