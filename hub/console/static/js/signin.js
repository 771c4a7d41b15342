// Sign-in: a name and a password (or an account token as the password); the hub sets an
// HttpOnly session cookie, so this page never holds the secret after sending it.
import { api, boot, h, showError, t } from "./common.js";

/** The console pages one may be sent on to after signing in (as hub/console/pages.py serves). */
const PAGES = ["/", "/scorecards", "/queues", "/trace", "/dossier", "/equipment", "/status",
  "/audit"];

function next() {
  const wanted = new URLSearchParams(location.hash.slice(1)).get("next") || "/";
  // resolved as the browser would (so "/\\host", "/\t/host" and "//host" are seen for what
  // they are) and accepted only on this hub's origin and one of its pages: never elsewhere
  let target;
  try {
    target = new URL(wanted, location.origin);
  } catch {
    return "/";
  }
  if (target.origin !== location.origin || !PAGES.includes(target.pathname)) return "/";
  return target.pathname + target.search + target.hash;
}

boot("signin", async (main) => {
  const name = h("input", { id: "name", name: "name", autocomplete: "username", required: true,
    maxlength: 100 });
  const password = h("input", { id: "password", name: "password", type: "password",
    autocomplete: "current-password", required: true, maxlength: 1000 });
  const problem = h("div", { id: "problem" });
  const form = h("form", { class: "signin", id: "signin" },
    h("h1", {}, t("signin")),
    h("label", {}, t("account", ["账号", "Account"]), name),
    h("label", {}, t("password", ["密码或令牌", "Password or token"]), password),
    h("button", { type: "submit", class: "action", id: "submit" }, t("signin")),
    problem);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/v1/session", { method: "POST", quiet401: true,
        body: { name: name.value, password: password.value } });
      location.assign(next());
    } catch (e) {
      password.value = "";
      showError(problem, e.status === 401
        ? { status: 401, message: t("bad", ["账号或密码不对", "wrong name or password"]) } : e);
    }
  });
  main.append(form);
}, { needsSession: false });
