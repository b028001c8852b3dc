// A 409 STALE_VERSION kept with both versions (the queue stores it: conflicts table), shown side
// by side, and ended by the inspector's choice. Neither version is ever dropped: the entry stays,
// marked with the choice; choosing mine queues my write again on the version that now stands.

import { CONFLICTS } from "./queue.js";

const PART_OF = { "check-in": "check_in", outcome: "outcome" };

// {part, mine, theirs}: the two versions of the one thing that was changed from two places.
export function describe(entry) {
  const { op, current, yours } = entry;
  if (op.kind === "item") {
    const theirs = current?.item ?? {};
    return {
      part: `item:${op.part}`,
      mine: { result: op.body.result, notes: op.body.notes ?? "", device_at: op.device_at },
      theirs: {
        result: theirs.result ?? null,
        notes: theirs.notes ?? "",
        device_at: theirs.device_at ?? null,
        by: theirs.recorded_by ?? null,
        version: theirs.version ?? 0,
      },
    };
  }
  if (op.kind in PART_OF) {
    const part = current?.part ?? {};
    const mine = { ...op.body };
    delete mine.op_id;
    delete mine.part_version;
    return {
      part: PART_OF[op.kind],
      mine,
      theirs: { ...part, outcome: current?.outcome ?? part.outcome ?? null },
    };
  }
  return { part: op.kind, mine: yours ?? op.body, theirs: current ?? {} };
}

// The version the write must now name to go in on top of what stands.
function rebased(op, current, copy) {
  const body = { ...op.body };
  delete body.op_id;
  delete body.device_at;
  if (op.kind === "item") body.item_version = current?.item?.version ?? 0;
  else if (op.kind in PART_OF) body.part_version = current?.part?.version ?? 0;
  else if (op.kind === "sign" && copy) body.parts = copy;
  return body;
}

// The inspector chose. Returns {entry, again}: the entry as kept (resolved, with the choice and
// time) and, for "mine", the write to queue again (a new op_id, on the current version).
export function resolve(entry, choice, at, signParts = null) {
  if (choice !== "mine" && choice !== "theirs") throw new Error(`no such choice: ${choice}`);
  const kept = { ...entry, state: "resolved", choice, resolved_at: at };
  if (choice === "theirs") return { entry: kept, again: null };
  const { op } = entry;
  const again = {
    user: op.user,
    inspection: op.inspection,
    kind: op.kind,
    part: op.part,
    method: op.method,
    path: op.path,
    body: rebased(op, entry.current, signParts),
  };
  return { entry: kept, again };
}

// Apply the choice through the queue: the entry's new state and the write again in one batch.
export async function choose({ store, queue, id, choice, at, signParts }) {
  const entry = await store.get(CONFLICTS, id);
  if (!entry) throw new Error(`no conflict ${id}`);
  if (entry.state !== "open") return entry;
  const { entry: kept, again } = resolve(entry, choice, at, signParts);
  const write = { table: CONFLICTS, key: id, value: kept };
  if (again) {
    const op = await queue.add(again, [write]);
    kept.again = op.op_id;
    await store.put(CONFLICTS, id, kept);
  } else {
    await store.batch([write]);
  }
  return kept;
}

export async function open(store, inspection) {
  return (await store.all(CONFLICTS))
    .map(([, e]) => e)
    .filter((e) => e.state === "open" && (inspection === undefined || e.op.inspection === inspection));
}
