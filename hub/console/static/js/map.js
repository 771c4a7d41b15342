// 一张图: the hub's area by region, coloured by a chosen measure, the numbers in a table beside
// it; a click on a region (on the map or in the table) opens its cities or counties.
import { api, boot, covers, h, lang, number, percent, showError, t } from "./common.js";

const MEASURES = [
  { name: "records", zh: "记录数", en: "Records", kind: "count" },
  { name: "rejections", zh: "拒收数", en: "Rejections", kind: "count" },
  { name: "duplicates_avoided", zh: "避免重复数", en: "Duplicates avoided", kind: "count" },
  { name: "hazards_open", zh: "未销号隐患", en: "Hazards open", kind: "count" },
  { name: "rectification_rate", zh: "整改率", en: "Rectification rate", kind: "rate" },
  { name: "national_rejections", zh: "国家平台退回数", en: "National rejections", kind: "count" },
];
const COUNTRY = "100000";

function levelOf(code) {
  if (code === COUNTRY) return "country";
  if (code.endsWith("0000")) return "province";
  if (code.endsWith("00")) return "city";
  return "county";
}

function parentOf(code) {
  const level = levelOf(code);
  if (level === "province") return COUNTRY;
  if (level === "city") return code.slice(0, 2) + "0000";
  if (level === "county") return code.slice(0, 4) + "00";
  return null;
}

const label = (m) => (lang() === "en" ? m.en : m.zh);
const show = (m, v) => (m.kind === "rate" ? percent(v) : number(v));

const boundaries = new Map();
async function boundary(code) {
  if (!boundaries.has(code)) {
    const reply = await fetch(`/static/boundaries/${code}.json`, { credentials: "same-origin" });
    boundaries.set(code, reply.ok ? await reply.json() : null);
  }
  return boundaries.get(code);
}

function rowsOf(reply) {
  if (Array.isArray(reply)) return reply;
  return reply.regions || reply.rows || reply.children || [];
}

boot("map", async (main, ctx) => {
  const area = ctx.session && ctx.session.region ? ctx.session.region : null;
  // a viewer opens on their own area: a county viewer on its city's map, showing only the county
  let start = ctx.config.region;
  if (area) start = levelOf(area) === "county" ? parentOf(area) : area;
  const state = { parent: start, measure: "records", top: start };

  const select = h("select", { id: "measure", "aria-label": t("measure", ["指标", "Measure"]) },
    MEASURES.map((m) => h("option", { value: m.name }, label(m))));
  const up = h("button", { type: "button", id: "up", hidden: true }, t("back"));
  const crumbs = h("span", { id: "crumbs", class: "crumbs" });
  const chartBox = h("div", { id: "map", class: "map" });
  const table = h("table", { id: "regions", class: "numbers" });
  const note = h("p", { class: "note", id: "note" });
  main.append(
    h("section", { class: "toolbar" }, h("h1", {}, t("map")), crumbs, up,
      h("label", {}, t("measure", ["指标", "Measure"]), " ", select)),
    h("section", { class: "split" }, chartBox, h("div", { class: "side" }, table, note)));

  const chart = window.echarts.init(chartBox, null, { renderer: "canvas" });
  window.addEventListener("resize", () => chart.resize());
  chart.on("click", (p) => p.name && drill(p.name));
  select.addEventListener("change", () => { state.measure = select.value; draw(); });
  up.addEventListener("click", () => { state.parent = parentOf(state.parent); load(); });

  let rows = [];
  let extra = []; // what no child holds: the parent's own level, records without a region
  let total = null; // the parent's whole area, as the API counts it
  let geo = null;
  const hasNumbers = (r) => MEASURES.some((m) => m.kind === "count" && r[m.name]);

  async function load() {
    chartBox.dataset.ready = "";
    try {
      // the API names the country 000000; its boundary file is 100000
      const asked = state.parent === COUNTRY ? "000000" : state.parent;
      const reply = await api(`/v1/regions?parent=${encodeURIComponent(asked)}`);
      rows = rowsOf(reply).filter((r) => covers(area, r.code) || covers(r.code, area || ""));
      extra = [];
      if (reply.own && hasNumbers(reply.own)) extra.push(["own", reply.own]);
      if (reply.unattributed && hasNumbers(reply.unattributed)) {
        extra.push(["unattributed", reply.unattributed]);
      }
      total = reply.total || null;
      geo = await boundary(state.parent);
    } catch (e) {
      showError(note, e);
      return;
    }
    draw();
  }

  function drill(code) {
    if (levelOf(code) === "county") return;
    if (area && !covers(area, code) && !covers(code, area)) return;
    state.parent = code;
    load();
  }

  function draw() {
    const measure = MEASURES.find((m) => m.name === state.measure);
    const names = {};
    let features = geo ? geo.features : [];
    // only the regions the reader may see (a county viewer: only that county)
    if (area) features = features.filter((f) => !f.properties.adcode
      || covers(area, f.properties.adcode) || covers(f.properties.adcode, area));
    for (const f of features) if (f.properties.adcode) names[f.properties.adcode] = f.properties.name;
    for (const r of rows) if (!names[r.code] && r.name) names[r.code] = r.name;
    const nameOf = (code) => names[code] || code;
    crumbs.textContent = `${state.parent} ${regionName(state.parent, rows) || ""}`.trim();
    up.hidden = state.parent === state.top;

    const values = rows.map((r) => ({ name: r.code, value: r[measure.name] ?? null }));
    const numbers = values.map((v) => v.value).filter((v) => v !== null);
    const max = Math.max(measure.kind === "rate" ? 1 : 1, ...numbers);
    const mapName = `hub-${state.parent}-${area || "all"}`;
    if (features.length) {
      window.echarts.registerMap(mapName, { type: "FeatureCollection", features });
      chart.setOption({
        animation: false,
        tooltip: {
          trigger: "item",
          formatter: (p) => `${nameOf(p.name)} ${p.name}: ${show(measure, p.value)}`,
        },
        visualMap: {
          min: 0, max, left: 10, bottom: 10, calculable: true,
          text: [t("high", ["高", "high"]), t("low", ["低", "low"])],
          inRange: { color: ["#e8f1fb", "#6fa8dc", "#1f5fa8"] },
          formatter: (v) => show(measure, v),
        },
        series: [{
          type: "map", map: mapName, nameProperty: "adcode", roam: false, selectedMode: false,
          data: values,
          label: { show: true, formatter: (p) => nameOf(p.name), fontSize: 11, color: "#102a43",
            textBorderColor: "#ffffff", textBorderWidth: 2 },
          itemStyle: { areaColor: "#eeeeee", borderColor: "#ffffff" },
          emphasis: { label: { show: true }, itemStyle: { areaColor: "#f4b942" } },
        }],
      }, true);
    } else {
      chart.clear();
    }
    chartBox.dataset.parent = state.parent;
    chartBox.dataset.regions = features.map((f) => f.properties.adcode).filter(Boolean).join(",");
    chartBox.dataset.ready = "1";

    const head = h("tr", {}, h("th", {}, t("name")), h("th", {}, t("code")),
      MEASURES.map((m) => h("th", { class: m.name === measure.name ? "n chosen" : "n" }, label(m))));
    const body = rows.map((r) => h("tr", {
      "data-code": r.code, class: levelOf(r.code) === "county" ? null : "link",
      onclick: () => drill(r.code),
    }, h("td", {}, nameOf(r.code)), h("td", { class: "code" }, r.code),
    MEASURES.map((m) => h("td", { class: m.name === measure.name ? "n chosen" : "n",
      "data-measure": m.name }, show(m, r[m.name])))));
    const remainder = extra.map(([kind, r]) => h("tr", { class: "remainder", "data-code": kind },
      h("td", {}, kind === "own" ? t("own", ["本级", "own level"])
        : t("unattributed", ["无区划", "no region"])), h("td", { class: "code" }, r.code || ""),
      MEASURES.map((m) => h("td", { class: "n", "data-measure": m.name }, show(m, r[m.name])))));
    const sums = Object.fromEntries(MEASURES.map((m) => [m.name, m.kind === "rate" ? null
      : [...rows, ...extra.map((e) => e[1])].reduce((a, r) => a + (r[m.name] || 0), 0)]));
    const whole = total || sums;
    const foot = h("tr", { class: "total", id: "regions-total" }, h("td", {}, t("total")),
      h("td", {}, ""), MEASURES.map((m) => h("td", { class: "n", "data-measure": m.name },
        show(m, whole[m.name]))));
    table.replaceChildren(h("thead", {}, head), h("tbody", {}, body, remainder),
      h("tfoot", {}, foot));
    note.textContent = rows.length ? "" : t("none");
  }

  function regionName(code, _rows) {
    if (code === COUNTRY) return lang() === "en" ? "China" : "中国";
    const parentGeo = boundaries.get(parentOf(code) || "");
    const f = parentGeo && parentGeo.features.find((x) => x.properties.adcode === code);
    return f ? f.properties.name : "";
  }

  if (levelOf(start) !== "country" && levelOf(start) !== "province") {
    await boundary(parentOf(start)); // for the name of the area shown
  } else if (start !== COUNTRY) {
    await boundary(COUNTRY);
  }
  await load();
});
