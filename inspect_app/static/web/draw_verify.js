// The task page's "verify in your browser" (SPEC §12): fetch the published draw record and run
// the published algorithm here (../verify/verify.js, Web Crypto), so a citizen re-derives the
// draw without trusting the server. The commitment to compare with is the one announced at
// freeze: the ledger's, filled in, which the visitor may replace with the hash they saw
// announced elsewhere. Labels come from the page (data-*, in the page's language).
// After a run the section carries data-verified ("passed" / "failed") and data-ms (of which
// data-fetch-ms getting the record, data-verify-ms parsing and re-deriving it).
import { verifyText } from "../verify/verify.js";

const section = document.getElementById("verify");
if (section) {
  const labels = section.dataset;
  const form = section.querySelector("form");
  const status = section.querySelector("#verify-status");
  const list = section.querySelector("#verify-steps");
  const button = form.querySelector("button");
  section.hidden = false;

  const mark = (ok) => (ok === true ? labels.ok : ok === false ? labels.bad : labels.skip);

  function show(report, ms) {
    list.replaceChildren();
    for (const s of report.steps) {
      const item = document.createElement("li");
      item.className = s.ok === true ? "step-ok" : s.ok === false ? "step-bad" : "step-skip";
      const name = document.createElement("strong");
      name.textContent = `${mark(s.ok)} · ${s.name}`;
      item.append(name);
      for (const [label, text] of [[labels.note, s.note], [labels.expected, s.ok === false ? s.expected : null], [labels.got, s.ok === false ? s.got : null]]) {
        if (text === null || text === undefined || text === "") continue;
        const line = document.createElement("div");
        line.className = "step-detail";
        line.textContent = `${label}${typeof text === "string" ? text : JSON.stringify(text)}`;
        item.append(line);
      }
      list.append(item);
    }
    status.textContent = `${report.ok ? labels.passed : labels.failed} (${(ms / 1000).toFixed(2)} s)`;
    section.dataset.verified = report.ok ? "passed" : "failed";
    section.dataset.ms = String(Math.round(ms));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    delete section.dataset.verified;
    status.textContent = labels.running;
    list.replaceChildren();
    try {
      const started = performance.now();
      const answer = await fetch(labels.record, { headers: { Accept: "application/json" } });
      if (!answer.ok) throw new Error(`${labels.record}: HTTP ${answer.status}`);
      const text = await answer.text();
      const fetched = performance.now();
      const announced = form.elements.announced.value.trim() || null;
      const report = await verifyText(text, { announced });
      const done = performance.now();
      show(report, done - started);
      section.dataset.fetchMs = String(Math.round(fetched - started));
      section.dataset.verifyMs = String(Math.round(done - fetched));
    } catch (error) {
      status.textContent = `${labels.failed}: ${error.message}`;
      section.dataset.verified = "failed";
    } finally {
      button.disabled = false;
    }
  });
}
