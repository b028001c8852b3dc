// The inspection as this tablet sees it: the server's offline copy with this tablet's own queued
// writes laid over it, and the writes themselves, each naming the version of its own part as the
// tablet holds it — the copy's, plus one for each of its own queued writes to that part
// (docs/concurrency.md, "An offline team"). Pure: no store, no network.

const API = "/api/v1/tablet/inspections";

export function me(copy, session) {
  const team = copy?.team ?? [];
  return (
    team.find((m) => m.code === session.inspector) ??
    team.find((m) => m.department === session.department) ??
    null
  );
}

export function myGroup(copy, session) {
  return (copy?.checklist ?? []).find((g) => g.department === session.department) ?? null;
}

export function isLead(copy, session) {
  return myGroup(copy, session)?.role === "lead";
}

// The copy with my queued ops applied, each change marked `pending`.
export function overlay(copy, ops) {
  const view = structuredClone(copy);
  view.pending = { count: 0, photos: [], signed: false, submit: false };
  for (const op of ops) {
    if (op.inspection !== copy.id) continue;
    view.pending.count += 1;
    const body = op.body;
    if (op.kind === "item") {
      for (const group of view.checklist) {
        for (const item of group.items) {
          if (item.code !== op.part) continue;
          Object.assign(item, { result: body.result, notes: body.notes ?? "", pending: true });
          item.item_version = body.item_version + 1;
          item.device_at = op.device_at;
        }
      }
    } else if (op.kind === "check-in") {
      view.check_in = {
        ...view.check_in,
        version: body.part_version + 1,
        device_at: op.device_at,
        pending: true,
        local_distance_m: op.distance_m ?? null,
      };
    } else if (op.kind === "outcome") {
      Object.assign(view, {
        outcome: body.outcome,
        outcome_notes: body.notes ?? "",
        outcome_version: body.part_version + 1,
        outcome_pending: true,
      });
    } else if (op.kind === "photo") {
      view.pending.photos.push({ sha256: op.part, risk_point: body.risk_point ?? null, device_at: op.device_at });
    } else if (op.kind === "sign") {
      view.pending.signed = true;
    } else if (op.kind === "submit") {
      view.pending.submit = true;
    }
  }
  return view;
}

const op = (session, copy, kind, part, method, tail, body, extra = {}) => ({
  user: session.username,
  inspection: copy.id,
  kind,
  part,
  method,
  path: `${API}/${copy.id}${tail}`,
  body,
  ...extra,
});

// Each write, built on the view (overlay of the copy and my queued ops).
// The lead's check-in: the scanned code (qr), or the licence number typed where the code cannot
// be read (number; the server records it as a typed check-in).
export function checkInOp(session, view, { qr, number, lat, lon, distance_m }) {
  const how = qr ? { qr_payload: qr } : { licence_number: number };
  const body = { part_version: view.check_in.version, ...how, lat, lon };
  return op(session, view, "check-in", "check_in", "POST", "/check-in", body, { distance_m });
}

export function itemOp(session, view, code, result, notes = "") {
  const item = view.checklist.flatMap((g) => g.items).find((i) => i.code === code);
  if (!item) throw new Error(`no item ${code}`);
  const body = { item_version: item.item_version, result, notes };
  return op(session, view, "item", code, "PUT", `/items/${code}`, body);
}

export function outcomeOp(session, view, outcome, notes = "") {
  const body = { part_version: view.outcome_version, outcome, notes };
  return op(session, view, "outcome", "outcome", "PUT", "/outcome", body);
}

export function photoOp(session, view, { sha256, risk_point, photo, thumb }) {
  const body = risk_point ? { risk_point } : {};
  return op(session, view, "photo", sha256, "PHOTO", "/evidence", body, { photo, thumb });
}

// My part at the versions the view holds: what a part signature names.
export function signParts(session, view) {
  const mine = me(view, session);
  const group = myGroup(view, session);
  const parts = {
    items: (group?.items ?? []).map((i) => ({ code: i.code, item_version: i.item_version })),
    evidence: [...new Set([...(mine?.parts?.evidence ?? []), ...view.pending.photos.map((p) => p.sha256)])],
  };
  if (mine?.parts && "check_in" in mine.parts) {
    parts.check_in = view.check_in.version;
    parts.outcome = view.outcome_version;
  }
  return parts;
}

export function signOp(session, view) {
  return op(session, view, "sign", "sign", "POST", "/signatures", { parts: signParts(session, view) });
}

export function submitOp(session, view) {
  return op(session, view, "submit", "submit", "POST", "/submit", { when_ready: true });
}

// What still stands between the view and a submission, as the tablet can tell offline.
export function missing(session, view) {
  const out = [];
  const group = myGroup(view, session);
  if ((group?.items ?? []).some((i) => !i.result)) out.push("items");
  if (isLead(view, session)) {
    if (!view.check_in?.version && !["NOBIZ", "NOADDR", "REFUSE", "CLOSED"].includes(view.outcome)) out.push("check_in");
    if (!view.outcome) out.push("outcome");
  }
  return out;
}
