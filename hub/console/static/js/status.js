// Status and reconciliation, as `hub status` shows it.
import { api, boot, h, number, t } from "./common.js";

const OUTCOMES = ["accepted_new", "accepted_update", "duplicate", "stale", "rejected", "in_flight"];

function pairs(title, id, values) {
  const entries = Object.entries(values || {});
  return h("section", {}, h("h2", {}, title),
    h("table", { class: "numbers", id },
      h("tbody", {}, entries.length ? entries.map(([k, v]) => h("tr", { "data-key": k },
        h("td", { class: "mono" }, k),
        h("td", { class: "n" }, typeof v === "object" && v !== null ? JSON.stringify(v)
          : number(v))))
        : h("tr", {}, h("td", {}, t("none"))))));
}

boot("status", async (main) => {
  const s = await api("/v1/status");
  const reconciled = h("span", { id: "reconciled", class: s.reconciled ? "ok" : "warn" },
    s.reconciled ? t("yes", ["已对平", "reconciled"]) : t("no", ["未对平", "NOT reconciled"]));
  main.append(
    h("section", { class: "toolbar" }, h("h1", {}, t("status")), reconciled),
    h("p", { class: "note" }, t("rule", ["接收数 = 新增 + 更新 + 重复 + 过期 + 拒收 + 处理中",
      "received = new + updates + duplicates + stale + rejected + in flight"])),
    h("div", { class: "cards" },
      h("div", { class: "card" }, t("received", ["接收", "Received"]),
        h("div", { class: "big", id: "received" }, number(s.received))),
      h("div", { class: "card" }, t("canonical", ["标准记录", "Canonical records"]),
        h("div", { class: "big", id: "canonical" }, number(s.canonical_records))),
      h("div", { class: "card" }, t("versions", ["版本", "Versions"]),
        h("div", { class: "big" }, number(s.versions))),
      h("div", { class: "card" }, t("quarantined", ["隔离", "Quarantined"]),
        h("div", { class: "big" }, number(s.quarantined)))),
    pairs(t("outcomes", ["判定", "Outcomes"]), "outcomes",
      Object.fromEntries(OUTCOMES.map((o) => [o, s[o]]))),
    pairs(t("deliveries", ["国家平台投递", "National deliveries"]), "deliveries", s.deliveries),
    pairs(t("stages", ["处理阶段积压", "Stage lag"]), "stage-lag", (s.lag || {}).stages),
    pairs(t("projections", ["读模型积压", "Read-model lag"]), "projection-lag",
      (s.lag || {}).projections),
    pairs(t("streams", ["事件流", "Streams"]), "streams", s.streams));
});
