// 监管的监管: the sources ranked worst first over the last days (submissions, rejection rate and
// the rules broken, duplicates, stale updates, national rejections, delay from business time to
// receipt, days since the last submission); a click shows a source's trend; exports as .xlsx/.csv.
import { api, boot, h, number, percent, showError, t } from "./common.js";

const COLUMNS = [
  ["submissions", ["报送数", "Submissions"], number],
  ["rejection_rate", ["拒收率", "Rejection rate"], percent],
  ["duplicates", ["重复", "Duplicates"], number],
  ["stale", ["过期更新", "Stale"], number],
  ["national_rejections", ["国家平台退回", "National rejections"], number],
  ["mean_delay_hours", ["平均延迟（小时）", "Mean delay (h)"], number],
  ["days_since_last", ["距上次报送（天）", "Days since last"], number],
];

boot("scorecards", async (main, ctx) => {
  const days = h("select", { id: "days" }, [7, 30, 90, 365].map((d) =>
    h("option", { value: d, selected: d === 30 }, `${d} ${t("days", ["天", "days"])}`)));
  const by = h("select", { id: "by" }, [["source", ["按来源", "by source"]],
    ["department", ["按部门", "by department"]], ["level", ["按层级", "by level"]],
    ["region", ["按区划", "by region"]]].map(([v, label]) => h("option", { value: v },
    t("", label))));
  const xlsx = h("a", { id: "xlsx", href: "/v1/scorecards.xlsx?days=30" }, ".xlsx");
  const csv = h("a", { id: "csv", href: "/v1/scorecards.csv?days=30" }, ".csv");
  const table = h("table", { class: "numbers", id: "cards" });
  const trendBox = h("div", { class: "chart", id: "trend" });
  const trendTitle = h("h2", { id: "trend-title" }, t("trend", ["趋势", "Trend"]));
  main.append(h("section", { class: "toolbar" }, h("h1", {}, t("scorecards")), days, by,
    h("span", {}, t("export", ["导出", "Export"]), " ", xlsx, " ", csv)),
  trendTitle, trendBox, table);
  const chart = window.echarts.init(trendBox);

  async function load() {
    const query = `days=${days.value}&by=${by.value}`;
    xlsx.href = `/v1/scorecards.xlsx?${query}`;
    csv.href = `/v1/scorecards.csv?${query}`;
    const reply = await api(`/v1/scorecards?${query}`);
    const cards = Array.isArray(reply) ? reply : reply.scorecards || reply.cards || [];
    table.replaceChildren(
      h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, t("source", ["来源", "Source"])),
        h("th", {}, t("dept", ["部门", "Department"])),
        COLUMNS.map(([, label]) => h("th", { class: "n" }, t("", label))),
        h("th", {}, t("rules", ["违反最多的规则", "Rules broken most"])))),
      h("tbody", {}, cards.map((c, i) => h("tr", { class: "link", "data-source": c.source_id,
        "data-rank": i + 1, onclick: () => trend(c) },
      h("td", { class: "n" }, i + 1), h("td", { class: "mono" }, c.source_id,
        c.registered === false ? h("span", { class: "warn" }, " ",
          t("", ["未登记", "unregistered"])) : ""),
      h("td", {}, c.department || "", c.region ? h("div", { class: "code" }, c.region) : ""),
      COLUMNS.map(([key, , fmt]) => h("td", { class: "n", "data-field": key }, fmt(c[key]))),
      h("td", { class: "mono" }, rulesOf(c))))));
    if (cards.length) await trend(cards[0]);
  }

  function rulesOf(card) {
    const rules = card.by_rule || card.rules || {};
    const list = Array.isArray(rules) ? rules.map((r) => [r.rule, r.submissions ?? r.count])
      : Object.entries(rules);
    return list.sort((a, b) => b[1] - a[1]).slice(0, 3).map(([r, n]) => `${r} ${n}`).join("、");
  }

  async function trend(card) {
    trendTitle.textContent = `${t("trend", ["趋势", "Trend"])}: ${card.source_id}`;
    trendBox.dataset.source = card.source_id;
    let points = card.trend;
    if (!points) {
      try {
        const reply = await api(`/v1/scorecards/${encodeURIComponent(card.source_id)}/trend` +
          `?days=${days.value}`);
        points = Array.isArray(reply) ? reply : reply.trend || [];
      } catch (e) {
        showError(trendBox, e);
        return;
      }
    }
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", formatter: (ps) => ps.map((p) => `${p.axisValue} ` +
        `${p.seriesName}: ${p.value}`).join("<br>") },
      legend: { top: 0 },
      grid: { left: 40, right: 20, top: 30, bottom: 30 },
      xAxis: { type: "category", data: points.map((p) => p.day) },
      yAxis: { type: "value" },
      series: [
        { name: t("", ["报送", "submissions"]), type: "line", data: points.map((p) => p.submissions) },
        { name: t("", ["拒收", "rejected"]), type: "line", data: points.map((p) => p.rejected) },
      ],
    }, true);
  }

  days.addEventListener("change", load);
  by.addEventListener("change", load);
  await load();
});
