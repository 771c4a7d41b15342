// The audit verification (auditors only): what `hub audit verify` finds, run by the hub. The
// last result is shown with its time; "verify again" runs it afresh. Findings are Chinese first.
import { api, boot, h, hubTime, number, showError, t } from "./common.js";

function problem(f) {
  return t("problem", [f.problem_zh, f.problem_en]);
}

function render(main, ctx, r) {
  const verdict = h("span", { id: "intact", class: r.intact ? "ok" : "warn" },
    r.intact ? t("intact", ["完整：未发现篡改", "intact: nothing altered"])
      : t("altered", [`发现 ${r.findings_total} 处篡改`, `${r.findings_total} alterations found`]));
  const again = h("button", { type: "button", class: "action", id: "again",
    onclick: () => show(main, ctx, 0).catch((e) => showError(main, e)) }, t("again", ["重新核验", "Verify again"]));
  const events = Object.values(r.events_checked || {}).reduce((a, b) => a + b, 0);
  const rows = r.findings.map((f) => h("tr", { "data-code": f.code, "data-id": f.id },
    h("td", { class: "mono" }, f.code),
    h("td", { class: "mono" }, f.where),
    h("td", { class: "mono" }, f.id, f.version === null ? "" : ` v${f.version}`),
    h("td", {}, problem(f))));
  main.replaceChildren(
    h("section", { class: "toolbar" }, h("h1", {}, t("audit")), verdict, " ", again),
    h("p", { class: "note", id: "checked-at" },
      t("checked", ["核验时间", "Verified at"]), " ",
      hubTime(r.checked_at, ctx.config.utc_offset_hours),
      ` (${number(r.took_s)} s${r.cached ? t("cached", ["，上次结果", ", last result"]) : ""})`),
    h("div", { class: "cards" },
      h("div", { class: "card" }, t("events", ["事件", "Events"]),
        h("div", { class: "big", id: "events-checked" }, number(events))),
      h("div", { class: "card" }, t("versions", ["记录版本", "Record versions"]),
        h("div", { class: "big", id: "versions-checked" }, number(r.versions_checked))),
      h("div", { class: "card" }, t("journal", ["变更日志", "Journal entries"]),
        h("div", { class: "big" }, number(r.journal_entries))),
      h("div", { class: "card" }, t("findings", ["发现", "Findings"]),
        h("div", { class: "big", id: "findings-total" }, number(r.findings_total)))),
    h("table", { class: "numbers", id: "findings" },
      h("thead", {}, h("tr", {},
        h("th", {}, t("code")), h("th", {}, t("where", ["位置", "Where"])),
        h("th", {}, t("item", ["对象", "Item"])), h("th", {}, t("problem", ["问题", "Problem"])))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 4 }, t("none"))))),
    r.findings_total > r.findings.length
      ? h("p", { class: "note" }, t("more", [`仅显示前 ${r.findings.length} 条`,
        `only the first ${r.findings.length} shown`])) : null);
}

async function show(main, ctx, maxAge) {
  main.replaceChildren(h("p", { class: "loading" }, t("running", ["核验中…", "Verifying…"])));
  const r = await api(`/v1/audit?max_age_s=${maxAge}`);
  render(main, ctx, r);
}

boot("audit", async (main, ctx) => {
  await show(main, ctx, 60);
});
