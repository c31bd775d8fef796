// Mortgage dashboard: the applications (status filter, summary by status, cursor paging) and one
// application's detail, refreshed every 10 s. The detail is #application=<id> in the address,
// so the browser's back button closes it too.
import {
  $, api, clear, el, fmtMoney, fmtNumber, fmtPercent, handleAuthError, requireOperator,
  showError, statusPill, timeEl, words,
} from "/operator/common.js";

const PAGE = 50;
const REFRESH_MS = 10000;
const STATUSES = ["started", "documents_pending", "under_review", "approved", "denied", "withdrawn"];

const state = {
  status: "",
  apps: new Map(), // id -> {app, node}
  nextCursor: null,
  detailId: null,
  loading: false,
  generation: 0, // a new filter makes answers to earlier requests stale
};

function ratio(value) {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  return Number.isFinite(n) ? fmtPercent(n, 0) : String(value);
}

function progressBar(progress) {
  const n = Math.max(0, Math.min(1, Number(progress) || 0));
  const fill = el("span");
  fill.style.width = `${Math.round(n * 100)}%`;
  return el("span", { class: "progress-cell" },
    el("span", { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(n * 100), "aria-label": "progress" }, fill),
    el("span", { class: "num", text: `${Math.round(n * 100)} %` }),
  );
}

function dtiText(dti) {
  return dti ? `${ratio(dti.front_end)} / ${ratio(dti.back_end)}` : "income not known";
}

function docsText(documents) {
  return documents ? `${fmtNumber(documents.received)} of ${fmtNumber(documents.required)}` : "—";
}

function appRow(app) {
  const row = el("tr", { class: "clickable", tabindex: 0, dataset: { id: app.id, reference: app.reference || "", status: app.status || "" }, "aria-label": `Application ${app.reference || app.id}` },
    el("th", { scope: "row", "data-label": "Reference" }, el("a", { href: `#application=${encodeURIComponent(app.id)}`, text: app.reference || app.id })),
    el("td", { "data-label": "Applicant", text: (app.applicant && (app.applicant.name || app.applicant.user_id)) || "—" }),
    el("td", { "data-label": "Purpose", text: words(app.loan_purpose) }),
    el("td", { "data-label": "Status" }, statusPill(app.status)),
    el("td", { class: "num", "data-label": "Loan", text: fmtMoney(app.loan_amount) }),
    el("td", { class: "num", "data-label": "Credit", text: app.credit_score ?? "—" }),
    el("td", { class: "num", "data-label": "DTI front / back", text: dtiText(app.dti) }),
    el("td", { class: "num", "data-label": "Documents", text: docsText(app.documents) }),
    el("td", { class: "num", "data-label": "Progress" }, progressBar(app.progress)),
  );
  if (app.id === state.detailId) row.classList.add("selected");
  row.addEventListener("click", (event) => {
    if (event.target.closest("a")) return; // the link sets the hash itself
    openDetail(app.id);
  });
  row.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      openDetail(app.id);
    }
  });
  return row;
}

function renderSummary(summary) {
  const box = clear($("summary"));
  const byStatus = (summary && summary.by_status) || {};
  $("apps-total").textContent = summary ? `(${fmtNumber(summary.total)})` : "";
  const all = el("button", { type: "button", "aria-pressed": state.status === "" ? "true" : "false", text: `All ${fmtNumber(summary?.total ?? 0)}` });
  all.addEventListener("click", () => setStatus(""));
  box.append(all);
  const keys = [...STATUSES.filter((s) => s in byStatus), ...Object.keys(byStatus).filter((s) => !STATUSES.includes(s))];
  for (const status of keys) {
    const button = el("button", { type: "button", dataset: { status }, "aria-pressed": state.status === status ? "true" : "false", text: `${words(status)} ${fmtNumber(byStatus[status])}` });
    button.addEventListener("click", () => setStatus(status));
    box.append(button);
  }
}

function setStatus(status) {
  state.status = status;
  $("f-status").value = status;
  const query = new URLSearchParams(location.search);
  if (status) query.set("status", status);
  else query.delete("status");
  const text = query.toString();
  history.replaceState(history.state, "", location.pathname + (text ? `?${text}` : "") + location.hash);
  loadApplications({ reset: true });
}

function updateList() {
  $("apps-empty").hidden = state.apps.size > 0;
  $("applications").hidden = state.apps.size === 0;
  $("more").hidden = !state.nextCursor;
}

async function loadApplications({ reset = false, refresh = false } = {}) {
  if (state.loading && refresh) return;
  if (reset) state.generation += 1;
  const generation = state.generation;
  state.loading = true;
  if (!refresh) document.body.dataset.applications = "loading"; // "ready" when answered
  $("more").disabled = true;
  try {
    const params = { status: state.status, limit: refresh ? Math.min(200, Math.max(PAGE, state.apps.size)) : PAGE, cursor: reset || refresh ? undefined : state.nextCursor };
    const page = await api("/mortgage_dashboard/api/applications", { params });
    if (generation !== state.generation) return;
    renderSummary(page.summary);
    const tbody = $("applications").tBodies[0];
    const items = page.applications || [];
    if (reset || refresh) {
      // Redrawn from the newest page; a refresh asks for as many as are shown (up to 200).
      clear(tbody);
      state.apps.clear();
      for (const app of items) {
        const node = appRow(app);
        tbody.append(node);
        state.apps.set(app.id, { app, node });
      }
      state.nextCursor = page.next_cursor || null;
    } else {
      for (const app of items) {
        if (state.apps.has(app.id)) continue;
        const node = appRow(app);
        tbody.append(node);
        state.apps.set(app.id, { app, node });
      }
      state.nextCursor = page.next_cursor || null;
    }
    showError($("error"), "");
    $("refreshed").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    if (!handleAuthError(err)) showError($("error"), `Could not load the applications: ${err.message}`);
  } finally {
    state.loading = false;
    if (generation === state.generation) document.body.dataset.applications = "ready";
    $("more").disabled = false;
    updateList();
  }
}

// ---- detail -------------------------------------------------------------------------------

function facts(pairs) {
  return el("dl", { class: "facts" }, pairs.filter(Boolean).map(([k, v]) => [el("dt", { text: k }), el("dd", {}, v instanceof Node ? v : String(v ?? "—"))]));
}

function table(caption, headers, rows, empty) {
  if (!rows.length) return el("p", { class: "empty-note", text: empty });
  return el("div", { class: "table-wrap" },
    el("table", { class: "stack" },
      el("caption", { class: "visually-hidden", text: caption }),
      el("thead", {}, el("tr", {}, headers.map(([h, num]) => el("th", { scope: "col", class: num ? "num" : undefined, text: h })))),
      el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c, i) => el("td", { class: headers[i][1] ? "num" : undefined, "data-label": headers[i][0] }, c instanceof Node ? c : String(c ?? "—")))))),
    ),
  );
}

function renderDetail(app) {
  $("detail-title").textContent = `Application ${app.reference || app.id}`;
  const body = clear($("detail-body"));
  body.dataset.id = app.id;
  body.append(
    el("div", { class: "turn-head" }, statusPill(app.status), el("span", { text: words(app.loan_purpose) }), progressBar(app.progress)),
    facts([
      ["Applicant", (app.applicant && (app.applicant.name || app.applicant.user_id)) || "—"],
      app.applicant && app.applicant.user_id ? ["User id", app.applicant.user_id] : null,
      ["Property value", fmtMoney(app.property_value)],
      ["Loan amount", fmtMoney(app.loan_amount)],
      ["Down payment", fmtMoney(app.down_payment)],
      ["Term", app.term_years ? `${app.term_years} years` : "—"],
      ["Monthly payment", app.monthly_payment ? `${fmtMoney(app.monthly_payment)} (principal and interest, estimated)` : "not known yet"],
      ["Credit score", app.credit_score ?? "not given"],
      ["DTI front / back", dtiText(app.dti)],
      ["Documents", docsText(app.documents)],
      ["Created", timeEl(app.created_at)],
      ["Updated", timeEl(app.updated_at)],
    ]),
    el("h3", { text: "Missing documents" }),
    (app.missing_documents || []).length
      ? el("ul", { class: "plain missing" }, app.missing_documents.map((d) => el("li", { text: words(d) })))
      : el("p", { class: "empty-note", text: "Nothing missing." }),
    el("h3", { text: "Documents" }),
    table("Documents", [["Document"], ["Status"], ["Received"]], (app.documents_list || []).map((d) => [words(d.document_type), words(d.status), d.received_at ? timeEl(d.received_at) : "—"]), "No documents yet."),
    el("h3", { text: "Debts" }),
    table("Debts", [["Type"], ["Lender"], ["Monthly", true], ["Balance", true]], (app.debts || []).map((d) => [words(d.debt_type), d.lender || "—", fmtMoney(d.monthly_payment), fmtMoney(d.balance)]), "No debts listed."),
    el("h3", { text: "Status history" }),
    table("Status history", [["When"], ["From"], ["To"]], (app.status_history || []).map((h) => [timeEl(h.changed_at), h.from_status ? words(h.from_status) : "(created)", words(h.to_status)]), "No changes recorded."),
  );
}

function openDetail(id) {
  const hash = `#application=${encodeURIComponent(id)}`;
  if (location.hash !== hash) location.hash = hash; // hashchange shows it
  else showDetail(id);
}

function closeDetail() {
  if (location.hash) history.pushState(history.state, "", location.pathname + location.search);
  showDetail(null);
}

function idFromHash() {
  const match = /^#application=(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

async function showDetail(id, { quiet = false } = {}) {
  const previous = state.detailId;
  state.detailId = id;
  for (const { app, node } of state.apps.values()) node.classList.toggle("selected", app.id === id);
  $("layout").classList.toggle("has-detail", Boolean(id));
  $("detail").hidden = !id;
  if (!id) {
    showError($("detail-error"), "");
    if (previous) state.apps.get(previous)?.node.querySelector("a")?.focus({ preventScroll: true });
    return;
  }
  if (!quiet) {
    showError($("detail-error"), "");
    if (previous !== id) {
      clear($("detail-body")).append(el("p", { class: "muted", text: "Loading…" }));
      const known = state.apps.get(id);
      $("detail-title").textContent = `Application ${known ? known.app.reference : ""}`.trim();
    }
  }
  try {
    const app = await api(`/mortgage_dashboard/api/applications/${encodeURIComponent(id)}`);
    if (state.detailId !== id) return;
    renderDetail(app);
    showError($("detail-error"), "");
    if (!quiet) {
      $("detail").scrollIntoView({ block: "start", behavior: "instant" });
      $("back").focus({ preventScroll: true });
    }
  } catch (err) {
    if (handleAuthError(err) || state.detailId !== id) return;
    showError($("detail-error"), err.status === 404 ? "This application no longer exists." : `Could not load the application: ${err.message}`);
    if (!quiet) clear($("detail-body"));
  }
}

async function main() {
  await requireOperator();
  const status = new URLSearchParams(location.search).get("status") || "";
  state.status = status;
  const select = $("f-status");
  if (status && ![...select.options].some((o) => o.value === status)) select.append(el("option", { value: status, text: words(status) }));
  select.value = status;
  select.addEventListener("change", () => setStatus(select.value));
  $("more").addEventListener("click", () => loadApplications());
  $("back").addEventListener("click", closeDetail);
  window.addEventListener("hashchange", () => showDetail(idFromHash()));
  await loadApplications({ reset: true });
  if (idFromHash()) showDetail(idFromHash());
  setInterval(() => {
    if (document.visibilityState !== "visible") return;
    loadApplications({ refresh: true });
    if (state.detailId) showDetail(state.detailId, { quiet: true });
  }, REFRESH_MS);
}

main().catch((err) => console.warn("mortgage dashboard:", err.message || err));
