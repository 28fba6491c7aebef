// Seed 002 (Japanese): kubenet in your own VNet subnet — system-assigned and user-assigned
// identities, the route table AKS writes (one route per node: pod /24 → node IP), your own
// route table, and the capacity arithmetic the article states.
import { assert, assertUnique, errorCode, lines, offsetIn } from "./checks.js";
import type { Scenario } from "./runner.js";

interface Route {
  name: string;
  addressPrefix: string;
  nextHopType: string;
  nextHopIpAddress?: string;
}

interface Cluster {
  provisioningState: string;
  identity: { type: string; userAssignedIdentities?: Record<string, unknown> };
  networkProfile: {
    networkPlugin: string;
    podCidr: string;
    serviceCidr: string;
    dnsServiceIp: string;
  };
  agentPoolProfiles: { count: number; vnetSubnetId?: string }[];
}

const NODE_RG = "MC_myResourceGroup_myAKSCluster_eastus";
const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";

/**
 * The AKS routes of a route table: one per node, the node's pod /24 (10.244.0.0/24,
 * 10.244.1.0/24, … in node order) → the node's IP in `subnet`, next hop VirtualAppliance;
 * node IPs follow Azure's 5 reserved addresses (.0-.3 and broadcast), so they start at .4.
 */
function assertKubenetRoutes(
  routes: Route[],
  nodes: number,
  subnet: string,
  userRoutes: string[] = [],
): void {
  const mine = routes.filter((x) => !userRoutes.includes(x.name));
  assert.deepEqual(
    routes.filter((x) => userRoutes.includes(x.name)).map((x) => x.name),
    userRoutes,
    "user routes kept",
  );
  assert.equal(mine.length, nodes, `one route per node: ${mine.map((x) => x.addressPrefix).join(", ")}`);
  const byPrefix = [...mine].sort((a, b) =>
    a.addressPrefix.localeCompare(b.addressPrefix, "en", { numeric: true }),
  );
  byPrefix.forEach((route, i) => {
    assert.equal(route.addressPrefix, `10.244.${i}.0/24`, `pod block of node ${i}`);
    assert.equal(route.nextHopType, "VirtualAppliance", `next hop type of ${route.name}`);
    const hop = route.nextHopIpAddress ?? "";
    const offset = offsetIn(hop, subnet);
    assert.ok(offset >= 4 && offset < 255, `${hop}: not one of the reserved addresses of ${subnet}`);
  });
  assertUnique(
    mine.map((x) => x.nextHopIpAddress ?? ""),
    "node IPs",
  );
  assert.deepEqual(
    mine.map((x) => offsetIn(x.nextHopIpAddress ?? "", subnet)).sort((a, b) => a - b),
    Array.from({ length: nodes }, (_, i) => 4 + i),
    "node IPs are the lowest free addresses after the 4 reserved at the start",
  );
}

export const scenario: Scenario = {
  name: "002-kubenet-byo-subnet",
  seed: "002",
  title: "kubenet with your own subnet and route table (seed 002)",
  fill: {
    "<control-plane-identity-principal-id>": "$PRINCIPAL_ID",
    "<identity-resource-id>": "$IDENTITY_ID",
    "[--subscription]": '--subscription "$SUBSCRIPTION_ID"',
    mySubnetIDResourceID: "$BYO_SUBNET_ID",
    controlPlaneIdentityResourceID: "$IDENTITY_ID",
  },
  steps: [
    {
      name: "create resource group myResourceGroup",
      seed: "002",
      run: "az group create --name myResourceGroup --location eastus",
    },
    {
      name: "vnet create 192.168.0.0/16 with subnet 192.168.1.0/24",
      seed: "002",
      run: `az network vnet create \\
    --resource-group myResourceGroup \\
    --name myAKSVnet \\
    --address-prefixes 192.168.0.0/16 \\
    --subnet-name myAKSSubnet \\
    --subnet-prefix 192.168.1.0/24 \\
    --location eastus`,
      check: (r) => {
        const v = r.json<{
          newVNet: { addressSpace: { addressPrefixes: string[] }; subnets: { addressPrefix: string }[] };
        }>();
        assert.deepEqual(v.newVNet.addressSpace.addressPrefixes, ["192.168.0.0/16"]);
        assert.equal(v.newVNet.subnets[0].addressPrefix, "192.168.1.0/24");
      },
    },
    {
      name: "SUBNET_ID from vnet subnet show",
      seed: "002",
      run: "SUBNET_ID=$(az network vnet subnet show --resource-group myResourceGroup --vnet-name myAKSVnet --name myAKSSubnet --query id -o tsv)",
      check: (r) => assert.match(r.vars.SUBNET_ID, /\/virtualNetworks\/myAKSVnet\/subnets\/myAKSSubnet$/),
    },
    {
      name: "aks create kubenet with a system-assigned identity",
      seed: "002",
      run: `az aks create \\
    --resource-group myResourceGroup \\
    --name myAKSCluster \\
    --network-plugin kubenet \\
    --service-cidr 10.0.0.0/16 \\
    --dns-service-ip 10.0.0.10 \\
    --pod-cidr 10.244.0.0/16 \\
    --vnet-subnet-id $SUBNET_ID \\
    --generate-ssh-keys`,
      check: (r) => {
        const mc = r.json<Cluster>();
        assert.equal(mc.provisioningState, "Succeeded");
        assert.equal(mc.identity.type, "SystemAssigned");
        const { networkPlugin, podCidr, serviceCidr, dnsServiceIp } = mc.networkProfile;
        assert.deepEqual(
          { networkPlugin, podCidr, serviceCidr, dnsServiceIp },
          {
            networkPlugin: "kubenet",
            podCidr: "10.244.0.0/16",
            serviceCidr: "10.0.0.0/16",
            dnsServiceIp: "10.0.0.10",
          },
        );
        assert.equal(mc.agentPoolProfiles[0].vnetSubnetId?.toLowerCase(), r.vars.SUBNET_ID.toLowerCase());
      },
    },
    {
      name: "AKS created a route table in the node resource group and attached it to the subnet",
      run: `ROUTE_TABLE_ID=$(az network vnet subnet show --ids $SUBNET_ID --query routeTable.id -o tsv)
az network route-table list -g ${NODE_RG} --query [].id -o tsv`,
      check: (r) => {
        assert.match(
          r.vars.ROUTE_TABLE_ID,
          new RegExp(`/resourceGroups/${NODE_RG}/providers/Microsoft.Network/routeTables/`, "i"),
        );
        assert.deepEqual(
          lines(r).map((x) => x.toLowerCase()),
          [r.vars.ROUTE_TABLE_ID.toLowerCase()],
        );
      },
    },
    {
      name: "kubenet routes: per node, pod /24 → node IP from 192.168.1.0/24",
      run: `az network route-table route list -g ${NODE_RG} --route-table-name $(basename $ROUTE_TABLE_ID)`,
      check: (r) => assertKubenetRoutes(r.json<Route[]>(), 3, "192.168.1.0/24"),
    },
    {
      name: "an NSG in the node resource group, on the nodes' NICs; the BYO subnet's NSG untouched",
      run: `az network nsg list -g ${NODE_RG} --query [].id -o tsv
az vmss list -g ${NODE_RG} --query "[].virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].networkSecurityGroup.id" -o tsv
az network vnet subnet show --ids $SUBNET_ID --query "networkSecurityGroup.id || 'none'" -o tsv`,
      check: (r) => {
        const [nsg, onNics, onSubnet] = lines(r);
        assert.match(
          nsg ?? "",
          new RegExp(`/resourceGroups/${NODE_RG}/providers/Microsoft.Network/networkSecurityGroups/`, "i"),
        );
        assert.equal(onNics?.toLowerCase(), nsg.toLowerCase(), "the node NICs use the cluster NSG");
        assert.equal(onSubnet, "none", "no NSG put on the BYO subnet");
      },
    },
    {
      name: "the CLI granted the system-assigned identity Network Contributor on the subnet",
      run: `az role assignment list --scope $SUBNET_ID --query "[].[principalId, roleDefinitionName]" -o tsv
az aks show -g myResourceGroup -n myAKSCluster --query identity.principalId -o tsv`,
      check: (r) => {
        const out = lines(r);
        const principal = out.pop();
        assert.ok(
          out.includes(`${principal}\tNetwork Contributor`),
          `Network Contributor for ${principal}: ${out.join("; ")}`,
        );
      },
    },
    {
      name: "scaling to 4 gives the new node the next pod /24 and the next address",
      run: `az aks scale --resource-group myResourceGroup --name myAKSCluster --node-count 4 -o none
az network route-table route list -g ${NODE_RG} --route-table-name $(basename $ROUTE_TABLE_ID)`,
      check: (r) => assertKubenetRoutes(r.json<Route[]>(), 4, "192.168.1.0/24"),
    },
    {
      name: "a Windows node pool is refused on kubenet (Windows Server pools need Azure CNI)",
      run: "az aks nodepool add --resource-group myResourceGroup --cluster-name myAKSCluster --name npwin --os-type Windows",
      expectExit: 1,
      check: (r) => assert.equal(errorCode(r), "WindowsPoolRequiresAzureCNI"),
    },
    {
      name: "a second kubenet cluster on the same subnet is refused",
      run: "az aks create -g myResourceGroup -n mySecondCluster --network-plugin kubenet --vnet-subnet-id $SUBNET_ID --generate-ssh-keys",
      expectExit: 1,
      check: (r) => assert.equal(errorCode(r), "SubnetUsedByAnotherKubenetCluster"),
    },
    {
      name: "setup: delete myAKSCluster, because the seed's user-assigned variant reuses its name and subnet",
      run: `az aks delete --resource-group myResourceGroup --name myAKSCluster --yes
az network vnet subnet show --ids $SUBNET_ID --query '[routeTable.id || \`"none"\`, length(ipConfigurations || \`[]\`)]' -o tsv`,
      check: (r) =>
        assert.deepEqual(lines(r), ["none", "0"], "route table detached, node addresses released"),
    },
    {
      name: "identity create myIdentity",
      seed: "002",
      run: "az identity create --name myIdentity --resource-group myResourceGroup",
      check: (r) => {
        const id = r.json<Record<string, string>>();
        for (const k of ["clientId", "principalId", "tenantId", "id"]) assert.ok(id[k], `identity has ${k}`);
        assert.equal(id.type, "Microsoft.ManagedIdentity/userAssignedIdentities");
        assert.match(
          id.id,
          /\/resourcegroups\/myResourceGroup\/providers\/Microsoft.ManagedIdentity\/userAssignedIdentities\/myIdentity$/i,
        );
      },
    },
    {
      name: "setup: IDENTITY_ID and PRINCIPAL_ID (the seed: az identity show --ids <identity-resource-id>)",
      run: `IDENTITY_ID=$(az identity show --name myIdentity --resource-group myResourceGroup --query id -o tsv)
PRINCIPAL_ID=$(az identity show --ids $IDENTITY_ID --query principalId -o tsv)`,
      check: (r) => {
        const created = r.earlier("identity create myIdentity").json<{ id: string; principalId: string }>();
        assert.equal(r.vars.IDENTITY_ID, created.id);
        assert.equal(r.vars.PRINCIPAL_ID, created.principalId);
      },
    },
    {
      name: "VNET_ID from vnet show",
      seed: "002",
      run: "VNET_ID=$(az network vnet show --resource-group myResourceGroup --name myAKSVnet --query id -o tsv)",
      check: (r) => assert.match(r.vars.VNET_ID, /\/virtualNetworks\/myAKSVnet$/),
    },
    {
      name: "aks create with the user-assigned identity before its role assignment is refused",
      seed: "002",
      run: `az aks create \\
    --resource-group myResourceGroup \\
    --name myAKSCluster \\
    --node-count 3 \\
    --network-plugin kubenet \\
    --vnet-subnet-id $SUBNET_ID \\
    --assign-identity <identity-resource-id> \\
    --generate-ssh-keys`,
      expectExit: 1,
      check: (r) => {
        assert.equal(errorCode(r), "ClusterIdentityMissingSubnetPermission");
        assert.match(r.stderr, /subnets\/join\/action/);
      },
    },
    {
      name: "role assignment create Network Contributor on the VNet",
      seed: "002",
      run: 'az role assignment create --assignee <control-plane-identity-principal-id> --scope $VNET_ID --role "Network Contributor"',
      check: (r) => {
        const ra = r.json<{ principalId: string; scope: string; roleDefinitionId: string }>();
        assert.equal(ra.principalId, r.vars.PRINCIPAL_ID);
        assert.equal(ra.scope, r.vars.VNET_ID);
        assert.ok(ra.roleDefinitionId.endsWith(NETWORK_CONTRIBUTOR), ra.roleDefinitionId);
      },
    },
    {
      name: "aks create kubenet --node-count 3 with the user-assigned identity",
      seed: "002",
      run: `az aks create \\
    --resource-group myResourceGroup \\
    --name myAKSCluster \\
    --node-count 3 \\
    --network-plugin kubenet \\
    --vnet-subnet-id $SUBNET_ID \\
    --assign-identity <identity-resource-id> \\
    --generate-ssh-keys`,
      check: (r) => {
        const mc = r.json<Cluster>();
        assert.equal(mc.identity.type, "UserAssigned");
        assert.deepEqual(
          Object.keys(mc.identity.userAssignedIdentities ?? {}).map((k) => k.toLowerCase()),
          [r.vars.IDENTITY_ID.toLowerCase()],
        );
        assert.equal(mc.networkProfile.networkPlugin, "kubenet");
        assert.equal(mc.agentPoolProfiles[0].count, 3);
      },
    },
    {
      name: "the new cluster's routes: 10.244.0.0/24, 10.244.1.0/24, 10.244.2.0/24 → 192.168.1.4-6",
      run: `ROUTE_TABLE_ID=$(az network vnet subnet show --ids $SUBNET_ID --query routeTable.id -o tsv)
az network route-table route list -g ${NODE_RG} --route-table-name $(basename $ROUTE_TABLE_ID)`,
      check: (r) => assertKubenetRoutes(r.json<Route[]>(), 3, "192.168.1.0/24"),
    },
    {
      name: "setup: your own route table with a user route to a firewall",
      run: `az network route-table create --resource-group myResourceGroup --name myRouteTable -o none
az network route-table route create --resource-group myResourceGroup --route-table-name myRouteTable --name toFirewall \\
  --address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance --next-hop-ip-address 192.168.0.4 -o none`,
    },
    {
      name: "setup: a second subnet associated with the route table before the cluster exists",
      run: `BYO_SUBNET_ID=$(az network vnet subnet create --resource-group myResourceGroup --vnet-name myAKSVnet --name myBYOSubnet \\
  --address-prefixes 192.168.2.0/24 --route-table myRouteTable --query id -o tsv)`,
      check: (r) => assert.match(r.vars.BYO_SUBNET_ID, /\/subnets\/myBYOSubnet$/),
    },
    {
      name: "setup: subscription ID for the optional [--subscription]",
      run: "SUBSCRIPTION_ID=$(az account show --query id -o tsv)",
    },
    {
      name: "vnet subnet list shows both subnets",
      seed: "002",
      run: "az network vnet subnet list --resource-group myResourceGroup --vnet-name myAKSVnet [--subscription]",
      check: (r) => {
        const subnets = r.json<{ name: string; routeTable?: { id: string } }[]>();
        assert.deepEqual(subnets.map((s) => s.name).sort(), ["myAKSSubnet", "myBYOSubnet"]);
        const byo = subnets.find((s) => s.name === "myBYOSubnet");
        assert.match(byo?.routeTable?.id ?? "", /\/routeTables\/myRouteTable$/);
      },
    },
    {
      name: "your own route table with a system-assigned identity is refused",
      run: "az aks create --resource-group myResourceGroup --name myManagedCluster --vnet-subnet-id $BYO_SUBNET_ID --generate-ssh-keys",
      expectExit: 1,
      check: (r) => assert.equal(errorCode(r), "CustomRouteTableWithUnsupportedMSIType"),
    },
    {
      name: "aks create with your own subnet and route table and the user-assigned identity",
      seed: "002",
      run: `az aks create \\
    --resource-group myResourceGroup \\
    --name myManagedCluster \\
    --vnet-subnet-id mySubnetIDResourceID \\
    --assign-identity controlPlaneIdentityResourceID \\
    --generate-ssh-keys`,
      check: (r) => {
        const mc = r.json<Cluster>();
        assert.equal(mc.identity.type, "UserAssigned");
        assert.equal(mc.networkProfile.networkPlugin, "kubenet");
      },
    },
    {
      name: "AKS wrote its routes into your route table, kept your route, created no table of its own",
      run: `az network route-table list -g MC_myResourceGroup_myManagedCluster_eastus --query "length(@)"
az network route-table route list --resource-group myResourceGroup --route-table-name myRouteTable -o json`,
      check: (r) => {
        const [count, ...json] = r.stdout.split("\n");
        assert.equal(count, "0", "no route table in the node resource group");
        assertKubenetRoutes(JSON.parse(json.join("\n")) as Route[], 3, "192.168.2.0/24", ["toFirewall"]);
      },
    },
    {
      name: "routes AKS wrote cannot be deleted by the user",
      run: `AKS_ROUTE=$(az network route-table route list -g myResourceGroup --route-table-name myRouteTable --query "[?name!='toFirewall'] | [0].name" -o tsv)
az network route-table route delete -g myResourceGroup --route-table-name myRouteTable -n $AKS_ROUTE`,
      expectExit: 1,
      check: (r) => assert.equal(errorCode(r), "RouteManagedByCluster"),
    },
    {
      name: "setup: a spare /24 subnet for the capacity checks",
      run: `BIG_SUBNET_ID=$(az network vnet subnet create --resource-group myResourceGroup --vnet-name myAKSVnet --name mySpareSubnet \\
  --address-prefixes 192.168.3.0/24 --query id -o tsv)`,
    },
    {
      name: "the reserved ranges (here 172.30.0.0/16 as pod CIDR) are refused",
      run: `az aks create -g myResourceGroup -n myReservedCluster --network-plugin kubenet --pod-cidr 172.30.0.0/16 \\
  --vnet-subnet-id $BIG_SUBNET_ID --generate-ssh-keys`,
      expectExit: 1,
      check: (r) => assert.equal(errorCode(r), "ReservedCidrOverlap"),
    },
    {
      name: "a DNS service IP outside the service CIDR is refused",
      run: `az aks create -g myResourceGroup -n myReservedCluster --network-plugin kubenet --service-cidr 10.0.0.0/16 \\
  --dns-service-ip 10.1.0.10 --vnet-subnet-id $BIG_SUBNET_ID --generate-ssh-keys`,
      expectExit: 1,
      check: (r) => assert.equal(errorCode(r), "InvalidDNSServiceIP"),
    },
    {
      name: "kubenet on a /24 cannot hold 252 nodes (251 at most)",
      run: "az aks create -g myResourceGroup -n myBigCluster --network-plugin kubenet --vnet-subnet-id $BIG_SUBNET_ID --node-count 252 --generate-ssh-keys",
      expectExit: 1,
      check: (r) => {
        assert.equal(errorCode(r), "InsufficientSubnetSize");
        assert.match(r.stderr, /251/);
      },
    },
    {
      name: "Azure CNI on a /24 cannot hold 9 nodes at 30 pods per node",
      run: "az aks create -g myResourceGroup -n myCniCluster --network-plugin azure --vnet-subnet-id $BIG_SUBNET_ID --node-count 9 --max-pods 30 --generate-ssh-keys",
      expectExit: 1,
      check: (r) => assert.equal(errorCode(r), "InsufficientSubnetSize"),
    },
    {
      name: "Azure CNI on a /24 holds 8 nodes at 30 pods per node (240 pods)",
      run: "az aks create -g myResourceGroup -n myCniCluster --network-plugin azure --vnet-subnet-id $BIG_SUBNET_ID --node-count 8 --max-pods 30 --generate-ssh-keys --query agentPoolProfiles[0].[count,maxPods] -o tsv",
      check: (r) => assert.deepEqual(lines(r), ["8", "30"]),
    },
  ],
  pending: [
    "Pod egress is NATed to the node's primary IP, and pods reach each other across nodes through the routes — needs the Kubernetes API (later issue).",
  ],
};
