// The inspector's tablet app: screens over the pure modules in lib/ (the queue, the sync, the
// conflicts, the view of an inspection). Every change is written to IndexedDB first (the queue),
// drawn from there, and sent when the network is there; nothing here talks to the server except
// through lib/sync.js.

import * as conflicts from "./lib/conflicts.js";
import { distanceM } from "./lib/geo.js";
import { idbStore } from "./lib/idbstore.js";
import * as model from "./lib/model.js";
import { claimed } from "./lib/qrtext.js";
import { CONFLICTS, createQueue, REJECTED, StorageFull } from "./lib/queue.js";
import * as sync from "./lib/sync.js";
import { isoWithOffset } from "./lib/time.js";
import { scanQr } from "./camera.js";
import { lang, loadMessages, setLang, t } from "./i18n.js";
import { preparePhoto } from "./photo.js";

const BASE = document.body.dataset.base;
const OUTCOMES = ["OK", "FIXED", "CASE", "NOBIZ", "NOADDR", "REFUSE", "CLOSED"];
const RESULTS = ["PASS", "FAIL", "NA"];
const FAR_M = 500;
const $ = (id) => document.getElementById(id);

const app = { store: null, queue: null, api: null, session: null, syncing: false, lastSync: null };
window.lianjian = app; // for the browser tests and the bench: state, never a second way to write

// -- small DOM helpers (text only: nothing from the server is ever parsed as HTML) --

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function notice(text, kind = "info") {
  const box = $("notice");
  box.textContent = text ?? "";
  box.dataset.kind = kind;
  box.hidden = !text;
}

function ask(text, yes, no) {
  const dialog = $("confirm");
  $("confirm-text").textContent = text;
  $("confirm-yes").textContent = yes;
  $("confirm-no").textContent = no;
  dialog.showModal();
  return new Promise((resolve) => {
    $("confirm-yes").onclick = () => (dialog.close(), resolve(true));
    $("confirm-no").onclick = () => (dialog.close(), resolve(false));
  });
}

// A label from the catalogue when it has one, else the value as the server gave it.
const label = (key, fallback) => (t(key) === key ? fallback : t(key));

function partName(part, view) {
  if (part.startsWith("item:")) {
    const code = part.slice(5);
    const item = view.checklist.flatMap((g) => g.items).find((i) => i.code === code);
    return `${t("section.checklist")} ${code} ${item?.title ?? ""}`;
  }
  return label(`part.${part}`, part);
}

const megabytes = (bytes) => `${(bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0)} MB`;
const when = (iso) => (iso ? new Date(iso).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB") : "");

// -- the bar: network, unsent work, storage, language, sign-out --

async function drawBar() {
  document.title = t("app.title");
  $("title").textContent = t("app.title");
  $("lang").textContent = t("lang.other");
  $("signout").textContent = t("signout");
  $("signout").hidden = !app.session;
  const net = $("net");
  net.textContent = app.syncing ? t("net.syncing") : navigator.onLine ? t("net.online") : t("net.offline");
  net.dataset.state = navigator.onLine ? "online" : "offline";
  const n = app.session ? (await app.queue.pending(app.session.username)).length : 0;
  $("unsent").textContent = n ? t("queue.unsent", { n }) : t("queue.none");
  $("unsent").dataset.count = String(n);
  const e = await estimate();
  $("storage").textContent = e?.quota ? t("storage.used", { used: megabytes(e.usage ?? 0), quota: megabytes(e.quota) }) : "";
}

async function estimate() {
  try {
    return (await navigator.storage?.estimate?.()) ?? null;
  } catch {
    return null;
  }
}

// -- keeping a change: the queue first, then (maybe) the network --

// build(view) makes the write from the inspection as it stands now (its copy and every write
// already queued), one keep at a time: two quick taps never name the same version twice.
let keeping = Promise.resolve();
function keep(id, build, also = []) {
  const run = async () => {
    const held = await app.store.get(sync.COPIES, id);
    const view = model.overlay(held.body, await app.queue.pending(app.session.username));
    try {
      await app.queue.add(build(view), also);
    } catch (error) {
      if (error instanceof StorageFull) {
        notice(t("storage.full"), "error");
        await drawBar();
        return false;
      }
      throw error;
    }
    await route();
    syncSoon();
    return true;
  };
  const next = keeping.then(run, run);
  keeping = next.catch(() => {});
  return next;
}

let soon = null;
function syncSoon(delay = 300) {
  clearTimeout(soon);
  soon = setTimeout(() => syncNow(), delay);
}

let syncAgain = false;
async function syncNow() {
  if (app.syncing) syncAgain = true; // a change kept during this sync goes with the next one
  if (!app.session || app.syncing) return app.lastSync;
  syncAgain = false;
  app.syncing = true;
  await drawBar();
  const run = () => sync.syncOnce({ api: app.api, store: app.store, queue: app.queue, user: app.session.username });
  try {
    const result = navigator.locks ? await navigator.locks.request("lianjian-sync", run) : await run();
    app.lastSync = result;
    if (result.pushed.stopped === "auth") {
      notice(t("signin.failed", { message: "401" }), "error");
      await app.store.delete("meta", "session");
      app.session = null;
    }
  } finally {
    app.syncing = false;
  }
  const { pushed, pulled } = app.lastSync ?? { pushed: {} };
  const changed = pushed.sent || pushed.conflicts || pushed.rejected || pulled?.changed || !app.session;
  if (changed) await route(); // else only the bar: a redraw would be for nothing
  else await drawBar();
  if (syncAgain && navigator.onLine) syncSoon(0);
  return app.lastSync;
}

// -- screens --

// What the inspector is typing survives a redraw: drafts by field, and the focus and caret.
const drafts = new Map();

function draft(key, stored) {
  return drafts.has(key) ? drafts.get(key) : (stored ?? "");
}

function typed(node, key) {
  node.dataset.key = key;
  node.addEventListener("input", () => drafts.set(key, node.value));
  return node;
}

async function route() {
  await drawBar();
  const main = $("main");
  if (!app.session) return main.replaceChildren(signInScreen());
  const focused = document.activeElement?.dataset?.key;
  const caret = focused ? [document.activeElement.selectionStart, document.activeElement.selectionEnd] : null;
  const match = location.hash.match(/^#\/i\/(\d+)$/);
  const screen = match ? await inspectionScreen(Number(match[1])) : await listScreen();
  main.replaceChildren(screen);
  const again = focused && main.querySelector(`[data-key="${CSS.escape(focused)}"]`);
  if (again) {
    again.focus();
    again.setSelectionRange?.(...caret);
  }
}

function signInScreen() {
  const form = h(
    "form",
    { class: "card signin", id: "signin-form" },
    h("h2", { text: t("signin.title") }),
    h("label", {}, t("signin.username"), h("input", { name: "username", autocomplete: "username", required: true, autocapitalize: "off" })),
    h("label", {}, t("signin.password"), h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("label", {}, t("signin.device"), h("input", { name: "device", value: localStorage.getItem("lianjian.device") ?? "平板", required: true })),
    h("button", { class: "big primary", type: "submit", text: t("signin.submit") }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const device = String(data.get("device"));
    localStorage.setItem("lianjian.device", device);
    let answer;
    try {
      answer = await sync.signIn(app.api, String(data.get("username")), String(data.get("password")), device);
    } catch {
      return notice(t("signin.offline"), "error");
    }
    if (answer.status !== 201) {
      const message = answer.body?.message?.[lang()] ?? answer.status;
      return notice(t("signin.failed", { message }), "error");
    }
    const session = { ...answer.body, device };
    const last = await app.store.get("meta", "last_user");
    if (last !== session.username) {
      // another inspector's copies go; anyone's unsent work stays, sent only with its own token
      for (const table of [sync.COPIES, sync.LIST]) {
        for (const [key] of await app.store.all(table)) await app.store.delete(table, key);
      }
      await app.store.batch([
        { table: "meta", key: "cursor" },
        { table: "meta", key: "list_etags" },
      ]);
    }
    await app.store.batch([
      { table: "meta", key: "session", value: session },
      { table: "meta", key: "last_user", value: session.username },
    ]);
    app.session = session;
    notice("");
    location.hash = "";
    await route();
    await syncNow();
  });
  return form;
}

async function copies() {
  return new Map((await app.store.all(sync.COPIES)).map(([id, c]) => [id, c.body]));
}

async function listScreen() {
  const held = await copies();
  const ops = await app.queue.pending(app.session.username);
  const open = await conflicts.open(app.store);
  const synced = await app.store.get("meta", "synced_at");
  const rows = [...held.values()].sort((a, b) => String(a.due_on).localeCompare(String(b.due_on)) || a.id - b.id);
  const cards = rows.map((copy) => {
    const view = model.overlay(copy, ops);
    const clashes = open.filter((e) => e.op.inspection === copy.id).length;
    return h(
      "a",
      { class: "card inspection", href: `#/i/${copy.id}`, dataset: { id: String(copy.id) } },
      h("strong", { class: "name", text: copy.entity?.name }),
      h("span", { class: "address", text: copy.entity?.address }),
      h(
        "span",
        { class: "meta" },
        h("span", { class: `chip status-${copy.status}`, text: t(`status.${copy.status}`) }),
        copy.due_on ? h("span", { class: "chip", text: t("list.due", { date: copy.due_on }) }) : null,
        h("span", { class: "chip", text: copy.task }),
        view.pending.count ? h("span", { class: "chip pending", text: t("queue.unsent", { n: view.pending.count }) }) : null,
        clashes ? h("span", { class: "chip danger", text: t("section.conflicts") }) : null,
      ),
    );
  });
  return h(
    "section",
    { class: "screen list" },
    h(
      "div",
      { class: "row head" },
      h("h2", { text: t("list.title") }),
      h("span", { class: "small", text: synced ? t("list.synced_at", { at: when(synced) }) : t("list.never") }),
      h("button", { class: "big", id: "sync", type: "button", text: t("list.sync"), onclick: () => syncNow() }),
    ),
    cards.length ? h("div", { class: "cards" }, cards) : h("p", { class: "empty", text: t("list.empty") }),
  );
}

function section(id, title, ...children) {
  return h("section", { class: "card part", id }, h("h3", { text: title }), ...children);
}

async function inspectionScreen(id) {
  const held = await app.store.get(sync.COPIES, id);
  if (!held) {
    location.hash = "";
    return listScreen();
  }
  const session = app.session;
  const ops = await app.queue.pending(session.username);
  const view = model.overlay(held.body, ops);
  const lead = model.isLead(view, session);
  const submitted = view.status === "SUBMITTED";
  const open = await conflicts.open(app.store, id);
  const resolved = (await app.store.all(CONFLICTS)).map(([, e]) => e).filter((e) => e.state !== "open" && e.op.inspection === id);
  const rejected = (await app.store.all(REJECTED)).map(([, e]) => e).filter((e) => e.op.inspection === id);
  const photos = (await app.store.all("photos")).map(([, p]) => p).filter((p) => p.inspection === id);
  const arrival = await app.store.get("arrivals", `${session.username}:${id}`);
  return h(
    "article",
    { class: "screen inspection", dataset: { id: String(id), version: String(view.version) } },
    h("div", { class: "row head" }, h("a", { class: "big ghost back", href: "#", text: t("back") }), h("h2", { text: view.entity?.name }), h("span", { class: `chip status-${view.status}`, text: t(`status.${view.status}`) })),
    open.length ? conflictSection(open, view) : null,
    entitySection(view),
    checkInSection(view, lead, arrival, submitted),
    checklistSection(view, session, photos, submitted),
    photoSection(view, photos),
    outcomeSection(view, lead, submitted),
    teamSection(view, session, lead, submitted),
    resolved.length ? resolvedSection(resolved) : null,
    rejected.length ? rejectedSection(rejected) : null,
  );
}

function entitySection(view) {
  const licence = view.licence;
  return h(
    "div",
    { class: "grid2" },
    section(
      "s-entity",
      t("section.entity"),
      h("dl", {}, h("dt", { text: t("credit_code") }), h("dd", { text: view.entity?.credit_code }), h("dt", { text: t("address") }), h("dd", { text: (view.entity?.address ?? "").includes(view.street ?? "") ? view.entity?.address : `${view.entity?.address ?? ""}（${view.street}）` })),
      h("h4", { text: t("section.last") }),
      view.last_results?.length
        ? h("ul", { class: "plain" }, view.last_results.map((r) => h("li", { text: `${r.checked_on ?? ""} ${r.task} · ${r.outcome ? t(`outcome.${r.outcome}`) : ""}` })))
        : h("p", { class: "small", text: t("last.none") }),
    ),
    section(
      "s-licence",
      t("section.licence"),
      licence
        ? [
            h("p", {}, h("strong", { text: licence.number }), " ", h("span", { class: "chip", text: label(`licence.status.${licence.status}`, licence.status) }), " ", t("licence.valid_until", { date: licence.valid_until })),
            h("ul", { class: "plain" }, (licence.permits ?? []).map((p) => h("li", { text: `${p.name}（${p.issuing_department}）${p.permit_number ?? ""} · ${p.valid_until ?? ""}` }))),
          ]
        : h("p", { text: t("licence.none") }),
    ),
  );
}

function checkInSection(view, lead, arrival, submitted) {
  const state = view.check_in ?? {};
  const done = state.version > 0;
  const distance = state.distance_m ?? state.local_distance_m;
  const status = h("p", { class: "checkin-state", id: "checkin-state" });
  if (done) {
    status.append(h("strong", { text: t("checkin.done", { who: t("role.lead") }) }), " ", when(state.device_at));
    if (distance !== null && distance !== undefined) status.append(" · ", t("checkin.distance", { m: Math.round(distance) }));
    if (state.pending) status.append(" ", h("span", { class: "chip pending", text: t("pending") }));
    if (state.far || distance > FAR_M) status.append(h("span", { class: "warn", text: ` ${t("checkin.far")}` }));
  } else {
    status.append(t("checkin.not_yet"));
  }
  if (arrival && !lead) {
    status.append(h("br"), t("checkin.arrived"), ` · ${when(arrival.device_at)}`);
    if (arrival.distance_m !== null) status.append(` · ${t("checkin.distance", { m: Math.round(arrival.distance_m) })}`);
  }
  const number = typed(h("input", { id: "licence-typed", inputmode: "text", placeholder: t("licence.number"), value: draft(`licence:${view.id}`, "") }), `licence:${view.id}`);
  const buttons = submitted || (lead && done) // a second check-in would be a conflict
    ? null
    : h(
        "div",
        { class: "row wrap" },
        h("button", { class: "big primary", id: "scan", type: "button", text: t("checkin.scan"), onclick: () => checkIn(view, lead, "camera") }),
        h("span", { class: "typed" }, number, h("button", { class: "big", type: "button", id: "typed-check", text: t("checkin.typed.check"), onclick: () => checkIn(view, lead, "typed", number.value) })),
      );
  return section("s-checkin", t("section.checkin"), status, buttons);
}

function position() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error("no geolocation"));
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
      (e) => reject(new Error(e.message || String(e.code))),
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  });
}

async function checkIn(view, lead, how, text = "") {
  let qr = null;
  let number;
  if (how === "camera") {
    try {
      $("scan-hint").textContent = t("checkin.scanning");
      $("scan-cancel").textContent = t("checkin.cancel");
      qr = await scanQr({ dialog: $("scanner"), video: $("scan-video"), cancel: $("scan-cancel"), base: BASE });
    } catch (error) {
      return notice(t("checkin.camera_error", { message: error.message }), "error");
    }
    if (!qr) return;
    number = claimed(qr)?.number ?? null;
  } else {
    number = text.trim();
  }
  const expected = view.licence?.number;
  if (expected && number !== expected) {
    return notice(how === "typed" ? t("checkin.typed.nomatch") : t("checkin.wrong", { number: number ?? "?" }), "error");
  }
  notice(t("checkin.gps"));
  let where;
  try {
    where = await position();
  } catch (error) {
    return notice(t("checkin.nogps", { message: error.message }), "error");
  }
  const distance = view.entity?.lat != null ? distanceM(where.lat, where.lon, view.entity.lat, view.entity.lon) : null;
  const arrival = {
    table: "arrivals",
    key: `${app.session.username}:${view.id}`,
    value: { inspection: view.id, how, number, ...where, distance_m: distance, device_at: isoWithOffset(new Date()) },
  };
  if (lead && (qr || number)) {
    const scanned = qr ? { qr } : { number };
    if (await keep(view.id, (v) => model.checkInOp(app.session, v, { ...scanned, ...where, distance_m: distance }), [arrival])) {
      notice(t("checkin.distance", { m: Math.round(distance ?? 0) }));
    }
  } else {
    await app.store.batch([arrival]);
    notice(how === "typed" ? t("checkin.typed.match") : t("checkin.arrived"));
    await route();
  }
}

function checklistSection(view, session, photos, submitted) {
  const groups = view.checklist.map((group) => {
    const mine = group.department === session.department;
    return h(
      "div",
      { class: `group ${mine ? "mine" : "theirs"}`, dataset: { department: group.department } },
      h("h4", {}, `${group.department} · ${t(`role.${group.role}`)} `, h("span", { class: "chip", text: mine ? t("item.mine") : t("item.theirs", { dept: group.department }) })),
      group.items.map((item) => itemRow(view, item, mine && !submitted, photos)),
    );
  });
  return section("s-checklist", t("section.checklist"), groups);
}

function itemRow(view, item, editable, photos) {
  const key = `notes:${view.id}:${item.code}`;
  const notes = typed(h("textarea", { class: "notes", rows: "2", placeholder: t("item.notes"), disabled: !editable }, draft(key, item.notes)), key);
  const choose = async (result) => {
    const text = notes.value;
    await keep(view.id, (v) => model.itemOp(app.session, v, item.code, result, text));
    if (drafts.get(key) === text) drafts.delete(key); // kept in the queue now
  };
  notes.addEventListener("change", () => {
    if (item.result) choose(item.result);
  });
  const results = h(
    "div",
    { class: "results", role: "group" },
    RESULTS.map((r) =>
      h("button", {
        type: "button",
        class: `big result r-${r} ${item.result === r ? "chosen" : ""}`,
        "aria-pressed": item.result === r ? "true" : "false",
        disabled: !editable,
        dataset: { result: r },
        text: t(`item.${r}`),
        onclick: () => choose(r),
      }),
    ),
  );
  const file = h("input", { type: "file", accept: "image/*", capture: "environment", class: "photo-input", hidden: true });
  file.addEventListener("change", async () => {
    const picked = file.files?.[0];
    if (!picked) return;
    const ready = await preparePhoto(picked);
    const record = { table: "photos", key: ready.sha256, value: { sha256: ready.sha256, thumb: ready.thumb, inspection: view.id, risk_point: item.code, size: ready.size, user: app.session.username } };
    await keep(view.id, (v) => model.photoOp(app.session, v, { ...ready, risk_point: item.code }), [record]);
  });
  const thumbs = photos.filter((p) => p.risk_point === item.code).map((p) => h("img", { class: "thumb", src: p.thumb, alt: p.sha256.slice(0, 8) }));
  return h(
    "div",
    { class: "item", dataset: { code: item.code } },
    h("div", { class: "item-head" }, h("strong", { text: `${item.code} ${item.title ?? ""}` }), item.key_item ? h("span", { class: "chip danger", text: t("item.key") }) : null, item.pending ? h("span", { class: "chip pending", text: t("pending") }) : null),
    item.content ? h("p", { class: "small", text: item.content }) : null,
    h("div", { class: "row wrap" }, results, editable ? h("button", { type: "button", class: "big", text: t("item.photo"), onclick: () => file.click() }) : null, file),
    editable || item.notes ? notes : null,
    !editable ? h("p", { class: "small", text: item.result ? t(`item.${item.result}`) : t("item.none") }) : null,
    thumbs.length ? h("div", { class: "thumbs" }, thumbs) : null,
  );
}

function photoSection(view, photos) {
  const sent = new Set((view.evidence ?? []).map((e) => e.sha256));
  const pending = new Set(view.pending.photos.map((p) => p.sha256));
  const tiles = photos.map((p) =>
    h("figure", { class: "tile", dataset: { sha: p.sha256 } }, h("img", { src: p.thumb, alt: p.risk_point ?? "" }), h("figcaption", {}, `${p.risk_point ?? ""} · ${p.sha256.slice(0, 10)}…`, pending.has(p.sha256) || !sent.has(p.sha256) ? h("span", { class: "chip pending", text: t("photo.pending") }) : null)),
  );
  const others = (view.evidence ?? []).filter((e) => !photos.some((p) => p.sha256 === e.sha256)).map((e) => h("li", { text: `${e.risk_point ?? ""} · ${e.sha256.slice(0, 10)}… · ${when(e.device_at)}` }));
  return section("s-photos", t("section.photos"), tiles.length ? h("div", { class: "tiles" }, tiles) : h("p", { class: "small", text: t("photo.none") }), others.length ? h("ul", { class: "plain small" }, others) : null);
}

function outcomeSection(view, lead, submitted) {
  if (!lead) {
    return section("s-outcome", t("section.outcome"), h("p", {}, view.outcome ? t(`outcome.${view.outcome}`) : t("outcome.lead_only")));
  }
  const chosen = draft(`outcome-code:${view.id}`, view.outcome);
  const select = h("select", { id: "outcome", disabled: submitted }, h("option", { value: "", text: t("outcome.choose") }), OUTCOMES.map((o) => h("option", { value: o, selected: chosen === o, text: t(`outcome.${o}`) })));
  select.addEventListener("change", () => drafts.set(`outcome-code:${view.id}`, select.value));
  const key = `outcome:${view.id}`;
  const notes = typed(h("textarea", { id: "outcome-notes", rows: "2", placeholder: t("outcome.notes"), disabled: submitted }, draft(key, view.outcome_notes)), key);
  const save = h("button", {
    class: "big primary",
    type: "button",
    id: "outcome-save",
    disabled: submitted,
    text: t("outcome.save"),
    onclick: async () => {
      if (!select.value) return;
      const text = notes.value;
      await keep(view.id, (v) => model.outcomeOp(app.session, v, select.value, text));
      if (drafts.get(key) === text) drafts.delete(key);
      drafts.delete(`outcome-code:${view.id}`);
    },
  });
  return section("s-outcome", t("section.outcome"), select, notes, h("div", { class: "row" }, save, view.outcome_pending ? h("span", { class: "chip pending", text: t("pending") }) : null));
}

function teamSection(view, session, lead, submitted) {
  const me = model.me(view, session);
  const members = (view.team ?? []).map((m) => {
    const mine = m === me;
    const state = mine && view.pending.signed ? "pending" : m.signed ? "signed" : m.stale ? "stale" : "unsigned";
    return h(
      "li",
      { class: `member ${state}`, dataset: { code: m.code } },
      h("strong", { text: `${m.name}${mine ? t("team.me") : ""}` }),
      ` ${m.department} · `,
      h("span", { class: `chip ${state}`, text: state === "pending" ? t("pending") : t(`team.${state}`) }),
      m.signed_device_at ? ` ${when(m.signed_device_at)}` : "",
    );
  });
  const missing = model.missing(session, view);
  const sign = h("button", {
    class: "big primary",
    id: "sign",
    type: "button",
    disabled: submitted || missing.length > 0 || view.pending.signed,
    text: t("team.sign"),
    onclick: () => keep(view.id, (v) => model.signOp(session, v)),
  });
  const submit = lead
    ? h("button", {
        class: "big primary",
        id: "submit",
        type: "button",
        disabled: submitted || missing.length > 0 || view.pending.submit || view.submission_requested,
        text: t("submit"),
        onclick: () => keep(view.id, (v) => model.submitOp(session, v)),
      })
    : null;
  const state = submitted
    ? h("p", { class: "ok", id: "submitted", text: `${t("submitted")} ${when(view.submitted_device_at ?? view.submitted_at)}` })
    : view.pending.submit || view.submission_requested
      ? h("p", { class: "small", text: t("submit.queued") })
      : missing.length
        ? h("p", { class: "small", text: t("submit.missing", { what: missing.map((m) => t(`missing.${m}`)).join("、") }) })
        : null;
  const actions = submitted ? null : h("div", { class: "row wrap" }, sign, submit);
  return section("s-team", t("section.team"), h("ul", { class: "plain team" }, members), actions, state);
}

function versionText(kind, values) {
  if (!values) return "";
  if (kind === "item") return [values.result ? t(`item.${values.result}`) : t("item.none"), values.notes, values.by ? t("conflict.by", { by: values.by }) : "", when(values.device_at)].filter(Boolean).join(" · ");
  if (values.outcome && OUTCOMES.includes(values.outcome)) return [t(`outcome.${values.outcome}`), values.notes, when(values.device_at)].filter(Boolean).join(" · ");
  return Object.entries(values)
    .filter(([k]) => !["op_id", "qr_payload", "part"].includes(k))
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`)
    .join(" · ");
}

function conflictSection(open, view) {
  const entries = open.map((entry) => {
    const shown = conflicts.describe(entry);
    const kind = entry.op.kind;
    const decide = async (choice) => {
      const fresh = model.overlay((await app.store.get(sync.COPIES, view.id)).body, await app.queue.pending(app.session.username));
      await conflicts.choose({ store: app.store, queue: app.queue, id: entry.op.op_id, choice, at: isoWithOffset(new Date()), signParts: model.signParts(app.session, fresh) });
      await route();
      syncSoon();
    };
    return h(
      "div",
      { class: "conflict", dataset: { op: entry.op.op_id, part: shown.part } },
      h("h4", { text: partName(shown.part, view) }),
      h(
        "div",
        { class: "versions" },
        h("div", { class: "version mine" }, h("h5", { text: t("conflict.mine") }), h("p", { class: "v-text", text: versionText(kind, shown.mine) }), h("button", { class: "big primary", type: "button", dataset: { choice: "mine" }, text: t("conflict.keep_mine"), onclick: () => decide("mine") })),
        h("div", { class: "version theirs" }, h("h5", { text: t("conflict.theirs") }), h("p", { class: "v-text", text: versionText(kind, shown.theirs) }), h("button", { class: "big", type: "button", dataset: { choice: "theirs" }, text: t("conflict.keep_theirs"), onclick: () => decide("theirs") })),
      ),
    );
  });
  return section("s-conflicts", t("section.conflicts"), entries);
}

function resolvedSection(resolved) {
  return h(
    "details",
    { class: "card part", id: "s-resolved" },
    h("summary", { text: `${t("section.resolved")} (${resolved.length})` }),
    h("ul", { class: "plain small" }, resolved.map((e) => h("li", { dataset: { op: e.op.op_id, choice: e.choice } }, `${partName(conflicts.describe(e).part, { checklist: [] })}: ${t(e.choice === "mine" ? "conflict.resolved_mine" : "conflict.resolved_theirs")} · ${t("conflict.mine")} ${versionText(e.op.kind, conflicts.describe(e).mine)} / ${t("conflict.theirs")} ${versionText(e.op.kind, conflicts.describe(e).theirs)}`))),
  );
}

function rejectedSection(rejected) {
  return section(
    "s-rejected",
    t("section.rejected"),
    h("ul", { class: "plain" }, rejected.map((e) => h("li", { text: `${e.op.kind} ${e.op.part ?? ""} · ${t("rejected.item", { message: e.answer?.message?.[lang()] ?? e.status })} ${JSON.stringify(e.answer?.errors ?? {})}` }))),
  );
}

// -- sign-out: unsent work is warned about and kept --

async function signOut() {
  const n = (await app.queue.pending(app.session.username)).length;
  if (n && !(await ask(t("signout.unsent", { n }), t("signout"), t("checkin.cancel")))) return;
  try {
    await sync.signOut(app.api);
  } catch {
    // offline: the token is forgotten here; an admin can revoke the device (SPEC §5)
  }
  await app.store.delete("meta", "session");
  app.session = null;
  notice(n ? t("signout.kept", { n }) : "");
  location.hash = "";
  await route();
}

// -- start --

async function start() {
  await loadMessages(`${BASE}messages.json`);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/tablet/sw.js", { scope: "/tablet/" }).catch(() => {});
  }
  navigator.storage?.persist?.().catch(() => {});
  app.store = await idbStore();
  app.queue = createQueue({ store: app.store, deviceTime: isoWithOffset, estimate });
  app.api = sync.createApi({ fetch: (...args) => fetch(...args), token: () => app.session?.token });
  app.session = (await app.store.get("meta", "session")) ?? null;
  $("lang").addEventListener("click", async () => {
    setLang(lang() === "zh" ? "en" : "zh");
    await route();
  });
  $("signout").addEventListener("click", signOut);
  window.addEventListener("hashchange", route);
  window.addEventListener("online", () => syncSoon(100));
  window.addEventListener("offline", drawBar);
  setInterval(() => navigator.onLine && syncNow(), 30000);
  await route();
  document.body.dataset.ready = "1";
  if (app.session && navigator.onLine) syncNow();
}

app.syncNow = syncNow;
app.route = route;
start();
