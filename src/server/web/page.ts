// The page at `/`: one self-contained HTML document (inline CSS and vanilla JS, no build step,
// nothing fetched from elsewhere — the machine may be offline). It polls
// `/_aksnet/topology` and draws what the store holds: address maps per VNet, clusters down
// to nodes and their pods (pods.ts), the pod-CIDR blocks, route tables, NSG rules and public IP prefixes.
//
// The script builds DOM nodes with textContent only (names come from whoever called the
// API) and uses no template literals, so it lives verbatim inside this template string; the
// one escape, a doubled backslash before "n" in tooltips, becomes a newline in the page.
import { PODS_CSS, PODS_SCRIPT } from "./pods.js";

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aksnet — network</title>
<style>
  :root {
    --bg: #f6f7f9; --card: #fff; --ink: #1d2433; --muted: #667085; --line: #e3e6eb;
    --node: #2f6fdb; --pod: #1f9d68; --nic: #e0892b; --lb: #8b5cf6; --other: #7a8699;
    --free: #eceff3; --reserved: #c9ced6; --allow: #e3f4ea; --allow-ink: #17683f;
    --deny: #fbe4e4; --deny-ink: #a32121; --accent: #2f6fdb;
    --mono: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--ink);
    font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
  header { position: sticky; top: 0; z-index: 5; background: #1d2433; color: #fff;
    display: flex; align-items: center; gap: 16px; padding: 10px 24px; }
  header h1 { font-size: 17px; margin: 0; font-weight: 650; letter-spacing: .2px; }
  header .sub { color: #aab3c5; font-size: 13px; }
  header .spacer { flex: 1; }
  header label, header .stamp { font-size: 13px; color: #d5dbe6; }
  header button { font: inherit; font-size: 13px; padding: 4px 12px; border-radius: 6px;
    border: 1px solid #48516a; background: #2b3448; color: #fff; cursor: pointer; }
  header button:hover { background: #37415a; }
  nav { display: flex; gap: 6px; flex-wrap: wrap; padding: 8px 24px; background: #fff;
    border-bottom: 1px solid var(--line); position: sticky; top: 44px; z-index: 4; }
  nav a { color: var(--ink); text-decoration: none; font-size: 13px; padding: 3px 10px;
    border-radius: 999px; background: var(--bg); border: 1px solid var(--line); }
  nav a:hover { border-color: var(--accent); }
  nav .legend { margin-left: auto; display: flex; gap: 12px; align-items: center; font-size: 12px; color: var(--muted); }
  main { max-width: 1240px; margin: 0 auto; padding: 16px 24px 60px; }
  h2 { font-size: 15px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted);
    margin: 28px 0 10px; font-weight: 650; }
  h2 .count { color: var(--ink); margin-left: 6px; }
  .subhead { font-size: 18px; margin: 18px 0 0; font-weight: 650; }
  .subhead .id { font: 12px var(--mono); color: var(--muted); margin-left: 8px; font-weight: 400; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
    padding: 14px 16px; margin: 0 0 14px; }
  .card-title { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; margin-bottom: 8px; }
  .card-title b { font-size: 15px; }
  .meta { color: var(--muted); font-size: 13px; }
  .mono { font-family: var(--mono); font-size: 12.5px; }
  .badge { display: inline-block; font-size: 11.5px; padding: 1px 7px; border-radius: 999px;
    background: #eef2f8; color: #3a4660; border: 1px solid #dde3ee; white-space: nowrap; }
  .badge.ok { background: var(--allow); color: var(--allow-ink); border-color: #c5e6d2; }
  .badge.warn { background: #fff4e0; color: #8a5a00; border-color: #f2dcae; }
  .badge.aks { background: #e8efff; color: #2450a8; border-color: #cbd9fb; }
  .badge.taint { background: #fff0f0; color: #9b2c2c; border-color: #f3caca; }
  .chips { display: flex; flex-wrap: wrap; gap: 6px; }
  .chip { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 5px 10px; font-size: 13px; }
  .chip .meta { margin-left: 6px; font-size: 12px; }
  .empty { background: var(--card); border: 1px dashed #c4cad4; border-radius: 12px; padding: 48px;
    text-align: center; margin-top: 40px; }
  .empty h3 { margin: 0 0 8px; font-size: 20px; }
  .empty code { display: inline-block; margin-top: 6px; background: #1d2433; color: #e6ebf5;
    padding: 6px 12px; border-radius: 6px; font: 13px var(--mono); }
  .error { background: var(--deny); color: var(--deny-ink); border: 1px solid #f0c2c2;
    padding: 8px 12px; border-radius: 8px; margin-top: 12px; }
  .kv { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 6px 18px; margin: 4px 0 10px; }
  .kv div { min-width: 0; }
  .kv .k { display: block; font-size: 11.5px; color: var(--muted); text-transform: uppercase; letter-spacing: .4px; }
  .kv .v { font-family: var(--mono); font-size: 12.5px; overflow-wrap: anywhere; }
  /* address-space bar */
  .space { margin: 6px 0 2px; }
  .bar { position: relative; height: 36px; background: repeating-linear-gradient(135deg, #f3f5f8 0 6px, #eceff3 6px 12px);
    border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
  .seg { position: absolute; top: 0; bottom: 0; border-right: 2px solid #fff; color: #fff; padding: 3px 6px;
    font-size: 12px; line-height: 1.25; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; min-width: 3px; }
  .seg .mono { font-size: 11px; opacity: .9; }
  .scale { display: flex; justify-content: space-between; font: 11px var(--mono); color: var(--muted); margin-top: 2px; }
  /* subnets */
  table { border-collapse: collapse; width: 100%; }
  th { text-align: left; font-size: 11.5px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted);
    font-weight: 600; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  td { padding: 6px 8px; border-bottom: 1px solid #f0f2f5; vertical-align: baseline; }
  tr:last-child td { border-bottom: 0; }
  .subnet { border-top: 1px solid var(--line); padding: 10px 0 4px; margin-top: 8px; }
  .subnet-head { display: flex; gap: 14px; align-items: baseline; flex-wrap: wrap; }
  .subnet-head b { font-size: 14px; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; vertical-align: -1px; margin-right: 4px; }
  .meter { display: inline-block; width: 120px; height: 8px; background: var(--free); border-radius: 4px; overflow: hidden; vertical-align: middle; }
  .meter i { display: block; height: 100%; background: var(--node); }
  .cells { display: grid; grid-template-columns: repeat(64, 14px); gap: 2px; margin: 8px 0 4px; }
  .cell { width: 14px; height: 14px; border-radius: 2px; background: var(--free); }
  .cell.reserved { background: repeating-linear-gradient(135deg, var(--reserved) 0 2px, #e4e7ec 2px 4px); }
  .cell.node { background: var(--node); } .cell.pod { background: var(--pod); } .cell.nic { background: var(--nic); }
  .cell.lb { background: var(--lb); } .cell.other { background: var(--other); }
  .cell:hover { outline: 2px solid #1d2433; outline-offset: 0; }
  .more { font-size: 12px; color: var(--muted); }
  .holders { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12.5px; margin: 4px 0 6px; }
  .holders span.ip { font-family: var(--mono); font-size: 12px; }
  .ticks { position: relative; height: 12px; background: var(--free); border-radius: 3px; margin: 6px 0 2px; overflow: hidden; }
  .tick { position: absolute; top: 0; bottom: 0; min-width: 2px; }
  /* clusters */
  .pool { border: 1px solid var(--line); border-left: 5px solid var(--node); border-radius: 8px; padding: 8px 12px; margin: 10px 0 0; }
  .pool-head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; margin-bottom: 4px; }
  .pool-head b { font-size: 14px; }
  .blocks { display: grid; grid-template-columns: repeat(64, 14px); gap: 2px; margin: 6px 0 2px; }
  .label { font-size: 12px; color: var(--muted); margin-top: 8px; }
  /* rules */
  td.allow { background: var(--allow); color: var(--allow-ink); font-weight: 600; }
  td.deny { background: var(--deny); color: var(--deny-ink); font-weight: 600; }
  td.num, th.num { text-align: right; }
  details summary { cursor: pointer; color: var(--muted); font-size: 13px; margin-top: 8px; }
  details[open] summary { margin-bottom: 4px; }
  /* AKS on Azure Stack HCI */
  .cell.host { background: #1d2433; } .cell.controlplane { background: #2f6fdb; } .cell.worker { background: #5b8def; }
  .cell.loadbalancer { background: var(--lb); } .cell.update { background: var(--reserved); } .cell.apiserver { background: #0f766e; }
  .cell.service { background: var(--pod); } .cell.conflict { background: var(--deny-ink); outline: 2px solid #f3caca; }
  td.conflict, .badge.conflict { background: var(--deny); color: var(--deny-ink); border-color: #f0c2c2; font-weight: 600; }
  /* public IP prefixes */
  .pipgrid { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 6px; margin-top: 6px; }
  .pipcell { border: 1px solid var(--line); border-radius: 6px; padding: 5px 7px; background: #fafbfc; min-height: 48px; }
  .pipcell .mono { display: block; font-size: 12px; }
  .pipcell .who { font-size: 11.5px; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .pipcell.used { background: #eaf1ff; border-color: #bcd0f7; }
  .pipcell.used .who { color: #2450a8; }
  td.nowrap { white-space: nowrap; }
  /* node tables: same column grid in every pool, so IPs line up down the page */
  table.nodes { table-layout: fixed; }
  table.nodes th:first-child { width: 300px; }
  table.nodes th:nth-child(2) { width: 130px; }
  table.nodes th:nth-child(3) { width: 170px; }
  td .badge.taint { white-space: normal; overflow-wrap: anywhere; }
  /* load balancers and egress gateways: frontend → rules → backend pool → nodes */
  div.lb { border: 1px solid var(--line); border-left: 5px solid var(--lb); border-radius: 8px; padding: 8px 12px; margin: 10px 0 0; }
  .flow { display: grid; grid-template-columns: minmax(220px, 1.1fr) 22px minmax(260px, 1.6fr) 22px minmax(150px, .8fr) 22px minmax(160px, 1fr); align-items: center; row-gap: 8px; margin-top: 6px; }
  .flow .arrow { text-align: center; color: var(--muted); font-size: 16px; }
  .fbox { border: 1px solid var(--line); border-radius: 6px; padding: 5px 8px; background: #fafbfc; font-size: 12.5px; min-height: 40px; }
  .fbox.fe { background: #f3eefe; border-color: #d6c8fb; }
  .fbox.bp { background: #eaf1ff; border-color: #bcd0f7; }
  .fbox .mono { font-size: 12px; }
  .fbox .who { color: var(--muted); font-size: 11.5px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .rule { font-family: var(--mono); font-size: 12px; white-space: nowrap; }
  .rule .meta { font-family: system-ui, sans-serif; }
  .svc { color: #6d3fd6; font-weight: 600; }
  #tip { position: fixed; z-index: 10; pointer-events: none; background: #1d2433; color: #fff; font-size: 12px;
    padding: 5px 8px; border-radius: 6px; max-width: 520px; display: none; white-space: pre-line; box-shadow: 0 4px 14px rgba(0,0,0,.2); }
  @media (max-width: 1180px) { .cells, .blocks { grid-template-columns: repeat(48, 14px); } .pipgrid { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
${PODS_CSS}</style>
</head>
<body>
<header>
  <h1>aksnet</h1><span class="sub">emulated Azure Kubernetes Service network</span>
  <span class="spacer"></span>
  <span class="stamp" id="stamp">loading…</span>
  <label><input type="checkbox" id="auto" checked> auto-refresh (5 s)</label>
  <button id="refresh" type="button">Refresh</button>
</header>
<nav id="nav"></nav>
<main id="main"></main>
<div id="tip"></div>
<script>
(function () {
  "use strict";
  var KIND_NAMES = { node: "node", pod: "pod", nic: "NIC", lb: "load balancer", other: "other" };
  // Subnets and pools get their own palettes, apart from the owner-kind colours of addresses.
  var SUBNET_COLORS = ["#3b4a63", "#0e7490", "#b45309", "#be185d", "#4d7c0f", "#6d28d9", "#9f1239", "#155e75"];
  var POOL_COLORS = ["#4338ca", "#0d9488", "#c2410c", "#db2777", "#65a30d", "#7c3aed", "#0369a1", "#a16207"];
  var AKS_ROLES = { "aks-slb-managed-outbound-ip": "cluster outbound (load balancer)", "aks-node-public-ip": "node public IP" };
  var CELL_WINDOW = 512;
  var lastText = "";
  // Per rendered subscription: pod addresses a node holds in a subnet (flat CNI, pod subnet),
  // and public IP addresses by id.
  var podIps = {};
  var pipById = {};
  var openKeys = {};

  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else if (k === "style") el.setAttribute("style", v);
      else if (k === "tip") el.setAttribute("data-tip", v);
      else el.setAttribute(k, v);
    }
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, c) {
    if (c === undefined || c === null || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { add(el, x); }); return; }
    el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
  function mono(t) { return h("span", { class: "mono", text: t }); }
  function badge(t, cls, tip) { return h("span", { class: "badge" + (cls ? " " + cls : ""), text: t, tip: tip }); }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : (many || one + "s")); }
  function fmt(n) { return Number(n).toLocaleString("en-US"); }
  function pct(part, whole) { return whole > 0 ? Math.max(0, Math.min(100, (part / whole) * 100)) : 0; }
  function clusterName(id) { return id ? id.split("/").pop() : ""; }

  // ---- addresses (IPv4 done in numbers; IPv6 shown as offsets) ----
  function ipv4ToNum(ip) { var p = ip.split("."); return ((+p[0]) * 16777216) + ((+p[1]) << 16 >>> 0) + ((+p[2]) << 8) + (+p[3]); }
  function numToIpv4(n) { return [Math.floor(n / 16777216) % 256, Math.floor(n / 65536) % 256, Math.floor(n / 256) % 256, n % 256].join("."); }
  function addrAt(cidr, offset) {
    var base = cidr.split("/")[0];
    if (base.indexOf(":") >= 0) return base + " +" + offset;
    return numToIpv4(ipv4ToNum(base) + offset);
  }
  function lastOf(cidr, size) { return addrAt(cidr, size - 1); }

  // ---- tooltip ----
  var tip = document.getElementById("tip");
  document.addEventListener("mouseover", function (e) {
    var t = e.target.closest ? e.target.closest("[data-tip]") : null;
    if (!t) { tip.style.display = "none"; return; }
    tip.textContent = t.getAttribute("data-tip");
    tip.style.display = "block";
  });
  document.addEventListener("mousemove", function (e) {
    if (tip.style.display !== "block") return;
    var x = e.clientX + 14, y = e.clientY + 16;
    if (x + tip.offsetWidth > window.innerWidth - 8) x = e.clientX - tip.offsetWidth - 10;
    if (y + tip.offsetHeight > window.innerHeight - 8) y = e.clientY - tip.offsetHeight - 10;
    tip.style.left = x + "px"; tip.style.top = y + "px";
  });

  function details(key, summary, body) {
    var d = h("details", { "data-key": key, open: openKeys[key] ? "" : false }, h("summary", { text: summary }), body);
    d.addEventListener("toggle", function () { openKeys[key] = d.open; });
    return d;
  }

  // ---- virtual networks ----
  function subnetColor(i) { return SUBNET_COLORS[i % SUBNET_COLORS.length]; }

  // One bar over [from, to) of an address-space prefix; subnets drawn where they sit, labelled
  // when there is room (the swatches below repeat the colours for the narrow ones).
  function barOf(vnet, spaceIndex, from, to) {
    var space = vnet.addressSpace[spaceIndex];
    var span = to - from;
    var bar = h("div", { class: "bar" });
    vnet.subnets.forEach(function (s, i) {
      s.prefixes.forEach(function (p) {
        if (p.space !== spaceIndex) return;
        var width = pct(p.size, span);
        var seg = h("div", {
          class: "seg",
          style: "left:" + pct(p.offset - from, span) + "%;width:" + width + "%;background:" + subnetColor(i),
          tip: s.name + "  " + p.cidr + "\\n" + fmt(s.used) + " of " + fmt(s.usable) + " usable addresses in use",
        });
        // 11.9 px per percent at the page's 1190 px content width.
        if (width * 11.9 >= 160) add(seg, [h("b", { text: s.name }), " ", h("span", { class: "mono", text: p.cidr })]);
        else if (width * 11.9 >= 24) add(seg, h("b", { text: s.name }));
        bar.appendChild(seg);
      });
    });
    return h("div", { class: "space" }, bar,
      h("div", { class: "scale" }, h("span", { text: addrAt(space.cidr, from) }),
        h("span", { text: from === 0 && to === space.size ? space.cidr + " · " + fmt(space.size) + " addresses" : "zoomed to the subnets: " + fmt(span) + " of " + fmt(space.size) + " addresses" }),
        h("span", { text: addrAt(space.cidr, to - 1) })));
  }

  function spaceBar(vnet, spaceIndex) {
    var space = vnet.addressSpace[spaceIndex];
    var lo = Infinity, hi = -Infinity;
    vnet.subnets.forEach(function (s) {
      s.prefixes.forEach(function (p) {
        if (p.space !== spaceIndex) return;
        lo = Math.min(lo, p.offset); hi = Math.max(hi, p.offset + p.size);
      });
    });
    var out = [barOf(vnet, spaceIndex, 0, space.size)];
    // Subnets packed into a corner of a large space would be slivers: zoom in on them too.
    if (hi > lo && (hi - lo) / space.size < 0.25) out.push(barOf(vnet, spaceIndex, lo, hi));
    return out;
  }

  function addressCells(s) {
    var p = s.prefixes[0];
    var owners = {};
    var maxUsed = -1;
    s.addresses.forEach(function (a) {
      if (a.prefixIndex !== 0) return;
      for (var k = 0; k < a.count; k++) owners[a.offset + k] = a;
      maxUsed = Math.max(maxUsed, a.offset + a.count - 1);
    });
    // Small subnets are drawn whole; large ones up to the highest held address (rounded up to a
    // row), because allocation is lowest-free and everything above it is free anyway.
    var shown = p.size <= CELL_WINDOW ? p.size : Math.min(CELL_WINDOW, Math.max(64, Math.ceil((maxUsed + 1) / 64) * 64));
    var grid = h("div", { class: "cells" });
    for (var o = 0; o < shown; o++) {
      var a = owners[o];
      var ip = addrAt(p.cidr, o);
      if (a) grid.appendChild(h("div", { class: "cell " + a.kind, tip: ip + "\\n" + KIND_NAMES[a.kind] + ": " + a.label }));
      else if (o < p.usableFirst || o > p.usableLast) grid.appendChild(h("div", { class: "cell reserved", tip: ip + "\\nreserved by Azure" }));
      else grid.appendChild(h("div", { class: "cell", tip: ip + "\\nfree" }));
    }
    var out = [grid];
    if (shown < p.size) {
      out.push(h("div", { class: "more", text: "showing the first " + fmt(shown) + " of " + fmt(p.size) + " addresses; the rest are free" + (maxUsed >= shown ? " or shown on the bar below" : "") + "." }));
      var ticks = h("div", { class: "ticks", tip: p.cidr + " — whole subnet" });
      s.addresses.forEach(function (a) {
        if (a.prefixIndex !== 0) return;
        ticks.appendChild(h("div", { class: "tick cell " + a.kind, style: "left:" + pct(a.offset, p.size) + "%;width:" + pct(a.count, p.size) + "%", tip: a.first + (a.count > 1 ? " – " + a.last : "") + "\\n" + KIND_NAMES[a.kind] + ": " + a.label }));
      });
      out.push(ticks);
    }
    return out;
  }

  // Consecutive runs of one holder name (a flat-CNI node's pod ip configurations) read as one.
  function holderGroups(s) {
    var groups = [];
    s.addresses.forEach(function (a) {
      var g = groups[groups.length - 1];
      if (g && g.kind === a.kind && g.label === a.label && g.end + 1 === a.offset) {
        g.last = a.last; g.count += a.count; g.end = a.offset + a.count - 1; g.ids.push(a.id);
      } else groups.push({ kind: a.kind, label: a.label, first: a.first, last: a.last, count: a.count, end: a.offset + a.count - 1, ids: [a.id] });
    });
    return groups;
  }

  function holderList(s) {
    var limit = 24;
    var groups = holderGroups(s);
    var list = h("div", { class: "holders" });
    groups.slice(0, limit).forEach(function (g) {
      list.appendChild(h("span", { tip: g.ids.length > 1 ? g.ids.length + " ip configurations, first " + g.ids[0] : g.ids[0] },
        h("span", { class: "swatch cell " + g.kind }),
        h("span", { class: "ip", text: g.first + (g.count > 1 ? " – " + g.last + " (" + g.count + ")" : "") }),
        " ", g.label));
    });
    if (groups.length > limit) list.appendChild(h("span", { class: "more", text: "… and " + (groups.length - limit) + " more" }));
    return list;
  }

  function subnetBlock(s, i) {
    var prefixes = s.prefixes.map(function (p) { return p.cidr; }).join(", ");
    return h("div", { class: "subnet" },
      h("div", { class: "subnet-head" },
        h("span", null, h("span", { class: "swatch", style: "background:" + subnetColor(i) }), h("b", { text: s.name })),
        mono(prefixes),
        h("span", { class: "meta" }, h("span", { class: "meter" }, h("i", { style: "width:" + pct(s.used, s.usable) + "%" })),
          " " + fmt(s.used) + " used · " + fmt(s.free) + " free of " + fmt(s.usable) + " usable"),
        s.routeTable ? h("span", { class: "meta" }, "route table ", h("b", { text: s.routeTable.name })) : h("span", { class: "meta", text: "no route table" }),
        s.networkSecurityGroup ? h("span", { class: "meta" }, "NSG ", h("b", { text: s.networkSecurityGroup.name })) : h("span", { class: "meta", text: "no NSG" })),
      addressCells(s),
      s.addresses.length ? holderList(s) : h("div", { class: "more", text: "no addresses held" }));
  }

  function vnetCard(v) {
    return h("div", { class: "card", id: "vnet-" + v.id },
      h("div", { class: "card-title" }, h("b", { text: v.name }),
        h("span", { class: "meta", text: v.resourceGroup + " · " + v.location }),
        h("span", { class: "mono", text: v.addressSpace.map(function (a) { return a.cidr; }).join(", ") }),
        h("span", { class: "meta", text: plural(v.subnets.length, "subnet") })),
      v.addressSpace.map(function (_, i) { return spaceBar(v, i); }),
      v.subnets.map(subnetBlock));
  }

  // ---- clusters ----
  function kv(pairs) {
    return h("div", { class: "kv" }, pairs.filter(function (p) { return p[1] !== undefined && p[1] !== ""; }).map(function (p) {
      return h("div", null, h("span", { class: "k", text: p[0] }), h("span", { class: "v", text: p[1] }));
    }));
  }

  function podCidrBar(c, poolColor) {
    var b = c.podCidrBlocks;
    var used = {};
    var maxUsed = -1;
    b.used.forEach(function (u) { used[u.index] = u; maxUsed = Math.max(maxUsed, u.index); });
    var shown = b.blocks <= CELL_WINDOW ? b.blocks : Math.min(CELL_WINDOW, Math.max(64, Math.ceil((maxUsed + 1) / 64) * 64));
    var grid = h("div", { class: "blocks" });
    for (var i = 0; i < shown; i++) {
      var u = used[i];
      var cidr = u ? u.cidr : addrAt(b.cidr, i * 256) + "/24";
      grid.appendChild(u
        ? h("div", { class: "cell", style: "background:" + poolColor(u.pool), tip: cidr + "\\nnode " + u.node + " (pool " + u.pool + ")" })
        : h("div", { class: "cell", tip: cidr + "\\nfree" }));
    }
    return [
      h("div", { class: "label" }, "Pod CIDR ", h("b", { class: "mono", text: b.cidr }), " — " + b.used.length + " of " + fmt(b.blocks) + " /24 blocks taken, one per node"),
      grid,
      shown < b.blocks ? h("div", { class: "more", text: "showing the first " + fmt(shown) + " blocks; the rest are free." }) : null,
    ];
  }

  function nodeTable(p) {
    var hasPod = p.nodes.some(function (n) { return n.podCidr; });
    var hasPip = p.nodes.some(function (n) { return n.publicIP; });
    var hasPodIps = p.nodes.some(function (n) { return podIps[n.name]; });
    var hasExtra = p.nodes.some(function (n) { return n.applicationSecurityGroups.length || n.taints.length; });
    var head = h("tr", null, h("th", { text: "Node" }), h("th", { text: "Private IP" }),
      hasPod ? h("th", { text: "Pod CIDR" }) : null, hasPodIps ? h("th", { text: "Pod IPs (from the subnet)" }) : null, hasPip ? h("th", { text: "Public IP" }) : null,
      hasExtra ? h("th", { text: "ASGs · taints" }) : null);
    var rows = p.nodes.map(function (n) {
      return h("tr", null,
        h("td", { class: "mono", text: n.name }),
        h("td", { class: "mono", text: n.privateIP }),
        hasPod ? h("td", { class: "mono", text: n.podCidr || "—", tip: n.route ? "route " + n.route + ": " + n.podCidr + " → " + n.privateIP : undefined }) : null,
        hasPodIps ? h("td", null, podIps[n.name] ? [mono(podIps[n.name].first + " – " + podIps[n.name].last), h("span", { class: "meta", text: "  " + podIps[n.name].count + " addresses" })] : "—") : null,
        hasPip ? h("td", null, n.publicIP ? [mono(n.publicIP.ipAddress), n.publicIP.prefix ? h("span", { class: "meta", text: "  from " + n.publicIP.prefix }) : null] : "—") : null,
        hasExtra ? h("td", null, n.applicationSecurityGroups.map(function (a) { return [badge(a.name, "", a.id), " "]; }),
          n.taints.map(function (t) { return [badge(t, "taint"), " "]; })) : null);
    });
    if (!rows.length) return h("div", { class: "more", text: "no nodes" });
    return h("table", { class: "nodes" }, h("thead", null, head), h("tbody", null, rows));
  }

  function clusterCard(c) {
    var colorOf = {};
    c.pools.forEach(function (p, i) { colorOf[p.name] = POOL_COLORS[i % POOL_COLORS.length]; });
    var poolColor = function (name) { return colorOf[name] || "#7a8699"; };
    var plugin = c.networkPlugin + (c.networkPluginMode ? " (" + c.networkPluginMode + ")" : "");
    return h("div", { class: "card" },
      h("div", { class: "card-title" }, h("b", { text: c.name }),
        h("span", { class: "meta", text: c.resourceGroup + " · " + c.location + " · Kubernetes " + c.kubernetesVersion }),
        badge(c.state, c.state === "Succeeded" ? "ok" : "warn"), badge(plugin, "aks")),
      kv([
        ["Network plugin", plugin], ["Network policy", c.networkPolicy || "none"], ["Outbound", c.outboundType],
        ["Node resource group", c.nodeResourceGroup],
        ["Pod CIDR", c.podCidr || "— (pods use subnet addresses)"], ["Service CIDR", c.serviceCidr], ["DNS service IP", c.dnsServiceIP],
        ["VNet", c.managedVnet ? "managed by AKS" : "bring your own"],
        ["NSG", c.networkSecurityGroup.name], ["Route table", c.routeTable ? c.routeTable.name : undefined],
        ["Outbound IPs", c.outboundIPs.map(function (r) { var x = pipById[r.id.toLowerCase()]; return x ? x.ipAddress : r.name; }).join(", ")],
      ]),
      c.podCidrBlocks ? podCidrBar(c, poolColor) : null,
      c.pools.map(function (p) {
        return h("div", { class: "pool", style: "border-left-color:" + poolColor(p.name) },
          h("div", { class: "pool-head" }, h("b", { text: p.name }), badge(p.mode, p.mode === "System" ? "aks" : ""),
            h("span", { class: "meta", text: p.count + " × " + p.vmSize + " · " + p.osType + " · max " + p.maxPods + " pods/node" }),
            h("span", { class: "meta" }, "subnet ", h("b", { text: p.subnet.name, tip: p.subnet.id })),
            p.podSubnet ? h("span", { class: "meta" }, "pod subnet ", h("b", { text: p.podSubnet.name, tip: p.podSubnet.id })) : null,
            h("span", { class: "meta" }, "VMSS ", h("span", { class: "mono", text: p.vmss.name })),
            p.enableNodePublicIP ? badge("node public IPs" + (p.nodePublicIPPrefix ? " from " + p.nodePublicIPPrefix.name : ""), "", p.nodePublicIPPrefix ? p.nodePublicIPPrefix.id : undefined) : null,
            p.gatewayPrefixSize !== undefined ? badge("gateway prefix /" + p.gatewayPrefixSize) : null,
            p.state !== "Succeeded" ? badge(p.state, "warn") : null),
          nodeTable(p));
      }),
      podsSection(c),
      clusterEdges(c));
  }

${PODS_SCRIPT}
  // ---- load balancers and static egress gateways (issues 12, 13) ----
  var arrow = function () { return h("div", { class: "arrow", text: "→" }); };
  function lbFlow(lb) {
    var rows = [];
    lb.frontends.forEach(function (f) {
      var rules = lb.rules.filter(function (r) { return r.frontend === f.name; });
      var pools = [];
      rules.forEach(function (r) { if (pools.indexOf(r.backendPool) < 0) pools.push(r.backendPool); });
      if (!pools.length) pools.push("");
      pools.forEach(function (pn, i) {
        var mine = rules.filter(function (r) { return r.backendPool === pn; });
        var bp = lb.backendPools.filter(function (b) { return b.name === pn; })[0];
        rows.push(i === 0
          ? h("div", { class: "fbox fe", tip: f.name + (f.publicIP ? "\\npublic IP " + f.publicIP.name : "") + (f.subnet ? "\\nsubnet " + f.subnet.name : "") },
            h("span", { class: "mono", text: f.address || "(no address)" }), " ",
            f.publicIP ? badge("public") : badge("private"),
            h("div", { class: "who" }, f.service ? h("span", { class: "svc", text: "Service " + f.service }) : h("span", { text: f.name })))
          : h("div"));
        rows.push(arrow());
        rows.push(h("div", { class: "fbox" }, mine.length ? mine.map(function (r) {
          return h("div", { class: "rule", tip: r.name + (r.probe ? "\\nprobe " + r.probe : "") },
            r.protocol + " " + r.frontendPort + " → " + r.backendPort, " ",
            r.enableFloatingIP ? badge("floating IP") : null, " ",
            h("span", { class: "meta", text: r.probe ? "probe " + r.probe.split(": ")[1] : "no probe" }));
        }) : h("span", { class: "meta", text: "no load-balancing rule" })));
        rows.push(arrow());
        rows.push(bp ? h("div", { class: "fbox bp" }, h("b", { text: bp.name.length > 20 ? bp.name.slice(0, 8) + "…" : bp.name, tip: bp.name }),
          h("div", { class: "who", text: plural(bp.nodes.length, "node") })) : h("div", { class: "fbox", text: "—" }));
        rows.push(arrow());
        rows.push(h("div", { class: "fbox" }, bp && bp.nodes.length ? bp.nodes.map(function (n) { return h("div", { class: "mono", text: n }); }) : h("span", { class: "meta", text: "no nodes" })));
      });
    });
    return h("div", { class: "lb" },
      h("div", { class: "pool-head" }, h("b", { text: lb.name }), badge("load balancer", "", lb.id),
        h("span", { class: "meta", text: plural(lb.frontends.length, "frontend") + " · " + plural(lb.rules.length, "rule") + " · " + plural(lb.backendPools.length, "backend pool") })),
      rows.length ? h("div", { class: "flow" }, rows) : null,
      lb.outboundRules.map(function (o) {
        var fes = o.frontends.map(function (n) { var f = lb.frontends.filter(function (x) { return x.name === n; })[0]; return f && f.address ? f.address : n; });
        return h("div", { class: "label" }, "outbound ", h("b", { text: o.name }), ": backend pool ", h("b", { text: o.backendPool }),
          " → " + o.protocol + " via ", h("span", { class: "mono", text: fes.join(", ") }),
          o.allocatedOutboundPorts !== undefined ? " · " + o.allocatedOutboundPorts + " SNAT ports/node" : "");
      }));
  }
  function egressTable(gws) {
    return h("div", { class: "lb", style: "border-left-color:#1f9d68" },
      h("div", { class: "pool-head" }, h("b", { text: "Static egress gateways" }), h("span", { class: "meta", text: plural(gws.length, "StaticGatewayConfiguration") })),
      h("table", null, h("thead", null, h("tr", null, ["Configuration", "Pool", "Egress prefix", "ILB frontend : port", "Node → egress public IP", "Pods using it"].map(function (x) { return h("th", { text: x }); }))),
        h("tbody", null, gws.map(function (g) {
          return h("tr", null,
            h("td", { tip: "uid " + g.uid }, h("b", { text: g.configuration || g.uid })),
            h("td", { text: g.pool || "—" }),
            h("td", null, g.prefix ? [h("span", { class: "mono", text: g.prefix.ipPrefix }), " ", badge(g.prefix.byo ? "BYO " + g.prefix.name : "automatic", g.prefix.byo ? "" : "aks", g.prefix.id)] : h("span", { class: "meta", text: "no public IPs" })),
            h("td", { class: "mono", text: g.ilb ? g.ilb.frontendIP + " : " + g.ilb.port + " (UDP)" : "—" }),
            h("td", null, g.nodes.map(function (n) { return h("div", { class: "mono", text: n.node + " → " + n.ipAddress, tip: n.publicIP.name }); })),
            h("td", null, (g.pods || []).length ? g.pods.map(function (p) { return h("div", { class: "mono", text: p }); }) : h("span", { class: "meta", text: "none" })));
        }))));
  }
  function clusterEdges(c) {
    return [
      c.loadBalancers.length ? h("div", { class: "label", text: "Load balancers (node resource group " + c.nodeResourceGroup + ")" }) : null,
      c.loadBalancers.map(lbFlow),
      c.egressGateways.length ? egressTable(c.egressGateways) : null,
      c.services && c.services.length ? servicesTable(c.services) : null,
    ];
  }

  // ---- Services (issue 12): type, cluster IPs, external addresses, ports, backends ----
  function servicePorts(sv) {
    return sv.ports.map(function (p) {
      return (p.name ? p.name + " " : "") + p.port + (p.nodePort ? ":" + p.nodePort : "") + "/" + p.protocol + " → " + p.targetPort;
    }).join(", ");
  }
  function serviceBackends(sv) {
    if (sv.type === "ExternalName") return h("span", { class: "meta", text: "CNAME " + sv.externalName });
    if (!sv.backends.length) return h("span", { class: "meta", text: sv.selector ? "no endpoints (selector " + sv.selector + ")" : "no selector" });
    return sv.backends.map(function (b) {
      return h("div", { class: "mono", tip: b.node ? "node " + b.node : undefined },
        (b.pod || "-") + " " + b.ip, " ", b.ready ? null : badge("not ready", "warn"));
    });
  }
  function servicesTable(list) {
    return h("div", { class: "lb services", style: "border-left-color:#6b5bd6" },
      h("div", { class: "pool-head" }, h("b", { text: "Services" }), h("span", { class: "meta", text: plural(list.length, "Service") })),
      h("table", null, h("thead", null, h("tr", null, ["Service", "Type", "Cluster IP", "External IP", "Ports", "Backends (endpoints)"].map(function (x) { return h("th", { text: x }); }))),
        h("tbody", null, list.map(function (sv) {
          return h("tr", null,
            h("td", null, h("span", { class: "meta", text: sv.namespace + "/" }), h("b", { text: sv.name })),
            h("td", null, sv.type, sv.internal ? [" ", badge("internal")] : null),
            h("td", { class: "mono", text: sv.clusterIPs.join(", ") || "—" }),
            h("td", { class: "mono", text: sv.externalIPs.join(", ") || (sv.type === "LoadBalancer" ? "<pending>" : "—"), tip: sv.frontend ? "frontend " + sv.frontend : undefined }),
            h("td", { class: "mono", text: servicePorts(sv) || "—" }),
            h("td", null, serviceBackends(sv)));
        }))));
  }

  // ---- route tables ----
  function routeTableCard(t) {
    var rows = t.routes.map(function (r) {
      return h("tr", null, h("td", { class: "mono", text: r.name }), h("td", { class: "mono", text: r.addressPrefix }),
        h("td", { text: r.nextHopType }), h("td", { class: "mono", text: r.nextHopIpAddress || "—" }),
        h("td", null, r.managedByCluster ? badge("AKS · " + clusterName(r.managedByCluster), "aks", r.managedByCluster) : h("span", { class: "meta", text: "user" })));
    });
    return h("div", { class: "card" },
      h("div", { class: "card-title" }, h("b", { text: t.name }), h("span", { class: "meta", text: t.resourceGroup + " · " + t.location }),
        t.usedByCluster ? badge("used by cluster " + t.usedByCluster.name, "aks", t.usedByCluster.id) : null,
        h("span", { class: "meta", text: t.subnets.length ? "subnets: " + t.subnets.map(function (s) { return s.name; }).join(", ") : "not attached to a subnet" })),
      rows.length
        ? h("table", null, h("thead", null, h("tr", null, ["Route", "Address prefix", "Next hop type", "Next hop IP", "Owner"].map(function (x) { return h("th", { text: x }); }))), h("tbody", null, rows))
        : h("div", { class: "more", text: "no routes" }));
  }

  // ---- NSGs ----
  function ruleTable(rules) {
    return h("table", null,
      h("thead", null, h("tr", null, ["Direction", "Priority", "Name", "Access", "Protocol", "Source", "Src ports", "Destination", "Dst ports", "Owner"].map(function (x, i) { return h("th", { text: x, class: i === 1 ? "num" : undefined }); }))),
      h("tbody", null, rules.map(function (r) {
        return h("tr", { tip: r.description },
          h("td", { text: r.direction }), h("td", { class: "num mono", text: String(r.priority) }), h("td", { class: "mono", text: r.name }),
          h("td", { class: r.access === "Allow" ? "allow" : "deny", text: r.access }), h("td", { text: r.protocol }),
          h("td", { class: "mono", text: r.source.join(", ") }), h("td", { class: "mono", text: r.sourcePorts.join(", ") }),
          h("td", { class: "mono" }, r.destination.join(", "), r.serviceRule ? r.serviceRule.frontends.map(function (f) {
            return h("div", { class: "svc", text: "opens " + f.address + (f.service ? " (" + f.service + ")" : ""), tip: f.frontend });
          }) : null), h("td", { class: "mono", text: r.destinationPorts.join(", ") }),
          h("td", null, r.serviceRule ? badge("Service rules (cloud-provider-azure)", "aks") : r.managedByCluster ? badge("AKS · " + clusterName(r.managedByCluster), "aks", r.managedByCluster) : r.name.indexOf("Default") === 0 || r.priority >= 65000 ? h("span", { class: "meta", text: "Azure" }) : h("span", { class: "meta", text: "user" })));
      })));
  }

  function nsgCard(n) {
    var users = n.subnets.map(function (s) { return "subnet " + s.name; }).concat(n.networkInterfaces.map(function (x) { return "NIC " + x.name; }))
      .concat(n.scaleSets.map(function (x) { return "the NICs of " + x.name; }));
    return h("div", { class: "card" },
      h("div", { class: "card-title" }, h("b", { text: n.name }), h("span", { class: "meta", text: n.resourceGroup + " · " + n.location }),
        h("span", { class: "meta", text: users.length ? "attached to " + users.join(", ") : "not attached" })),
      n.rules.length ? ruleTable(n.rules) : h("div", { class: "more", text: "no rules of its own — only Azure's defaults apply" }),
      details("nsg-defaults-" + n.id, plural(n.defaultRules.length, "default rule") + " (Azure's, lowest precedence)", ruleTable(n.defaultRules)));
  }

  // ---- public IPs ----
  function prefixCard(p) {
    return h("div", { class: "card" },
      h("div", { class: "card-title" }, h("b", { text: p.name }), h("span", { class: "meta", text: p.resourceGroup + " · " + p.location }),
        mono(p.ipPrefix), h("span", { class: "meta", text: p.used + " of " + p.size + " addresses used" })),
      h("div", { class: "pipgrid" }, p.addresses.map(function (a) {
        var who = a.holder ? a.holder.label : a.publicIP ? a.publicIP.name + " (unattached)" : "free";
        var tipText = a.ipAddress + (a.publicIP ? "\\npublic IP " + a.publicIP.name : "\\nfree") + (a.holder ? "\\nattached to " + KIND_NAMES[a.holder.kind] + " " + a.holder.label : "");
        return h("div", { class: "pipcell" + (a.publicIP ? " used" : ""), tip: tipText }, h("span", { class: "mono", text: a.ipAddress }), h("div", { class: "who", text: who }));
      })));
  }

  function pipTable(list) {
    return h("div", { class: "card" }, h("table", null,
      h("thead", null, h("tr", null, ["Public IP", "Resource group", "Address", "From prefix", "Attached to", "AKS role"].map(function (x) { return h("th", { text: x }); }))),
      h("tbody", null, list.map(function (p) {
        return h("tr", null, h("td", { class: "mono", text: p.name }), h("td", { class: "nowrap", text: p.resourceGroup }), h("td", { class: "mono nowrap", text: p.ipAddress }),
          h("td", { text: p.prefix ? p.prefix.name : "—" }),
          h("td", { tip: p.holder ? p.holder.id : undefined, text: p.holder ? KIND_NAMES[p.holder.kind] + " " + p.holder.label : "—" }),
          h("td", { class: "meta", text: p.aksManagedType ? AKS_ROLES[p.aksManagedType] || p.aksManagedType : "" }));
      }))));
  }

  // ---- page ----
  function section(id, title, count, body) {
    return [h("h2", { id: id }, title, h("span", { class: "count", text: count === undefined ? "" : String(count) })), body];
  }

  function hasAnything(s) {
    return s.resourceGroups.length || s.virtualNetworks.length || s.clusters.length || s.publicIPPrefixes.length || s.publicIPAddresses.length;
  }

  // ---- AKS on Azure Stack HCI: networks with their node and VIP pools, clusters, HAProxy VMs ----
  function ipNum(ip) { return ipv4ToNum(ip); }
  function poolCells(pool, conflicts) {
    var ends = pool.range.split("-");
    var first = ipNum(ends[0]), last = ipNum(ends[1]);
    var byIp = {};
    pool.holders.forEach(function (x) { (byIp[x.ip] = byIp[x.ip] || []).push(x); });
    var cells = h("div", { class: "cells" });
    var n = Math.min(last - first + 1, 512);
    for (var i = 0; i < n; i++) {
      var ip = numToIpv4(first + i);
      var hs = byIp[ip];
      var cls = "cell" + (hs ? " " + (hs.some(function (x) { return x.conflict; }) ? "conflict" : hs[0].kind) : "");
      cells.appendChild(h("span", { class: cls, tip: ip + (hs ? "\\n" + hs.map(function (x) { return x.label; }).join("\\n") : "\\nfree") }));
    }
    return [cells, last - first + 1 > n ? h("div", { class: "more", text: "first " + n + " of " + (last - first + 1) + " addresses drawn" }) : null];
  }
  function holderTable(pool) {
    if (!pool.holders.length) return h("div", { class: "meta", text: "nothing taken" });
    return h("table", null, h("thead", null, h("tr", null, ["Address", "Holder", "Kind"].map(function (x) { return h("th", { text: x }); }))),
      h("tbody", null, pool.holders.map(function (x) {
        return h("tr", null, h("td", { class: "mono" + (x.conflict ? " conflict" : ""), text: x.ip }), h("td", { text: x.label }), h("td", null, badge(x.kind, x.conflict ? "conflict" : "")));
      })));
  }
  function hciNetworkCard(n) {
    return h("div", { class: "card" },
      h("div", { class: "card-title" }, h("b", { text: n.name }), badge(n.role === "host" ? "AKS host network" : "cluster network", "aks"),
        badge(n.ipAllocationMethod), h("span", { class: "meta", text: "switch " + n.vswitchName + (n.vlanID ? " · VLAN " + n.vlanID : "") })),
      kv([["Prefix", n.ipAddressPrefix || "(DHCP)"], ["Gateway", n.gateway], ["DNS", (n.dnsServers || []).join(", ")], ["Clusters", n.clusters.join(", ") || "none"]]),
      h("div", { class: "label", text: (n.ipAllocationMethod === "static" ? "k8s node IP pool " : "DHCP scope ") + n.nodePool.range + " · " + n.nodePool.free + " of " + n.nodePool.size + " free" }),
      poolCells(n.nodePool), details("hci-node-" + n.name, "who holds each node address", holderTable(n.nodePool)),
      h("div", { class: "label", text: "VIP pool " + n.vipPool.range + " · " + n.vipPool.free + " of " + n.vipPool.size + " free" }),
      poolCells(n.vipPool), details("hci-vip-" + n.name, "who holds each VIP", holderTable(n.vipPool)),
      n.conflicts.map(function (c) { return h("div", { class: "error", text: "Duplicate VIP " + c.vip + " (" + c.clusters.join(", ") + "): " + c.effect }); }));
  }
  function hciClusterCard(c) {
    var rows = c.frontends.map(function (f) {
      return h("tr", null, h("td", { class: "mono", text: f.bind }), h("td", { text: f.service || "API server" }), h("td", { class: "mono", text: f.backends.join(", ") }));
    });
    return h("div", { class: "card" },
      h("div", { class: "card-title" }, h("b", { text: c.name }), badge(c.primaryNetworkPlugin, c.primaryNetworkPlugin === "calico" ? "ok" : "warn",
        c.networkPolicy ? "enforces NetworkPolicy" : "NetworkPolicy stored, not enforced; no pod to VM in the same network"),
        h("span", { class: "meta", text: "network " + c.network + " · " + c.kubernetesVersion })),
      kv([["API server VIP", c.apiServerVip], ["Pod CIDR", c.podCidr], ["Service CIDR", c.serviceCidr],
        ["Load balancer", c.loadBalancer.sku + (c.loadBalancer.sku === "HAProxy" ? " × " + c.loadBalancer.count : "")],
        ["LB VMs", c.loadBalancer.vms.map(function (v) { return v.name + " " + v.ip; }).join(", ") || "none (kube-vip)"],
        ["Kept for updates", c.updateReserve.join(", ")]]),
      h("table", null, h("thead", null, h("tr", null, ["Node", "Role", "Pool", "IP", "Pod CIDR"].map(function (x) { return h("th", { text: x }); }))),
        h("tbody", null, c.nodes.map(function (x) { return h("tr", null, h("td", { class: "mono", text: x.name }), h("td", { text: x.role }), h("td", { text: x.pool }), h("td", { class: "mono", text: x.ip }), h("td", { class: "mono", text: x.podCidr || "" })); }))),
      h("div", { class: "label", text: "HAProxy frontends (haproxy.cfg)" }),
      h("table", null, h("thead", null, h("tr", null, ["Frontend", "For", "Backends"].map(function (x) { return h("th", { text: x }); }))), h("tbody", null, rows)),
      c.services.filter(function (x) { return x.conflict; }).map(function (x) { return h("div", { class: "error", text: x.namespace + "/" + x.name + " holds " + x.vip + ", which another cluster's load balancer also claims" }); }));
  }
  function renderHci(t, main, nav) {
    var x = t.hci;
    if (!x || !x.networks.length) return;
    nav.appendChild(h("a", { href: "#hci", text: "AKS on HCI " + x.clusters.length }));
    add(main, section("hci", "AKS on Azure Stack HCI — networks", x.networks.length,
      [h("div", { class: "meta", text: (x.installed ? "AKS host installed" : "AKS host not installed") + (x.host && x.host.apiServerVip ? " · host API server " + x.host.apiServerVip : "") + (x.emulateKnownIssues ? " · known duplicate-VIP defect emulated" : " · duplicate VIPs prevented") })]
        .concat(x.networks.map(hciNetworkCard))));
    if (x.clusters.length) add(main, section("hci-clusters", "AKS on Azure Stack HCI — workload clusters", x.clusters.length, x.clusters.map(hciClusterCard)));
  }

  function render(t) {
    var main = document.getElementById("main");
    var nav = document.getElementById("nav");
    main.textContent = "";
    nav.textContent = "";
    var subs = t.subscriptions.filter(hasAnything);
    if (!subs.length && !(t.hci && t.hci.networks.length)) {
      nav.style.display = "none";
      main.appendChild(h("div", { class: "empty" },
        h("h3", { text: "Nothing yet" }),
        h("p", { class: "meta", text: "The emulator holds no resources. Create some and this page draws them — it refreshes by itself." }),
        h("code", { text: "aksnet az group create --name demo --location eastus" }), h("br"),
        h("code", { text: "aksnet az aks create -g demo -n aks1 --network-plugin kubenet" })));
      return;
    }
    nav.style.display = "";
    var multi = subs.length > 1;
    subs.forEach(function (s, si) {
      var p = "s" + si + "-";
      podIps = {}; pipById = {};
      s.publicIPAddresses.forEach(function (x) { pipById[x.id.toLowerCase()] = x; });
      s.virtualNetworks.forEach(function (v) {
        v.subnets.forEach(function (sn) {
          holderGroups(sn).forEach(function (g) {
            if (g.kind !== "pod") return;
            var node = g.label.replace(/ pods$/, "");
            var cur = podIps[node];
            podIps[node] = cur ? { first: cur.first, last: g.last, count: cur.count + g.count } : { first: g.first, last: g.last, count: g.count };
          });
        });
      });
      if (multi) main.appendChild(h("div", { class: "subhead" }, s.displayName, h("span", { class: "id", text: s.subscriptionId })));
      [["vnets", "VNets", s.virtualNetworks.length], ["clusters", "Clusters", s.clusters.length], ["routes", "Route tables", s.routeTables.length],
        ["nsgs", "NSGs", s.networkSecurityGroups.length], ["prefixes", "IP prefixes", s.publicIPPrefixes.length], ["pips", "Public IPs", s.publicIPAddresses.length]]
        .forEach(function (n) { if (n[2]) nav.appendChild(h("a", { href: "#" + p + n[0], text: (multi ? "#" + (si + 1) + " " : "") + n[1] + " " + n[2] })); });
      add(main, section(p + "groups", "Resource groups", s.resourceGroups.length, h("div", { class: "chips" }, s.resourceGroups.map(function (g) {
        return h("span", { class: "chip" }, h("b", { text: g.name }), h("span", { class: "meta", text: g.location + (g.managedBy ? " · managed by " + clusterName(g.managedBy) : "") }));
      }))));
      if (s.virtualNetworks.length) add(main, section(p + "vnets", "Virtual networks", s.virtualNetworks.length, s.virtualNetworks.map(vnetCard)));
      if (s.clusters.length) add(main, section(p + "clusters", "Managed clusters", s.clusters.length, s.clusters.map(clusterCard)));
      if (s.routeTables.length) add(main, section(p + "routes", "Route tables", s.routeTables.length, s.routeTables.map(routeTableCard)));
      if (s.networkSecurityGroups.length) add(main, section(p + "nsgs", "Network security groups", s.networkSecurityGroups.length, s.networkSecurityGroups.map(nsgCard)));
      if (s.publicIPPrefixes.length) add(main, section(p + "prefixes", "Public IP prefixes", s.publicIPPrefixes.length, s.publicIPPrefixes.map(prefixCard)));
      if (s.publicIPAddresses.length) add(main, section(p + "pips", "Public IP addresses", s.publicIPAddresses.length, pipTable(s.publicIPAddresses)));
    });
    renderHci(t, main, nav);
    var legend = h("span", { class: "legend" }, ["node", "pod", "nic", "lb"].map(function (k) {
      return h("span", null, h("span", { class: "swatch cell " + k }), KIND_NAMES[k]);
    }), h("span", null, h("span", { class: "swatch cell reserved" }), "reserved"), h("span", null, h("span", { class: "swatch cell" }), "free"));
    nav.appendChild(legend);
  }

  var errorBox = null;
  function load() {
    return fetch("/_aksnet/topology", { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.text();
    }).then(function (text) {
      if (errorBox) { errorBox.remove(); errorBox = null; }
      document.getElementById("stamp").textContent = "updated " + new Date().toLocaleTimeString();
      if (text === lastText) return;
      lastText = text;
      render(JSON.parse(text));
    }).catch(function (e) {
      document.getElementById("stamp").textContent = "emulator unreachable";
      if (!errorBox) {
        errorBox = h("div", { class: "error", text: "Could not read /_aksnet/topology (" + e.message + "). Is the emulator still running? Showing the last picture." });
        document.getElementById("main").prepend(errorBox);
      }
    });
  }
  document.getElementById("refresh").addEventListener("click", function () { lastText = ""; load(); });
  setInterval(function () { if (document.getElementById("auto").checked && !document.hidden) load(); }, 5000);
  load();
})();
</script>
</body>
</html>
`;
