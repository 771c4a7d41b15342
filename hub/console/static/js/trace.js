// Trace: a record id, a submission id, SOURCE:SOURCE_RECORD_ID or a USCC (which opens its
// dossier); the chain of events as `hub trace` shows it, times in the hub's time zone.
import { api, boot, h, hubTime, searchForm, showError, t } from "./common.js";

const USCC = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** An event's detail as short "key: value" pairs, empty ones left out. */
function detailText(detail) {
  const shown = Object.entries(detail || {}).filter(([, v]) => v !== null && v !== ""
    && !(Array.isArray(v) && v.length === 0));
  const text = shown.map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`)
    .join(" · ");
  return text.length > 400 ? text.slice(0, 400) + "…" : text;
}

boot("trace", async (main, ctx) => {
  const out = h("div", { id: "result" });
  const offset = ctx.config.utc_offset_hours;
  main.append(h("section", { class: "toolbar" }, h("h1", {}, t("trace"))),
    searchForm("q", ctx.query, t("hint", ["rec-…、sub-…、来源:来源记录编号 或 统一社会信用代码",
      "rec-…, sub-…, SOURCE:SOURCE_RECORD_ID or a USCC"]), run), out);

  async function run(q) {
    if (!q) return;
    if (USCC.test(q.toUpperCase())) {
      location.assign("/dossier?q=" + encodeURIComponent(q.toUpperCase()));
      return;
    }
    out.replaceChildren(h("p", { class: "loading" }, t("loading")));
    try {
      const reply = await api("/v1/trace?q=" + encodeURIComponent(q));
      out.replaceChildren(
        h("p", {}, t("records", ["记录", "Records"]), ": ",
          reply.records.map((r) => h("span", { class: "mono" }, r, " "))),
        h("table", { class: "numbers", id: "chain" },
          h("thead", {}, h("tr", {},
            ["time", "stream", "event", "actor", "submission", "record", "detail"].map((k) =>
              h("th", {}, t(k, {
                time: ["时间", "Time"], stream: ["事件流", "Stream"], event: ["事件", "Event"],
                actor: ["执行者", "Actor"], submission: ["报送", "Submission"],
                record: ["记录/版本", "Record/version"], detail: ["详情", "Detail"],
              }[k]))))),
          h("tbody", {}, reply.entries.map((e) => h("tr", { "data-event": e.event_type },
            h("td", { class: "mono time" }, hubTime(e.recorded_at, offset)),
            h("td", {}, e.stream), h("td", {}, e.event_type), h("td", {}, e.actor),
            h("td", { class: "mono" }, e.submission_id || "",
              e.source_id ? ` (${e.source_id}:${e.source_record_id || ""})` : ""),
            h("td", { class: "mono" }, e.record_id || "", e.version ? ` v${e.version}` : ""),
            h("td", { class: "detail" }, detailText(e.detail)))))));
    } catch (e) {
      if (e.status === 422 && await elsewhere(q)) return;
      showError(out, e);
    }
  }

  /** Not a trace query: the search says whether it is an equipment code or an entity. */
  async function elsewhere(q) {
    try {
      const found = await api("/v1/search?q=" + encodeURIComponent(q));
      const kind = found.kind || "";
      if (kind.includes("equipment")) location.assign("/equipment?q=" + encodeURIComponent(q));
      else if (kind.includes("uscc") || kind.includes("entity")) {
        location.assign("/dossier?q=" + encodeURIComponent(q));
      } else return false;
      return true;
    } catch {
      return false;
    }
  }
  await run(ctx.query);
});
