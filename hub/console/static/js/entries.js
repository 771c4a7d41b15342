// 一企一档 and 一码追溯: every record of every type that names a USCC, by business time, each linked to its
// trace; for 一码追溯 the same list for a special-equipment code.
import { api, boot, h, hubTime, searchForm, showError, t } from "./common.js";

export function dossierPage(page, endpoint, hint) {
  boot(page, async (main, ctx) => {
    const out = h("div", { id: "result" });
    const offset = ctx.config.utc_offset_hours;
    main.append(h("section", { class: "toolbar" }, h("h1", {}, t(page))),
      searchForm("q", ctx.query, hint, run), out);

    async function run(q) {
      if (!q) return;
      out.replaceChildren(h("p", { class: "loading" }, t("loading")));
      try {
        const d = await api(`${endpoint}/${encodeURIComponent(q)}`);
        const entries = d.entries || [];
        const titles = Object.fromEntries((d.groups || []).map((g) =>
          [g.record_type, t("", [g.title_zh, g.title_en])]));
        const row = (e, child) => h("tr", { "data-record": e.record_id,
          class: child ? "child" : null },
        h("td", { class: "mono" }, hubTime(e.business_time, offset)),
        h("td", {}, child ? "└ " : "", titles[e.record_type] || e.record_type),
        h("td", {}, e.title || "", e.retracted ? h("span", { class: "warn" }, " ",
          t("", ["已撤回", "retracted"])) : ""),
        h("td", { class: "code" }, e.region_code || ""),
        h("td", {}, h("a", { class: "mono", href: "/trace?q=" +
          encodeURIComponent(e.trace || e.record_id) }, e.record_id, e.version ? ` v${e.version}` : "")));
        const nested = new Set(entries.flatMap((e) => (e.rectifications || []).map((r) => r.record_id)));
        const rows = entries.filter((e) => !nested.has(e.record_id)).flatMap((e) =>
          [row(e, false), ...(e.rectifications || []).map((r) => row(r, true))]);
        const parts = [
          h("p", { id: "subject" }, h("span", { class: "mono" }, d.code || q), " · ",
            String(entries.length), " ", t("entries", ["条", "entries"]),
            (d.groups || []).map((g) => ` · ${t("", [g.title_zh, g.title_en])} ${g.count}`)),
          (d.warnings || []).length ? h("p", { class: "warn" }, d.warnings.join("；")) : null,
          h("table", { class: "numbers", id: "entries" },
            h("thead", {}, h("tr", {},
              h("th", {}, t("when", ["业务时间", "Business time"])),
              h("th", {}, t("type", ["类型", "Type"])),
              h("th", {}, t("title", ["摘要", "Summary"])),
              h("th", {}, t("region", ["区划", "Region"])),
              h("th", {}, t("record", ["记录（追溯）", "Record (trace)"])))),
            h("tbody", {}, rows.length ? rows
              : h("tr", {}, h("td", { colspan: 5 }, t("not_found"))))),
        ];
        if (d.life && d.life.length) {
          parts.push(h("h2", {}, t("", ["设备生命周期", "The unit's life"])),
            h("table", { class: "numbers", id: "life" },
              h("thead", {}, h("tr", {}, [["版本", "Version"], ["记录时间", "Recorded"],
                ["状态", "Status"], ["上次检验", "Last inspection"], ["下次检验", "Next inspection"]]
                .map((p) => h("th", {}, t("", p))))),
              h("tbody", {}, d.life.map((v) => h("tr", {},
                h("td", {}, h("a", { href: "/trace?q=" + encodeURIComponent(v.record_id) },
                  `v${v.version}`)),
                h("td", { class: "mono" }, hubTime(v.recorded_at, offset)),
                h("td", {}, v.status || ""), h("td", {}, v.last_inspection_date || ""),
                h("td", {}, v.next_inspection_date || ""))))));
        }
        if (d.user_units && d.user_units.length) {
          parts.push(h("p", {}, t("", ["使用单位", "Used by"]), ": ", d.user_units.map((u) =>
            h("a", { class: "mono", href: "/dossier?q=" + encodeURIComponent(u) }, u, " "))));
        }
        out.replaceChildren(...parts.filter(Boolean));
      } catch (e) {
        showError(out, e);
      }
    }
    await run(ctx.query);
  });
}
