// What a node's capacity is made of: the VM size (vCPUs, memory, architecture) and the
// reservations AKS takes out of it for the kubelet and the eviction threshold
// (learn.microsoft.com/azure/aks/node-resource-reservations). Data, not code, drives it.

export interface VmSize {
  vcpus: number;
  memoryGiB: number;
  arch: "amd64" | "arm64";
}

/** Common AKS node sizes (Azure's published figures). Unknown sizes fall back to DEFAULT_VM_SIZE. */
export const VM_SIZES: Readonly<Record<string, VmSize>> = {
  // Burstable sizes below AKS's System-pool floor (2 vCPUs, 4 GiB).
  Standard_B1s: { vcpus: 1, memoryGiB: 1, arch: "amd64" },
  Standard_B1ms: { vcpus: 1, memoryGiB: 2, arch: "amd64" },
  Standard_B2ts_v2: { vcpus: 2, memoryGiB: 1, arch: "amd64" },
  Standard_A1_v2: { vcpus: 1, memoryGiB: 2, arch: "amd64" },
  Standard_B2s: { vcpus: 2, memoryGiB: 4, arch: "amd64" },
  Standard_B2ms: { vcpus: 2, memoryGiB: 8, arch: "amd64" },
  Standard_B4ms: { vcpus: 4, memoryGiB: 16, arch: "amd64" },
  Standard_D2_v2: { vcpus: 2, memoryGiB: 7, arch: "amd64" },
  Standard_DS2_v2: { vcpus: 2, memoryGiB: 7, arch: "amd64" },
  Standard_DS3_v2: { vcpus: 4, memoryGiB: 14, arch: "amd64" },
  Standard_DS4_v2: { vcpus: 8, memoryGiB: 28, arch: "amd64" },
  Standard_D2s_v3: { vcpus: 2, memoryGiB: 8, arch: "amd64" },
  Standard_D4s_v3: { vcpus: 4, memoryGiB: 16, arch: "amd64" },
  Standard_D8s_v3: { vcpus: 8, memoryGiB: 32, arch: "amd64" },
  Standard_D16s_v3: { vcpus: 16, memoryGiB: 64, arch: "amd64" },
  Standard_D2s_v4: { vcpus: 2, memoryGiB: 8, arch: "amd64" },
  Standard_D4s_v4: { vcpus: 4, memoryGiB: 16, arch: "amd64" },
  Standard_D2s_v5: { vcpus: 2, memoryGiB: 8, arch: "amd64" },
  Standard_D4s_v5: { vcpus: 4, memoryGiB: 16, arch: "amd64" },
  Standard_D8s_v5: { vcpus: 8, memoryGiB: 32, arch: "amd64" },
  Standard_D16s_v5: { vcpus: 16, memoryGiB: 64, arch: "amd64" },
  Standard_D32s_v5: { vcpus: 32, memoryGiB: 128, arch: "amd64" },
  Standard_D2ds_v5: { vcpus: 2, memoryGiB: 8, arch: "amd64" },
  Standard_D4ds_v5: { vcpus: 4, memoryGiB: 16, arch: "amd64" },
  Standard_D8ds_v5: { vcpus: 8, memoryGiB: 32, arch: "amd64" },
  Standard_D2as_v5: { vcpus: 2, memoryGiB: 8, arch: "amd64" },
  Standard_D4as_v5: { vcpus: 4, memoryGiB: 16, arch: "amd64" },
  Standard_D2ps_v5: { vcpus: 2, memoryGiB: 8, arch: "arm64" },
  Standard_D4ps_v5: { vcpus: 4, memoryGiB: 16, arch: "arm64" },
  Standard_D2pds_v5: { vcpus: 2, memoryGiB: 8, arch: "arm64" },
  Standard_D4pds_v5: { vcpus: 4, memoryGiB: 16, arch: "arm64" },
  Standard_E2s_v3: { vcpus: 2, memoryGiB: 16, arch: "amd64" },
  Standard_E4s_v3: { vcpus: 4, memoryGiB: 32, arch: "amd64" },
  Standard_E8s_v3: { vcpus: 8, memoryGiB: 64, arch: "amd64" },
  Standard_E4s_v5: { vcpus: 4, memoryGiB: 32, arch: "amd64" },
  Standard_F2s_v2: { vcpus: 2, memoryGiB: 4, arch: "amd64" },
  Standard_F4s_v2: { vcpus: 4, memoryGiB: 8, arch: "amd64" },
  Standard_F8s_v2: { vcpus: 8, memoryGiB: 16, arch: "amd64" },
  Standard_F16s_v2: { vcpus: 16, memoryGiB: 32, arch: "amd64" },
  Standard_NC6s_v3: { vcpus: 6, memoryGiB: 112, arch: "amd64" },
  // AKS on Azure Stack HCI (the AksHci module's Get-AksHciVmSize table).
  Standard_K8S_v1: { vcpus: 4, memoryGiB: 2, arch: "amd64" },
  Standard_K8S2_v1: { vcpus: 2, memoryGiB: 2, arch: "amd64" },
  Standard_K8S3_v1: { vcpus: 4, memoryGiB: 6, arch: "amd64" },
  Standard_A2_v2: { vcpus: 2, memoryGiB: 4, arch: "amd64" },
  Standard_A4_v2: { vcpus: 4, memoryGiB: 8, arch: "amd64" },
};

export const DEFAULT_VM_SIZE = "Standard_DS2_v2";

/** The size's figures, case-insensitively, when the table knows it. */
export function knownVmSize(name: string): VmSize | undefined {
  const key = Object.keys(VM_SIZES).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? VM_SIZES[key] : undefined;
}

/** The size's figures, case-insensitively; unknown names get DEFAULT_VM_SIZE's (documented). */
export function vmSizeOf(name: string): VmSize {
  return knownVmSize(name) ?? VM_SIZES[DEFAULT_VM_SIZE];
}

/** kube-reserved CPU by core count, as the AKS table lists it. */
const CPU_RESERVED_MILLI: Readonly<Record<number, number>> = { 1: 60, 2: 100, 3: 120, 4: 140 };

/** kube-reserved CPU: the table up to 4 cores, then 10m per further core (8→180m, 64→740m). */
export function kubeReservedCpuMilli(vcpus: number): number {
  if (vcpus <= 4) return CPU_RESERVED_MILLI[Math.max(1, Math.ceil(vcpus))];
  return 140 + 10 * (vcpus - 4);
}

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** Kubernetes minor from which AKS uses the maxPods-based memory reservation. */
const NEW_MEMORY_FORMULA_MINOR = 29;

function minor(version: string): number {
  const m = /^v?1\.(\d+)/.exec(version);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

/**
 * kube-reserved memory and the hard eviction threshold, in bytes.
 * AKS ≥ 1.29: min(20 MiB × maxPods + 50 MiB, 25 % of memory), eviction 100 Mi.
 * Older: 25 % of the first 4 GiB, 20 % of the next 4, 10 % of the next 8, 6 % of the next
 * 112, 2 % above 128 GiB; eviction 750 Mi.
 */
export function memoryReservation(memoryBytes: number, maxPods: number, version: string) {
  if (minor(version) >= NEW_MEMORY_FORMULA_MINOR)
    return {
      kubeReserved: Math.min(20 * MiB * maxPods + 50 * MiB, Math.floor(memoryBytes * 0.25)),
      eviction: 100 * MiB,
    };
  const tiers: [number, number][] = [
    [4 * GiB, 0.25],
    [4 * GiB, 0.2],
    [8 * GiB, 0.1],
    [112 * GiB, 0.06],
    [Number.POSITIVE_INFINITY, 0.02],
  ];
  let left = memoryBytes;
  let reserved = 0;
  for (const [size, rate] of tiers) {
    const part = Math.min(left, size);
    reserved += part * rate;
    left -= part;
    if (left <= 0) break;
  }
  return { kubeReserved: Math.floor(reserved), eviction: 750 * MiB };
}

/** OS disk AKS gives nodes (GiB) and the nodefs eviction threshold (10 %). */
export const OS_DISK_GIB = 128;
export const NODEFS_EVICTION = 0.1;

export interface NodeResources {
  capacity: { cpuMilli: number; memoryBytes: number; pods: number; ephemeralBytes: number };
  allocatable: { cpuMilli: number; memoryBytes: number; pods: number; ephemeralBytes: number };
}

/** AKS keeps another 2 GiB on Windows nodes for system processes (not in the formula above). */
const WINDOWS_SYSTEM_RESERVED = 2 * GiB;

/** Capacity and allocatable of a node of `vmSize` with `maxPods`, on Kubernetes `version`. */
export function nodeResources(
  vmSize: string,
  maxPods: number,
  version: string,
  os: "linux" | "windows" = "linux",
): NodeResources {
  const s = vmSizeOf(vmSize);
  const cpuMilli = s.vcpus * 1000;
  const memoryBytes = s.memoryGiB * GiB;
  const ephemeralBytes = OS_DISK_GIB * GiB;
  const mem = memoryReservation(memoryBytes, maxPods, version);
  return {
    capacity: { cpuMilli, memoryBytes, pods: maxPods, ephemeralBytes },
    allocatable: {
      cpuMilli: cpuMilli - kubeReservedCpuMilli(s.vcpus),
      memoryBytes: Math.max(
        0,
        memoryBytes - mem.kubeReserved - mem.eviction - (os === "windows" ? WINDOWS_SYSTEM_RESERVED : 0),
      ),
      pods: maxPods,
      ephemeralBytes: Math.floor(ephemeralBytes * (1 - NODEFS_EVICTION)),
    },
  };
}
