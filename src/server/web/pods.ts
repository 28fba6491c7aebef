// The page's Pods section of a cluster card (issue 11): per node, its pods with their address,
// phase and the host ports they hold — drawn from `cluster.pods` of `/_aksnet/topology`
// (providers/views/pods.ts). Spliced into page.ts's script, so the same rules hold: ES5, DOM
// built with textContent only, no template literals, no backslashes.

export const PODS_CSS = `
  .pods { margin-top: 12px; }
  .pods summary { cursor: pointer; font-weight: 600; }
  .pods .node-pods { margin: 8px 0 0 12px; }
  .pods .node-pods > .label { font-family: var(--mono); font-size: 12.5px; margin-bottom: 2px; }
  .pods table.pod-table td.hostports { font-family: var(--mono); }
  .pods .phase-Running { color: var(--allow-ink); }
  .pods .phase-Pending, .pods .phase-Failed { color: var(--deny-ink); }
`;

export const PODS_SCRIPT = `
  // ---- pods per node (issue 11) ----
  var PODS_PER_NODE = 100;
  function hostPortText(hp) {
    return hp.hostPort + "/" + hp.protocol + " → " + hp.containerPort + (hp.hostIP ? " on " + hp.hostIP : "");
  }
  function nodePods(c, n) {
    var shown = n.pods.slice(0, PODS_PER_NODE);
    var rows = shown.map(function (p) {
      return h("tr", { "data-pod": p.namespace + "/" + p.name },
        h("td", { class: "mono", text: p.namespace + "/" + p.name }),
        h("td", { class: "mono", text: p.podIP ? p.podIP + (p.hostNetwork ? " (host network)" : "") : "—" }),
        h("td", { class: "hostports", text: p.hostPorts.length ? p.hostPorts.map(hostPortText).join(", ") : "—" }),
        h("td", { class: "phase-" + p.phase, text: p.phase }));
    });
    return h("div", { class: "node-pods", "data-node": n.node },
      h("div", { class: "label" }, h("b", { text: n.node }), h("span", { class: "meta", text: "  " + plural(n.pods.length, "pod") })),
      h("table", { class: "pod-table" },
        h("thead", null, h("tr", null, ["Pod", "Pod IP", "Host ports", "Phase"].map(function (x) { return h("th", { text: x }); }))),
        h("tbody", null, rows)),
      n.pods.length > shown.length ? h("div", { class: "more", text: "and " + fmt(n.pods.length - shown.length) + " more pods on this node" }) : null);
  }
  function podsSection(c) {
    var pods = c.pods;
    if (!pods || !pods.total) return h("div", { class: "pods meta", text: "No pods yet." });
    var key = "pods-" + c.id;
    if (openKeys[key] === undefined) openKeys[key] = pods.total <= 50;
    var summary = "Pods: " + plural(pods.total, "pod") + " on " + plural(pods.nodes.length, "node") +
      (pods.unscheduled ? " (" + pods.unscheduled + " not scheduled)" : "");
    var d = details(key, summary, pods.nodes.map(function (n) { return nodePods(c, n); }));
    d.classList.add("pods");
    return d;
  }
`;
