// pods/log, exec, attach and portforward for simulated pods: no process runs, so the answer is
// an explanation, at once (never a hang, `-f` included), with kubelet's refusals for a wrong
// container or a container that has not started.
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Obj } from "./api.js";
import { badRequest } from "./errors.js";
import { simulatedLogs } from "./workloads/kubelet.js";

/** What an exec, attach or port-forward to a simulated pod can honestly answer: a refusal. */
const CONNECT_WHAT: Record<string, string> = {
  exec: "there is nothing to exec into",
  attach: "there is nothing to attach to",
  portforward: "nothing listens on its ports to forward to",
};

/** Every container of a pod by kind — the names pods/log and the streams accept. */
function containerNames(pod: Pod): { main: string[]; init: string[]; ephemeral: string[] } {
  return {
    main: (pod.spec?.containers ?? []).map((c) => c.name),
    init: (pod.spec?.initContainers ?? []).map((c) => c.name),
    ephemeral: (pod.spec?.ephemeralContainers ?? []).map((c) => c.name),
  };
}

export function podConnect(obj: Obj, sub: string, container: string | undefined): never {
  const pod = obj as Pod;
  const name = pod.metadata?.name ?? "";
  const { main, init, ephemeral } = containerNames(pod);
  if (container && ![...main, ...init, ...ephemeral].includes(container))
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  throw badRequest(
    `pod "${name}" is simulated by aksnet: its containers run no process, so ${CONNECT_WHAT[sub] ?? "there is nothing to connect to"}`,
  );
}

export function podLog(obj: Obj, container: string | undefined): string {
  const pod = obj as Pod;
  const name = pod.metadata?.name ?? "";
  const { main, init, ephemeral } = containerNames(pod);
  let c = container;
  if (!c) {
    // The pod strategy's LogLocation words: init and ephemeral containers named only when there are some.
    if (main.length !== 1)
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${main.join(" ")}]` +
          (init.length ? ` or one of the init containers: [${init.join(" ")}]` : "") +
          (ephemeral.length ? ` or one of the ephemeral containers: [${ephemeral.join(" ")}]` : ""),
      );
    c = main[0];
  }
  if (![...main, ...init, ...ephemeral].includes(c))
    throw badRequest(`container ${c} is not valid for pod ${name}`);
  const st = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ].find((s) => s.name === c);
  if (!st?.state?.running && !st?.state?.terminated) {
    const reason = st?.state?.waiting?.reason ?? "ContainerCreating";
    throw badRequest(`container "${c}" in pod "${name}" is waiting to start: ${reason}`);
  }
  return simulatedLogs(pod, c);
}
