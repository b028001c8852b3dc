// The operation queue: every write the inspector makes is kept here first, with its operation id
// and the device's time, and only then sent — strictly in the order it was made, one at a time,
// and removed only in the same store write that keeps the server's answer. A crash or a lost
// answer mid-sync leaves the operation at the head of the queue with its op_id: it is sent again
// and the server, which keeps one effect per op_id, answers it like the first time. So each
// operation has exactly one effect, whatever the network does.
//
// Pure: the store (memstore.js / idbstore.js), the clock, the id maker, the storage estimate and
// the transport are all handed in, so Node's test runner drives it without a browser.

export const OPS = "ops";
export const SENT = "sent";
export const CONFLICTS = "conflicts";
export const REJECTED = "rejected";
export const META = "meta";

// Refuse a new operation (keeping everything already stored) once the device's storage would be
// this full, or have less than RESERVE bytes left: the browser evicts or fails writes near 100%.
export const FULL_RATIO = 0.9;
export const RESERVE = 2 * 1024 * 1024;

export class StorageFull extends Error {
  constructor(usage, quota, needed) {
    super("storage full");
    this.name = "StorageFull";
    Object.assign(this, { usage, quota, needed });
  }
}

// What an answer means for the operation at the head of the queue.
export function classify(status) {
  if (status >= 200 && status < 300) return "done";
  if (status === 409) return "conflict"; // both versions kept, the inspector chooses
  if (status === 401) return "auth"; // signed out or revoked: stop, keep everything
  if (status === 408 || status === 429) return "retry";
  if (status >= 400 && status < 500) return "rejected"; // kept and shown, never resent as is
  return "retry"; // 5xx: the same op again later
}

const sizeOf = (op) => JSON.stringify({ ...op, photo: undefined }).length + (op.photo?.size ?? 0);

// The op as the logs keep it: without the photo's bytes (the photos table keeps its thumbnail).
const logged = (op) => ({ ...op, photo: undefined });

export function createQueue({
  store,
  now = () => new Date(),
  newId = () => crypto.randomUUID(),
  deviceTime = (date) => date.toISOString(),
  estimate = async () => null,
}) {
  // Adds one at a time (each takes the next seq); a drain never holds them up: a tap is kept at
  // once even while a slow sync is under way, and the drain picks it up at the end of the queue.
  let chain = Promise.resolve();
  const serial = (task) => {
    const next = chain.then(task, task);
    chain = next.catch(() => {});
    return next;
  };
  let draining = null; // one drain at a time in this page (across pages: the caller's lock)

  async function room(needed) {
    const e = await estimate();
    if (!e || !e.quota) return e;
    const after = (e.usage ?? 0) + needed;
    if (after > e.quota * FULL_RATIO || e.quota - after < RESERVE) {
      throw new StorageFull(e.usage, e.quota, needed);
    }
    return e;
  }

  // Keep one operation: {user, inspection, kind, part, method, path, body, photo?}. The op_id and
  // device_at go into the body the server receives. `also`: store writes made in the same batch.
  function add(operation, also = []) {
    return serial(async () => {
      const at = now();
      const op = {
        ...operation,
        op_id: newId(),
        device_at: deviceTime(at),
        queued_at: at.toISOString(),
        attempts: 0,
      };
      op.body = { ...(operation.body ?? {}), op_id: op.op_id, device_at: op.device_at };
      await room(sizeOf(op));
      const seq = ((await store.get(META, "seq")) ?? 0) + 1;
      op.seq = seq;
      await store.batch([
        { table: OPS, key: seq, value: op },
        { table: META, key: "seq", value: seq },
        ...also,
      ]);
      return op;
    });
  }

  async function pending(user) {
    const ops = (await store.all(OPS)).map(([, op]) => op);
    return user === undefined ? ops : ops.filter((op) => op.user === user);
  }

  // Send the queue in order until it is empty or the network, the server or the sign-in stops it.
  // send(op) -> {status, body} or throws (no network). effects(op, answer) -> store writes kept
  // in the same batch as the op's removal (the inspection's new copy). Returns what happened.
  function drain({ send, user, effects = async () => [], at = () => now().toISOString() }) {
    if (draining) return draining;
    draining = (async () => {
      const report = { sent: 0, conflicts: 0, rejected: 0, stopped: null };
      for (;;) {
        const [head] = await pending(user);
        if (!head) break;
        head.attempts += 1;
        await store.put(OPS, head.seq, head); // an attempt is counted before it can be lost
        let answer;
        try {
          answer = await send(head);
        } catch (error) {
          report.stopped = "offline";
          report.error = String(error?.message ?? error);
          break;
        }
        const meaning = classify(answer.status);
        const removal = { table: OPS, key: head.seq };
        if (meaning === "done") {
          const writes = await effects(head, answer);
          await store.batch([
            removal,
            { table: SENT, key: head.seq, value: { ...logged(head), status: answer.status, at: at() } },
            ...writes,
          ]);
          report.sent += 1;
        } else if (meaning === "conflict") {
          const errors = answer.body?.errors ?? {};
          const entry = {
            op: logged(head),
            current: errors.current ?? null,
            yours: errors.yours ?? null,
            answer: answer.body ?? null,
            state: "open",
            at: at(),
          };
          await store.batch([removal, { table: CONFLICTS, key: head.op_id, value: entry }]);
          report.conflicts += 1;
        } else if (meaning === "rejected") {
          const entry = { op: logged(head), status: answer.status, answer: answer.body ?? null, at: at() };
          await store.batch([removal, { table: REJECTED, key: head.op_id, value: entry }]);
          report.rejected += 1;
        } else {
          report.stopped = meaning; // "auth" or "retry": the head stays, with its op_id
          report.status = answer.status;
          break;
        }
      }
      return report;
    })().finally(() => {
      draining = null;
    });
    return draining;
  }

  return { add, pending, drain, room };
}
