import { describe, expect, it } from "vitest";
import { CliError } from "../../src/cli/az/io.js";
import { dumpYaml, mergeKubeconfigs } from "../../src/cli/az/kubeconfig.js";

type Obj = Record<string, unknown>;

const addition = (user = "clusterUser_rg_c1", server = "https://c1:443"): Obj => ({
  apiVersion: "v1",
  kind: "Config",
  clusters: [{ name: "c1", cluster: { server } }],
  contexts: [{ name: "c1", context: { cluster: "c1", user } }],
  users: [{ name: user, user: { token: "t" } }],
  "current-context": "c1",
});

const noPrompt = async () => {
  throw new CliError("no tty");
};

describe("kubeconfig merge (azure-cli merge_kubernetes_configurations)", () => {
  it("takes the addition as is into an empty file", async () => {
    const { merged, currentContext } = await mergeKubeconfigs(null, addition(), {
      overwriteExisting: false,
      confirm: noPrompt,
    });
    expect(merged).toEqual(addition());
    expect(currentContext).toBe("c1");
  });

  it("appends new entries by name and sets current-context", async () => {
    const existing: Obj = {
      clusters: [{ name: "other", cluster: { server: "https://o" } }],
      contexts: [{ name: "other", context: { cluster: "other", user: "u" } }],
      users: [{ name: "u", user: {} }],
      "current-context": "other",
    };
    const { merged } = await mergeKubeconfigs(existing, addition(), {
      overwriteExisting: false,
      confirm: noPrompt,
    });
    expect((merged.clusters as Obj[]).map((c) => c.name)).toEqual(["other", "c1"]);
    expect((merged.users as Obj[]).map((c) => c.name)).toEqual(["u", "clusterUser_rg_c1"]);
    expect(merged["current-context"]).toBe("c1");
  });

  it("replaces identical entries silently; a different one needs --overwrite-existing or a yes", async () => {
    const base = addition();
    const again = await mergeKubeconfigs(structuredClone(base), addition(), {
      overwriteExisting: false,
      confirm: noPrompt,
    });
    expect(again.merged.clusters).toHaveLength(1);
    await expect(
      mergeKubeconfigs(structuredClone(base), addition(undefined, "https://new"), {
        overwriteExisting: false,
        confirm: noPrompt,
      }),
    ).rejects.toThrow("A different object named c1 already exists in clusters in your kubeconfig file.");
    const forced = await mergeKubeconfigs(structuredClone(base), addition(undefined, "https://new"), {
      overwriteExisting: true,
      confirm: noPrompt,
    });
    expect((forced.merged.clusters as Obj[])[0]).toEqual({ name: "c1", cluster: { server: "https://new" } });
    const asked = await mergeKubeconfigs(structuredClone(base), addition(undefined, "https://new"), {
      overwriteExisting: false,
      confirm: async () => true,
    });
    expect(asked.merged.clusters).toHaveLength(1);
  });

  it("renames the admin context and honours --context", async () => {
    const admin = await mergeKubeconfigs(null, addition("clusterAdmin_rg_c1"), {
      overwriteExisting: false,
      confirm: noPrompt,
    });
    expect(admin.currentContext).toBe("c1-admin");
    expect((admin.merged.contexts as Obj[])[0].name).toBe("c1-admin");
    const named = await mergeKubeconfigs(null, addition(), {
      overwriteExisting: false,
      contextName: "dev",
      confirm: noPrompt,
    });
    expect(named.currentContext).toBe("dev");
    expect((named.merged.clusters as Obj[])[0].name).toBe("dev");
    expect((named.merged.contexts as Obj[])[0]).toEqual({
      name: "dev",
      context: { cluster: "dev", user: "clusterUser_rg_c1" },
    });
  });

  it("writes PyYAML-like YAML (sorted keys, unindented lists)", async () => {
    expect(await dumpYaml({ users: [{ name: "u" }], apiVersion: "v1" })).toBe(
      "apiVersion: v1\nusers:\n- name: u\n",
    );
  });
});
