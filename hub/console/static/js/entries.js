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
        out.replaceChildren(
          h("p", { id: "subject" }, h("strong", {}, d.title || d.name || q), " ",
            h("span", { class: "mono" }, q), " · ", String(entries.length), " ",
            t("entries", ["条", "entries"])),
          h("table", { class: "numbers", id: "entries" },
            h("thead", {}, h("tr", {},
              h("th", {}, t("when", ["业务时间", "Business time"])),
              h("th", {}, t("type", ["类型", "Type"])),
              h("th", {}, t("title", ["摘要", "Summary"])),
              h("th", {}, t("region", ["区划", "Region"])),
              h("th", {}, t("record", ["记录", "Record"])))),
            h("tbody", {}, entries.map((e) => h("tr", { "data-record": e.record_id },
              h("td", { class: "mono" }, hubTime(e.business_time, offset)),
              h("td", {}, e.record_type_name || e.record_type),
              h("td", {}, e.title || ""),
              h("td", { class: "code" }, e.region_code || ""),
              h("td", {}, h("a", { class: "mono", href: "/trace?q=" +
                encodeURIComponent(e.record_id) }, e.record_id, e.version ? ` v${e.version}` : "")))))));
      } catch (e) {
        showError(out, e);
      }
    }
    await run(ctx.query);
  });
}
