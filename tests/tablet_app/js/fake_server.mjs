// A small stand-in for the tablet API, for the queue's and the sync's Node tests: one effect per
// op_id (a replay gets the first answer), item and part versions with 409 on a stale one, a list
// with a cursor and an ETag, and a network that can drop a request before or after the server
// acted on it.

export function fakeServer({ inspections = 1, team = "CT" } = {}) {
  const state = {
    effects: [], // [op_id, kind] in the order the server applied them
    answers: new Map(), // op_id -> answer
    copies: new Map(),
    clock: 0,
    requests: [],
  };
  for (let id = 1; id <= inspections; id += 1) {
    state.copies.set(id, {
      id,
      version: 1,
      updated: ++state.clock,
      entity: { name: `上海宝山区第${id}网络会所有限公司`, lat: 31.405, lon: 121.489 },
      check_in: { version: 0 },
      outcome: null,
      outcome_version: 0,
      checklist: [
        { department: "CT", role: "lead", items: [item("IC-01"), item("IC-02")] },
        { department: "FR", role: "partner", items: [item("IC-08")] },
      ],
      team: [
        { code: "CT0001", department: "CT", parts: { items: [], check_in: 0, outcome: 0, evidence: [] } },
        { code: "FR0001", department: "FR", parts: { items: [], evidence: [] } },
      ],
      evidence: [],
    });
  }
  void team;

  function item(code) {
    return { code, result: null, notes: "", item_version: 0 };
  }
  const json = (status, body, headers = {}) => ({ status, body, headers });
  const bump = (copy) => {
    copy.version += 1;
    copy.updated = ++state.clock;
  };

  function apply(method, path, body) {
    const m = path.match(/^\/api\/v1\/tablet\/inspections\/(\d+)(\/.*)?$/);
    const copy = m && state.copies.get(Number(m[1]));
    if (!copy) return json(404, { status: "NOT_FOUND" });
    const tail = m[2] ?? "";
    const stale = (current, yours) => json(409, { status: "STALE_VERSION", errors: { current, yours } });
    if (tail.startsWith("/items/")) {
      const code = tail.slice(7);
      const it = copy.checklist.flatMap((g) => g.items).find((i) => i.code === code);
      if (body.item_version !== it.item_version) {
        return stale({ item: { code, version: it.item_version, result: it.result, notes: it.notes } }, { code, version: body.item_version, result: body.result });
      }
      Object.assign(it, { result: body.result, notes: body.notes ?? "", item_version: it.item_version + 1 });
    } else if (tail === "/check-in" || tail === "/outcome") {
      const part = tail === "/check-in" ? "check_in" : "outcome";
      const held = part === "check_in" ? copy.check_in.version : copy.outcome_version;
      if (body.part_version !== held) return stale({ part: { part, version: held }, outcome: copy.outcome }, { part, version: body.part_version });
      if (part === "check_in") copy.check_in.version += 1;
      else Object.assign(copy, { outcome: body.outcome, outcome_version: copy.outcome_version + 1 });
    } else if (tail === "/evidence") {
      copy.evidence.push({ sha256: body.get ? body.get("op_id") : "x" });
    } else if (tail === "/signatures") {
      if (!body.parts) return json(422, { status: "VALIDATION_FAILED" });
    } else if (tail === "/submit") {
      copy.status = "SUBMITTED";
    } else {
      return json(404, { status: "NOT_FOUND" });
    }
    bump(copy);
    return json(tail === "/evidence" ? 201 : 200, structuredClone(copy));
  }

  function write(method, path, body) {
    const opId = body instanceof FormData ? body.get("op_id") : body.op_id;
    if (state.answers.has(opId)) return state.answers.get(opId);
    const answer = apply(method, path, body);
    if (answer.status < 300 || answer.status === 409) {
      if (answer.status < 300) state.effects.push([opId, path.split("/").slice(6).join("/")]);
      state.answers.set(opId, answer);
    }
    return answer;
  }

  function list(url, etag) {
    const query = new URL(url, "http://x").searchParams;
    const limit = Number(query.get("limit") ?? 50);
    const after = Number(query.get("cursor") ?? 0);
    const rows = [...state.copies.values()].filter((c) => c.updated > after).sort((a, b) => a.updated - b.updated);
    const tag = `"list-${after}-${limit}-${rows.length}-${rows.at(-1)?.updated ?? 0}"`;
    if (etag === tag) return json(304, null, { ETag: tag });
    const items = rows.slice(0, limit).map(({ id, version }) => ({ id, version }));
    const next = items.length ? String(state.copies.get(items.at(-1).id).updated) : query.get("cursor");
    return json(200, { items, next_cursor: next, has_more: rows.length > limit }, { ETag: tag });
  }

  function detail(id, etag) {
    const copy = state.copies.get(id);
    const tag = `"copy-${id}-${copy.version}"`;
    if (etag === tag) return json(304, null, { ETag: tag });
    return json(200, structuredClone(copy), { ETag: tag });
  }

  // The network between the tablet and this server. `fail(request)` may return "before" (lost on
  // the way: the server never saw it), "after" (the server acted, the answer was lost) or "hang".
  function fetchWith(fail = () => null, { delay = 0 } = {}) {
    state.inFlight = 0;
    state.mostInFlight = 0;
    return async (url, init = {}) => {
      const method = init.method ?? "GET";
      const path = url.replace(/^https?:\/\/[^/]+/, "");
      state.requests.push([method, path, init.headers?.["If-None-Match"] ?? null]);
      if (delay) {
        state.inFlight += 1;
        state.mostInFlight = Math.max(state.mostInFlight, state.inFlight);
        await new Promise((r) => setTimeout(r, delay));
        state.inFlight -= 1;
      }
      const mode = fail({ method, path, init });
      if (mode === "before") throw new TypeError("Failed to fetch");
      if (mode === "hang-before") return new Promise(() => {});
      let answer;
      if (method === "GET") {
        const one = path.match(/^\/api\/v1\/tablet\/inspections\/(\d+)$/);
        answer = one ? detail(Number(one[1]), init.headers?.["If-None-Match"]) : list(path, init.headers?.["If-None-Match"]);
      } else {
        const body = typeof init.body === "string" ? JSON.parse(init.body) : init.body;
        answer = write(method, path, body);
      }
      if (mode === "after") throw new TypeError("Failed to fetch");
      if (mode === "hang") return new Promise(() => {});
      const text = answer.body === null ? "" : JSON.stringify(answer.body);
      return new Response(answer.status === 304 ? null : text, { status: answer.status, headers: answer.headers });
    };
  }

  // A teammate's (or a second device's) write straight to the server.
  const direct = (method, path, body) => write(method, path, body);

  return { state, fetchWith, direct };
}
