// Queues: lag per stage and projection, the national ledger (pending, retrying, dead, with the
// reasons), the quarantine. An operator (not on a read-only console) may re-drive dead
// deliveries and release quarantined messages; each action is an event naming who did it.
import { api, boot, h, hubTime, number, showError, t } from "./common.js";

function lagTable(id, values) {
  const entries = Object.entries(values || {});
  return h("table", { class: "numbers compact", id },
    h("tbody", {}, entries.length ? entries.map(([k, v]) => h("tr", { "data-key": k },
      h("td", { class: "mono" }, k), h("td", { class: "n" }, number(v))))
      : h("tr", {}, h("td", {}, t("none")))));
}

const STATES = {
  pending: ["待投递", "pending"], sent: ["已发送", "sent"], retrying: ["重试中", "retrying"],
  dead: ["死信", "dead"], acked: ["已确认", "acked"], rejected: ["被退回", "rejected"],
  attempted: ["已尝试", "attempted"],
};

/** Every state the ledger knows, zeros included, in the order an operator reads them. */
function ledgerStates(ledger) {
  const order = ["pending", "sent", "retrying", "dead", "acked", "rejected"];
  const rest = Object.keys(ledger).filter((k) => !order.includes(k));
  return [...order, ...rest].map((k) => [k, ledger[k] || 0]);
}

boot("queues", async (main, ctx) => {
  const mayAct = !ctx.config.read_only && ctx.session && ctx.session.role === "operator";
  const message = h("div", { id: "message", role: "status" });
  const body = h("div", {});
  main.append(h("section", { class: "toolbar" }, h("h1", {}, t("queues"))), message, body);

  async function load() {
    const q = await api("/v1/queues");
    const lag = q.lag || {};
    const ledger = q.ledger || {};
    const deliveries = q.deliveries || q.dead || [];
    const quarantine = q.quarantine || [];
    const picked = new Set();
    const redriveAll = h("button", { type: "button", class: "action", id: "redrive-all",
      disabled: !deliveries.some((d) => d.state === "dead") },
    t("redrive_all", ["全部重新投递", "Re-drive all dead"]));
    const redrivePicked = h("button", { type: "button", class: "action", id: "redrive",
      disabled: true }, t("redrive", ["重新投递所选", "Re-drive selected"]));
    redriveAll.addEventListener("click", () => act("/v1/deliveries/redrive",
      { delivery_ids: null }));
    redrivePicked.addEventListener("click", () => act("/v1/deliveries/redrive",
      { delivery_ids: [...picked] }));
    const deliveryRows = deliveries.map((d) => h("tr", { "data-delivery": d.delivery_id,
      "data-state": d.state },
    mayAct ? h("td", {}, d.state === "dead" ? h("input", { type: "checkbox",
      "aria-label": d.delivery_id, onchange: (e) => {
        if (e.target.checked) picked.add(d.delivery_id); else picked.delete(d.delivery_id);
        redrivePicked.disabled = picked.size === 0;
      } }) : "") : null,
    h("td", {}, d.state), h("td", { class: "mono" }, d.delivery_id),
    h("td", { class: "mono" }, d.record_id || "", d.version ? ` v${d.version}` : ""),
    h("td", {}, d.record_type || ""), h("td", { class: "mono" }, d.source_id || ""),
    h("td", { class: "n" }, number(d.attempt ?? d.attempts)),
    h("td", { class: "n" }, number(d.redrives ?? 0)),
    h("td", { class: "reasons" }, (d.reasons || []).join("；")),
    h("td", { class: "mono" }, hubTime(d.next_attempt_at, ctx.config.utc_offset_hours))));
    const releaseButtons = (entry) => mayAct ? h("td", {}, h("button", { type: "button",
      class: "action", "data-origin": entry.origin,
      onclick: () => act("/v1/quarantine/release", { origins: [entry.origin] }) },
    t("release", ["释放", "Release"]))) : null;
    body.replaceChildren(
      h("h2", {}, t("stages", ["处理阶段积压", "Stage lag"])), lagTable("stage-lag", lag.stages),
      h("h2", {}, t("projections", ["读模型积压", "Read-model lag"])),
      lagTable("projection-lag", lag.projections),
      h("h2", {}, t("ledger", ["国家平台投递台账", "National ledger"])),
      h("div", { class: "cards", id: "ledger" }, ledgerStates(ledger).map(([k, v]) =>
        h("div", { class: "card", "data-state": k }, t("", STATES[k] || [k, k]),
          h("div", { class: "big" }, number(v))))),
      h("h2", {}, t("problems", ["重试中与死信投递", "Retrying and dead deliveries"])),
      mayAct ? h("p", {}, redriveAll, " ", redrivePicked) : null,
      h("table", { class: "numbers", id: "deliveries" },
        h("thead", {}, h("tr", {}, mayAct ? h("th", {}, "") : null,
          [["状态", "State"], ["投递", "Delivery"], ["记录", "Record"], ["类型", "Type"],
            ["来源", "Source"], ["尝试", "Attempts"], ["重投", "Re-drives"], ["原因", "Reasons"],
            ["下次尝试", "Next attempt"]].map((p) => h("th", {}, t("", p))))),
        h("tbody", {}, deliveryRows.length ? deliveryRows
          : h("tr", {}, h("td", { colspan: 10 }, t("none"))))),
      h("h2", {}, t("quarantine", ["隔离区", "Quarantine"]), " ",
        h("span", { class: "note", id: "quarantined" }, number(q.quarantined ?? quarantine.length))),
      h("table", { class: "numbers", id: "quarantine" },
        h("thead", {}, h("tr", {}, [["位置", "Origin"], ["事件流", "Stream"], ["原因", "Reason"]]
          .map((p) => h("th", {}, t("", p))), mayAct ? h("th", {}, "") : null)),
        h("tbody", {}, quarantine.length ? quarantine.map((e) => h("tr", { "data-origin": e.origin },
          h("td", { class: "mono" }, e.origin), h("td", {}, e.stream || ""),
          h("td", {}, e.reason || ""), releaseButtons(e)))
          : h("tr", {}, h("td", { colspan: 4 }, t("none"))))));
  }

  async function act(path, payload) {
    try {
      const report = await api(path, { method: "POST", body: payload });
      message.replaceChildren(h("p", { class: "ok", id: "done" },
        t("done", ["已完成", "Done"]), ": ", JSON.stringify(report)));
      await load();
    } catch (e) {
      showError(message, e);
    }
  }

  await load();
});
