// The console's shared module: language (Chinese first, English on request, remembered), the
// /v1 API with the session cookie, the page frame (navigation, who is signed in), and small DOM
// helpers. Data from the API is hostile: it only ever goes into text nodes and attributes
// (h() below), never into innerHTML.

const LANG_KEY = "hub.console.lang";

export function lang() {
  return localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
}

export function setLang(value) {
  localStorage.setItem(LANG_KEY, value === "en" ? "en" : "zh");
}

const WORDS = {
  map: ["一张图", "Map"],
  scorecards: ["监管的监管", "Scorecards"],
  queues: ["队列", "Queues"],
  trace: ["追溯", "Trace"],
  dossier: ["一企一档", "Entity dossier"],
  equipment: ["一码追溯", "Equipment life"],
  status: ["状态与对账", "Status"],
  audit: ["审计核验", "Audit"],
  signin: ["登录", "Sign in"],
  signout: ["退出", "Sign out"],
  hub: ["监管数据中心", "Supervision Data Hub"],
  read_only: ["只读", "read-only"],
  loading: ["加载中…", "Loading…"],
  none: ["无", "none"],
  total: ["合计", "Total"],
  code: ["代码", "Code"],
  name: ["名称", "Name"],
  search: ["查询", "Search"],
  back: ["返回上级", "Up one level"],
  role_operator: ["运维人员", "operator"],
  role_auditor: ["审计人员", "auditor"],
  role_viewer: ["区域查看", "viewer"],
  error: ["出错了", "Error"],
  not_found: ["未找到", "Not found"],
  forbidden: ["无权限", "Not allowed"],
};

/** The word for `key` in the reader's language; `pair` overrides with [zh, en]. */
export function t(key, pair) {
  const words = pair || WORDS[key] || [key, key];
  return lang() === "en" ? words[1] : words[0];
}

/** Build an element: h("td", {class: "n", "data-code": c}, "text", child, ...). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** JSON from the hub's API (same origin, session cookie). A 401 sends the reader to sign in,
 * unless `quiet401`. */
export async function api(path, { method = "GET", body, quiet401 = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const reply = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await reply.json().catch(() => null);
  if (reply.status === 401 && !quiet401) {
    location.assign("/signin#next=" + encodeURIComponent(location.pathname + location.search));
    throw new ApiError(401, "UNAUTHENTICATED", t("signin"));
  }
  if (!reply.ok) {
    const err = (data && data.error) || {};
    const detail = data && typeof data.detail === "string" ? data.detail : null;
    throw new ApiError(reply.status, err.code || String(reply.status),
      err.message || detail || reply.statusText);
  }
  return data;
}

/** A time from the API as the hub's local time: `2026-12-03 16:31:02 +08:00`. */
export function hubTime(iso, offsetHours) {
  if (!iso) return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso; // a date has no time zone to convert
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return String(iso);
  const local = new Date(ms + offsetHours * 3600 * 1000).toISOString().slice(0, 19);
  const sign = offsetHours < 0 ? "-" : "+";
  const hh = String(Math.abs(offsetHours)).padStart(2, "0");
  return `${local.replace("T", " ")} ${sign}${hh}:00`;
}

export function number(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number" && !Number.isInteger(value)) return value.toFixed(2);
  return String(value);
}

export function percent(value) {
  return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%";
}

/** The session, or null when nobody is signed in (or the hub has no accounts yet). */
async function session() {
  try {
    return await api("/v1/session", { quiet401: true });
  } catch (e) {
    if (e.status === 401 || e.status === 404) return null;
    throw e;
  }
}

/** Does an area (GB/T 2260 code, trailing zeros) contain a region code? null: everywhere. */
export function covers(area, code) {
  if (!area) return true;
  if (!code) return false;
  const stem = area.replace(/(00)+$/, "");
  return code.startsWith(stem);
}

function nav(ctx, page) {
  const links = ["map", "scorecards", "queues", "trace", "dossier", "equipment", "status"];
  // the audit verification is the auditors' alone (GB/T 39477: administration and audit apart)
  if (ctx.session && ctx.session.role === "auditor") links.push("audit");
  const path = (p) => (p === "map" ? "/" : "/" + p);
  const who = ctx.session
    ? h("span", { class: "who", id: "who" },
        `${ctx.session.name} · ${t("role_" + ctx.session.role)}`,
        ctx.session.region ? ` · ${ctx.session.region}` : "",
        " ",
        h("button", { type: "button", id: "signout", onclick: signOut }, t("signout")))
    : h("a", { href: "/signin", id: "who" }, t("signin"));
  return h("nav", { class: "top" },
    h("span", { class: "brand" }, t("hub")),
    ctx.config.read_only ? h("span", { class: "badge", id: "read-only" }, t("read_only")) : null,
    h("ul", {}, links.map((p) => h("li", {},
      h("a", { href: path(p), class: p === page ? "here" : null, id: "nav-" + p }, t(p))))),
    h("span", { class: "tools" },
      h("button", {
        type: "button", id: "lang", title: "中文 / English",
        onclick: () => { setLang(lang() === "en" ? "zh" : "en"); location.reload(); },
      }, lang() === "en" ? "中文" : "English"),
      " ", who));
}

async function signOut() {
  await api("/v1/session", { method: "DELETE", quiet401: true }).catch(() => null);
  location.assign("/signin");
}

/** Show an error in the page, Chinese first (the API's messages are "中文 / English"). */
export function showError(where, error) {
  const box = h("div", { class: "error", role: "alert" },
    h("strong", {}, t(error.status === 404 ? "not_found"
      : error.status === 403 ? "forbidden" : "error")), " ", error.message || String(error));
  where.replaceChildren(box);
}

/** Frame the page and run `render(main, ctx)`; ctx has config, session and the query. */
export async function boot(page, render, { needsSession = true } = {}) {
  document.documentElement.lang = lang() === "en" ? "en" : "zh-CN";
  document.title = `${t(page)} · ${t("hub")}`;
  const main = document.getElementById("main");
  const top = document.getElementById("top");
  try {
    const config = await api("/console/config.json");
    const ctx = { config, session: needsSession ? await session() : null,
      query: new URLSearchParams(location.search).get("q") || "" };
    top.replaceChildren(nav(ctx, page));
    main.replaceChildren();
    await render(main, ctx);
    document.body.dataset.ready = "1";
  } catch (e) {
    showError(main, e);
    document.body.dataset.ready = "error";
  }
}

/** A search box that keeps its query in the address (?q=), so a result can be linked. */
export function searchForm(id, value, placeholder, onSearch) {
  const input = h("input", { id, name: "q", value, placeholder, maxlength: 200, required: true });
  const form = h("form", { class: "search" }, input,
    h("button", { type: "submit", class: "action" }, t("search")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = input.value.trim();
    history.replaceState(null, "", location.pathname + "?q=" + encodeURIComponent(q));
    onSearch(q);
  });
  return form;
}

