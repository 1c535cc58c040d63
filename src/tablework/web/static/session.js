// The session screen. It draws what the server says (guidance, view) and sends what the
// therapist or client does as events to the JSON API. Nothing here decides clinical
// questions: a tap on a locked area is sent, so the engine records the attempt and says
// why it is refused.
(() => {
  "use strict";

  const boot = JSON.parse(document.getElementById("boot").textContent);
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const sid = boot.session_id;
  const chart = boot.chart;
  const $ = (id) => document.getElementById(id);

  let guidance = boot.guidance;
  let view = boot.view;
  let lastSeq = boot.last_seq; // the seq the guidance reflects
  let viewSeq = boot.last_seq; // the seq the view reflects
  let pain = null; // a pain rating waiting to go with the next answer
  let level = view.work ? view.work.level : (view.last_level ?? 1);
  let lastAttempt = null;
  let dueSpoken = null;
  // Spoken prompts: this tablet's own choice if it made one, else the clinic's default.
  const mutedChoice = localStorage.getItem("tablework.muted");
  let muted = mutedChoice === null ? boot.voice_prompts === false : mutedChoice === "1";
  const started = performance.now();
  const sessionNow = () => boot.seconds_now + (performance.now() - started) / 1000;

  const ACTIONS = {
    position_client: "Position the client",
    adjust_supports: "Let the client adjust",
    begin: "Begin",
    continue: "Continue",
    check_in_now: "Check in now",
    increase_level: "One level deeper",
    decrease_level: "Go lighter",
    stop_area: "Stop this area",
    move_to_area: "Move to the next area",
    refused: "Refused",
    pause: "Pause: hands off",
    end_session: "End the session",
  };
  const areaName = (id) => (chart.areas[id] ? chart.areas[id].name : id);
  const technique = (id) => chart.techniques.find((t) => t.id === id);
  const techniqueName = (id) => (technique(id) ? technique(id).name : id);
  const positionName = (id) => {
    const found = chart.positions.find((p) => p.id === id);
    return found ? found.name : id;
  };

  // ---- speech -------------------------------------------------------------------------
  function speak(text) {
    if (muted || !("speechSynthesis" in window)) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.rate = 1;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
  }
  function drawMute() {
    $("mute").setAttribute("aria-pressed", String(muted));
    $("mute").textContent = muted ? "Voice off" : "Voice on";
  }
  function toggleMute() {
    muted = !muted;
    localStorage.setItem("tablework.muted", muted ? "1" : "0");
    if (muted && "speechSynthesis" in window) window.speechSynthesis.cancel();
    drawMute();
  }

  // ---- problems -----------------------------------------------------------------------
  let problemTimer = null;
  function showProblem(text) {
    const box = $("problem");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(problemTimer);
    problemTimer = setTimeout(() => (box.hidden = true), 12000);
  }

  // ---- sending, with an offline queue -------------------------------------------------
  // The queue lives in this tab's sessionStorage: it survives a reload, and two tabs on
  // the same session never overwrite each other's. Retries reuse each action's key, so
  // the server stores it once however often it is sent.
  const QUEUE = `tablework.queue.${sid}`;
  let queue = [];
  try {
    queue = JSON.parse(sessionStorage.getItem(QUEUE) || "[]");
  } catch (_) {
    queue = [];
  }
  let sending = false;
  let offline = false;
  let retryTimer = null;

  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "screen-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function saveQueue() {
    sessionStorage.setItem(QUEUE, JSON.stringify(queue));
    drawLink();
  }
  window.addEventListener("beforeunload", (e) => {
    if (queue.length) {
      e.preventDefault(); // closing the tab would drop actions not yet sent
      e.returnValue = "";
    }
  });
  function send(event) {
    if (view.ended) {
      showProblem("The session has ended.");
      return;
    }
    const body = Object.assign({}, event, { at: Math.round(sessionNow() * 10) / 10 });
    queue.push({ key: newKey(), body });
    saveQueue();
    flush();
  }
  function retrySoon(ms) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, ms);
  }
  async function flush() {
    if (sending) return;
    sending = true;
    try {
      while (queue.length) {
        const item = queue[0];
        let answer;
        try {
          answer = await fetch(`/api/sessions/${sid}/events`, {
            method: "POST",
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/json",
              "X-CSRF-Token": csrf,
              "Idempotency-Key": item.key,
            },
            body: JSON.stringify(item.body),
          });
        } catch (_) {
          setOffline(true);
          retrySoon(2000);
          return;
        }
        const data = await answer.json().catch(() => ({}));
        if (answer.status === 200 || answer.status === 201) {
          queue.shift();
          saveQueue();
          setOffline(false);
          posted(item.body, data);
          continue;
        }
        if (answer.status === 422 && "at" in item.body && /backwards/.test(data.detail || "")) {
          delete item.body.at; // another device answered in between: let the server stamp it
          saveQueue();
          continue;
        }
        if (answer.status >= 500 || answer.status === 429 || answer.status === 409) {
          setOffline(true, "server busy");
          retrySoon(3000);
          return;
        }
        if (answer.status === 401) {
          showProblem("The login has expired: log in again in another tab; queued actions are kept.");
          retrySoon(5000);
          return;
        }
        queue.shift(); // refused as invalid: it would be refused again
        saveQueue();
        showProblem(`Not recorded: ${data.detail || answer.status}`);
      }
    } finally {
      sending = false;
      drawLink();
    }
  }
  function setOffline(value, why) {
    offline = value;
    if (why) offline = why;
    drawLink();
  }

  // ---- the live stream ----------------------------------------------------------------
  let stream = null;
  let streamUp = false;
  function openStream() {
    if (stream) stream.close();
    stream = new EventSource(`/api/sessions/${sid}/stream?after=${lastSeqSeen()}`);
    stream.addEventListener("open", () => {
      streamUp = true;
      drawLink();
    });
    stream.addEventListener("recorded", (message) => {
      streamUp = true;
      received(JSON.parse(message.data));
    });
    stream.addEventListener("error", () => {
      streamUp = false;
      drawLink();
      if (stream.readyState === EventSource.CLOSED) setTimeout(openStream, 3000);
    });
  }
  const lastSeqSeen = () => Math.max(lastSeq, viewSeq);

  function drawLink() {
    const badge = $("link");
    badge.classList.remove("live", "offline");
    if (offline || !navigator.onLine) {
      badge.classList.add("offline");
      badge.textContent = `offline, ${queue.length} queued`;
    } else if (queue.length) {
      badge.textContent = `sending ${queue.length}…`;
    } else if (streamUp) {
      badge.classList.add("live");
      badge.textContent = "live";
    } else {
      badge.textContent = "connecting…";
    }
  }

  // ---- what arrives -------------------------------------------------------------------
  function posted(body, data) {
    if (data.guidance && data.seq > lastSeq) {
      setGuidance(data.guidance, data.seq);
    }
    if (data.guidance && data.guidance.action === "refused" && body.type === "work_started") {
      flashRefused(body.area);
    }
  }
  function received(message) {
    if (message.seq <= viewSeq && message.seq <= lastSeq) return;
    const fresh = message.seq > lastSeq;
    if (message.view && message.seq > viewSeq) {
      view = message.view;
      viewSeq = message.seq;
    }
    logEvent(message.event, message.actor, message.guidance.action === "refused");
    if (fresh) setGuidance(message.guidance, message.seq);
    else drawAll();
    announce(message);
  }
  function announce(message) {
    const event = message.event;
    if (event.type === "check_in" && message.actor !== undefined && message.actor === "remote") {
      const pain = event.pain !== undefined && event.pain !== null ? `, pain ${event.pain}` : "";
      if (event.pressure !== "stop") speak(`Client says ${event.pressure || ""}${pain}`);
    }
    const action = message.guidance.action;
    if (action === "pause") {
      if (event.type === "check_in" && event.pressure === "stop") {
        speak("Stop: the client asked you to stop. Hands off, then ask them.");
      } else {
        speak("Pause: hands off, and ask the client how they are.");
      }
    } else if (action === "refused") {
      speak(`Refused: ${message.guidance.reasons.length ? message.guidance.reasons[0].text : ""}`);
    } else if (action === "stop_area" && event.type !== "work_stopped") {
      speak(`Stop work on ${areaName(message.guidance.area)}.`);
    } else if (action === "end_session" && !view.ended) {
      speak("Time to end the session.");
    }
  }
  function setGuidance(next, seq) {
    guidance = next;
    lastSeq = seq;
    dueSpoken = null;
    drawAll();
  }

  // ---- drawing ------------------------------------------------------------------------
  function drawAll() {
    drawGuidance();
    drawChart();
    drawControls();
    drawRing();
    drawLink();
  }
  function describe(g) {
    const parts = [];
    if (g.area) parts.push(areaName(g.area));
    if (g.technique) parts.push(techniqueName(g.technique));
    if (g.level !== undefined && g.level !== null) parts.push(`level ${g.level}`);
    if (g.position) parts.push(positionName(g.position));
    if (g.supports && g.supports.length) {
      parts.push(g.supports.map((s) => chart.supports[s] || s).join(", "));
    }
    return parts.join(" · ");
  }
  function drawGuidance() {
    const box = $("guidance");
    box.dataset.action = guidance.action;
    box.dataset.seq = String(lastSeq);
    $("g-action").textContent = ACTIONS[guidance.action] || guidance.action;
    $("g-what").textContent = describe(guidance);
    $("g-prompt").textContent = guidance.prompt || "";
    const reasons = $("g-reasons");
    reasons.replaceChildren(
      ...(guidance.reasons || []).map((r) => {
        const li = document.createElement("li");
        const point = document.createElement("b");
        point.textContent = pointLabel(r.point);
        li.append(point, " ", r.text);
        return li;
      }),
    );
    const step = doable();
    const button = $("do");
    button.textContent = step ? step.label : waitingLabel();
    button.disabled = !step;
    $("override").hidden = !(guidance.action === "refused" && guidance.overridable && lastAttempt);
    document.querySelector(".answers").classList.toggle(
      "asking",
      guidance.action === "check_in_now" || guidance.action === "pause",
    );
  }
  // Protocol points (P1-P16) as they are; the engine's other sources in plain words.
  function pointLabel(point) {
    if (/^P\d+$/.test(point)) return point;
    if (point.startsWith("screening")) return "Screening";
    if (point === "clearance") return "Clearance";
    return point.charAt(0).toUpperCase() + point.slice(1).replace(/[_:-]/g, " ");
  }
  function waitingLabel() {
    if (view.ended) return "Session ended";
    if (guidance.action === "check_in_now" || guidance.action === "pause") {
      return "Ask the client (answers on the right)";
    }
    if (guidance.action === "continue") return "Keep going";
    if (guidance.action === "stop_area") return "Area stopped: tap the next area on the chart";
    return "Nothing to do yet";
  }
  // What "Do this" sends for the current guidance, or null.
  function doable() {
    if (view.ended) return null;
    const g = guidance;
    const work = view.work;
    if (g.action === "position_client" && g.position) {
      return {
        label: `Client is placed: ${positionName(g.position)}`,
        event: { type: "positioned", position: g.position, supports: g.supports || [] },
      };
    }
    if (g.action === "adjust_supports") {
      return {
        label: "The client has adjusted the supports",
        event: {
          type: "positioned",
          position: g.position || view.position,
          supports: g.supports || view.supports,
          client_adjusted: true,
        },
      };
    }
    if (g.action === "stop_area" && g.area && work && work.area === g.area) {
      return { label: `Stop ${areaName(g.area)}`, event: { type: "work_stopped", area: g.area } };
    }
    if (g.action === "end_session") {
      return { label: "End the session…", end: true };
    }
    if (
      ["begin", "move_to_area", "increase_level", "decrease_level"].includes(g.action) &&
      g.area && g.technique && g.level !== undefined && g.level !== null
    ) {
      const verb = g.action === "increase_level" ? "Go to" : g.action === "decrease_level" ? "Ease to" : "Start";
      return {
        label: `${verb}: ${areaName(g.area)}, level ${g.level}`,
        event: { type: "work_started", area: g.area, technique: g.technique, level: g.level },
      };
    }
    return null;
  }
  function doIt() {
    const step = doable();
    if (!step) return;
    if (step.end) {
      endAsk();
      return;
    }
    if (step.event.type === "work_started") {
      lastAttempt = step.event;
      level = step.event.level;
      $("technique").value = step.event.technique;
    }
    send(step.event);
  }

  function drawChart() {
    const next = ["begin", "move_to_area"].includes(guidance.action) ? guidance.area : null;
    document.querySelectorAll("[data-area]").forEach((node) => {
      const area = node.dataset.area;
      const reactive = view.reactive.includes(area);
      const closed = view.closed.includes(area);
      const treated = view.treated.includes(area);
      const current = view.work && view.work.area === area;
      node.classList.toggle("reactive", reactive);
      node.classList.toggle("closed", closed && !reactive);
      node.classList.toggle("treated", treated && !closed);
      node.classList.toggle("current", !!current);
      node.classList.toggle("next", area === next && !current);
      const states = [];
      if (current) states.push("working now");
      if (reactive) states.push("reactive, locked for this session");
      else if (closed) states.push("closed for this session");
      else if (treated) states.push("treated");
      if (area === next) states.push("suggested next");
      node.setAttribute("aria-label", `${areaName(area)}${states.length ? ": " + states.join(", ") : ""}`);
      const mark = node.querySelector(".mark");
      if (mark) mark.textContent = reactive ? "LOCKED" : closed ? "CLOSED" : current ? "NOW" : treated ? "✓" : "";
    });
    const supine = view.position === "supine";
    if (flipped === null) showSide(supine ? "front" : "back");
  }
  let flipped = null;
  function showSide(side) {
    // An SVG element has no `hidden` property: set the attribute itself.
    $("chart-back").toggleAttribute("hidden", side !== "back");
    $("chart-front").toggleAttribute("hidden", side !== "front");
    $("chart-title").textContent = side === "back" ? "Back of the body" : "Front of the body";
    $("flip").textContent = side === "back" ? "Show front" : "Show back";
  }
  function flip() {
    const side = $("chart-back").hasAttribute("hidden") ? "back" : "front";
    flipped = side;
    showSide(side);
  }
  function flashRefused(area) {
    document.querySelectorAll(`[data-area="${CSS.escape(area)}"]`).forEach((node) => {
      node.classList.add("refused-flash");
      setTimeout(() => node.classList.remove("refused-flash"), 2500);
    });
  }

  function drawControls() {
    const work = view.work;
    if (work) {
      level = work.level;
      $("technique").value = work.technique;
    }
    $("level").textContent = String(level);
    document.querySelectorAll(".position").forEach((b) => {
      b.setAttribute("aria-pressed", String(b.dataset.position === view.position));
    });
    document.querySelectorAll(".pain-row [data-pain]").forEach((b) => {
      b.setAttribute("aria-checked", String(Number(b.dataset.pain) === pain));
    });
    $("stop-area").disabled = !work;
    const limits = view.limits || [];
    $("limits").hidden = limits.length === 0;
    $("limits-text").textContent = limits.join(" · ");
    if (view.ended) {
      $("problem").hidden = true;
      document.querySelectorAll(".answers button, .hands button, .hands input, .hands select, #do")
        .forEach((el) => (el.disabled = true));
      $("g-action").textContent = "Session ended";
    }
  }

  // The countdown to the next check-in, from check_in_due_at: local time, no polling.
  function drawRing() {
    const ring = $("ring");
    const due = guidance.check_in_due_at;
    const interval = boot.check_in_seconds;
    const text = $("ring-text");
    if (due === null || due === undefined || view.ended || !view.work) {
      ring.classList.add("idle");
      ring.classList.remove("due");
      $("ring-left").setAttribute("stroke-dasharray", "0 100");
      text.textContent = view.ended ? "ended" : "no contact";
      ring.setAttribute("aria-label", "Next check-in: not timing (no hands-on work)");
      return;
    }
    ring.classList.remove("idle");
    const left = due - sessionNow();
    const isDue = left <= 0 || guidance.action === "check_in_now";
    ring.classList.toggle("due", isDue);
    const fraction = Math.max(0, Math.min(1, left / interval));
    $("ring-left").setAttribute("stroke-dasharray", `${(fraction * 100).toFixed(1)} 100`);
    if (isDue) {
      text.textContent = "Check in now";
      ring.setAttribute("aria-label", "Check in now");
      if (dueSpoken !== due) {
        dueSpoken = due;
        speak("Check in about pressure.");
      }
    } else {
      const whole = Math.ceil(left);
      text.textContent = `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
      ring.setAttribute("aria-label", `Next check-in in ${whole} seconds`);
    }
  }

  // ---- the record so far ---------------------------------------------------------------
  function eventText(event) {
    switch (event.type) {
      case "session_started": return "Session started";
      case "positioned": return `Positioned: ${positionName(event.position)}${event.client_adjusted ? " (client adjusted)" : ""}`;
      case "work_started": return `Work: ${areaName(event.area)}, ${techniqueName(event.technique)}, level ${event.level}${event.override_reason ? " (override: " + event.override_reason + ")" : ""}`;
      case "check_in": return `Client: ${event.pressure || "pain only"}${event.pain !== undefined && event.pain !== null ? ", pain " + event.pain : ""}${event.tightening ? ", tightening" : ""}`;
      case "tightening_observed": return `Tightened: ${areaName(event.area)}`;
      case "work_stopped": return `Stopped: ${areaName(event.area)}`;
      case "note": return `Note: ${event.text}`;
      case "session_ended": return `Session ended${event.pain_after !== undefined && event.pain_after !== null ? ", pain after " + event.pain_after : ""}`;
      case "retracted": return `Retracted event ${event.seq}: ${event.reason}`;
      default: return event.type;
    }
  }
  function logEvent(event, actor, refused) {
    const li = document.createElement("li");
    const attempt = refused && (event.type === "work_started" || event.type === "positioned");
    li.textContent = (attempt ? "Refused, not done: " : "") + eventText(event) + " ";
    if (attempt) li.className = "refused";
    if (actor === "remote" || actor === "voice") {
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = `(${actor})`;
      li.append(who);
    }
    const log = $("log");
    log.prepend(li);
    while (log.children.length > 60) log.lastElementChild.remove();
  }
  async function loadLog() {
    try {
      const answer = await fetch(`/api/sessions/${sid}/events`, { credentials: "same-origin" });
      if (!answer.ok) return;
      const events = await answer.json();
      const refused = new Set(boot.refused_seqs || []);
      events
        .filter((e) => e.seq <= boot.last_seq)
        .slice(-60)
        .forEach((e) => logEvent(e.event, e.actor, refused.has(e.seq)));
    } catch (_) {
      /* offline at load: the log fills from the stream */
    }
  }

  // ---- the controls -------------------------------------------------------------------
  function answer(pressure) {
    const event = { type: "check_in", pressure };
    if (pain !== null) event.pain = pain;
    const area = view.work ? view.work.area : null;
    if (area) event.area = area;
    pain = null;
    send(event);
    drawControls();
  }
  function painOnly() {
    if (pain === null) {
      showProblem("Choose the client's pain (0-10) first.");
      return;
    }
    const event = { type: "check_in", pain };
    if (view.work) event.area = view.work.area;
    pain = null;
    send(event);
    drawControls();
  }
  function choosePain(value) {
    pain = pain === value ? null : value;
    drawControls();
  }
  function tightened() {
    const area = view.work ? view.work.area : view.last_area;
    if (!area) {
      showProblem("No area in hand: tap the area that tightened on the body chart first.");
      return;
    }
    send({ type: "tightening_observed", area });
  }
  function fitLevel(tech, wanted) {
    const levels = tech ? tech.levels : [wanted];
    if (levels.includes(wanted)) return wanted;
    return wanted < levels[0] ? levels[0] : levels[levels.length - 1];
  }
  function techniqueFor(area) {
    const chosen = technique($("technique").value);
    if (chosen && chosen.areas.includes(area)) return chosen;
    return chart.techniques.find((t) => t.broad && t.areas.includes(area)) || chosen;
  }
  function workOn(area) {
    let event;
    if (guidance.area === area && guidance.technique && guidance.level !== undefined && guidance.level !== null) {
      event = { type: "work_started", area, technique: guidance.technique, level: guidance.level };
    } else {
      const tech = techniqueFor(area);
      event = { type: "work_started", area, technique: tech.id, level: fitLevel(tech, level) };
    }
    lastAttempt = event;
    send(event);
  }
  function changeLevel(step) {
    const work = view.work;
    if (!work) {
      level = Math.max(0, Math.min(5, level + step));
      drawControls();
      return;
    }
    const tech = technique(work.technique);
    const wanted = work.level + step;
    if (tech && !tech.levels.includes(wanted)) {
      showProblem(`${tech.name} goes from level ${tech.levels[0]} to ${tech.levels[tech.levels.length - 1]}: choose another technique.`);
      return;
    }
    const event = { type: "work_started", area: work.area, technique: work.technique, level: wanted };
    lastAttempt = event;
    send(event);
  }
  function changeTechnique() {
    const work = view.work;
    if (!work) return;
    const tech = technique($("technique").value);
    if (!tech || tech.id === work.technique) return;
    const event = { type: "work_started", area: work.area, technique: tech.id, level: fitLevel(tech, work.level) };
    lastAttempt = event;
    send(event);
  }
  function override() {
    if (!lastAttempt) return;
    const reason = window.prompt("Why go against the protocol here? The reason goes into the note as a deviation.");
    if (!reason || reason.trim().length < 3) return;
    send(Object.assign({}, lastAttempt, { override_reason: reason.trim().slice(0, 500) }));
  }
  function endAsk() {
    $("pain-after").focus();
    showProblem("Ask the client's pain now (0-10), then press End session.");
  }
  async function openRemote() {
    const dialog = $("remote-dialog");
    $("remote-body").innerHTML = "<p>Making a link…</p>";
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    try {
      const answer = await fetch(`/sessions/${sid}/remote`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, Accept: "text/html" },
      });
      const html = await answer.text();
      if (answer.ok) $("remote-body").innerHTML = html;
      else $("remote-body").textContent = "No remote: the session has ended, or the login expired.";
    } catch (_) {
      $("remote-body").textContent = "Offline: try again when the connection is back.";
    }
  }

  function wire() {
    $("do").addEventListener("click", doIt);
    $("override").addEventListener("click", override);
    $("mute").addEventListener("click", toggleMute);
    $("flip").addEventListener("click", flip);
    $("remote-open").addEventListener("click", openRemote);
    $("tight").addEventListener("click", tightened);
    $("pain-only").addEventListener("click", painOnly);
    $("level-up").addEventListener("click", () => changeLevel(1));
    $("level-down").addEventListener("click", () => changeLevel(-1));
    $("technique").addEventListener("change", changeTechnique);
    $("stop-area").addEventListener("click", () => view.work && send({ type: "work_stopped", area: view.work.area }));
    document.querySelectorAll("button.answer").forEach((b) =>
      b.addEventListener("click", () => answer(b.dataset.pressure)),
    );
    document.querySelectorAll(".pain-row [data-pain]").forEach((b) =>
      b.addEventListener("click", () => choosePain(Number(b.dataset.pain))),
    );
    document.querySelectorAll(".position").forEach((b) =>
      b.addEventListener("click", () => {
        const position = chart.positions.find((p) => p.id === b.dataset.position);
        send({ type: "positioned", position: position.id, supports: position.supports });
      }),
    );
    document.querySelectorAll("button.note").forEach((b) =>
      b.addEventListener("click", () => send({ type: "note", text: b.dataset.note })),
    );
    $("note-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = $("note-text").value.trim();
      if (!text) return;
      send({ type: "note", text });
      $("note-text").value = "";
    });
    $("end-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const raw = $("pain-after").value.trim();
      const value = Number(raw);
      if (raw === "" || !Number.isInteger(value) || value < 0 || value > 10) {
        showProblem("Pain after is a whole number from 0 to 10: ask the client.");
        $("pain-after").focus();
        return;
      }
      send({ type: "session_ended", pain_after: value });
    });
    document.querySelectorAll("[data-area]").forEach((node) => {
      node.addEventListener("click", () => workOn(node.dataset.area));
      node.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          e.stopPropagation();
          workOn(node.dataset.area);
        }
      });
    });
    document.addEventListener("keydown", shortcut);
    window.addEventListener("online", () => {
      offline = false;
      flush();
      if (!stream || stream.readyState === EventSource.CLOSED) openStream();
    });
    window.addEventListener("offline", () => setOffline(true));
  }

  function shortcut(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if ($("remote-dialog").open) return; // the dialog has the keys (Escape closes it)
    const target = e.target;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
    if (typing) return;
    const onControl = target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement;
    const key = e.key;
    const actions = {
      n: doIt, N: doIt,
      l: () => answer("lighter"), L: () => answer("lighter"),
      g: () => answer("good"), G: () => answer("good"),
      d: () => answer("deeper"), D: () => answer("deeper"),
      s: () => answer("stop"), S: () => answer("stop"),
      t: tightened, T: tightened,
      p: painOnly, P: painOnly,
      x: () => view.work && send({ type: "work_stopped", area: view.work.area }),
      X: () => view.work && send({ type: "work_stopped", area: view.work.area }),
      "+": () => changeLevel(1), "=": () => changeLevel(1),
      "-": () => changeLevel(-1), "_": () => changeLevel(-1),
      f: flip, F: flip,
      m: toggleMute, M: toggleMute,
      e: endAsk, E: endAsk,
      ")": () => choosePain(10),
      "?": () => ($("keys").open = !$("keys").open),
    };
    if (key === "Enter" && !onControl) {
      e.preventDefault();
      doIt();
      return;
    }
    if (/^[0-9]$/.test(key)) {
      e.preventDefault();
      choosePain(Number(key));
      return;
    }
    if (actions[key]) {
      e.preventDefault();
      actions[key]();
    }
  }

  // Keep the screen on during the session (where the browser allows it).
  let wakeLock = null;
  async function keepAwake() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible" || view.ended) return;
    try {
      wakeLock = await navigator.wakeLock.request("screen");
      $("wake").hidden = false;
      wakeLock.addEventListener("release", () => ($("wake").hidden = true));
    } catch (_) {
      $("wake").hidden = true;
    }
  }
  document.addEventListener("visibilitychange", keepAwake);

  // For voice.js (the microphone): speak, hold a pain rating, prompt a check-in.
  window.tableworkScreen = {
    speak,
    setPain: (value) => { pain = value; drawControls(); },
    ask: () => document.querySelector(".answers").classList.add("asking"),
  };
  drawMute();
  wire();
  drawAll();
  loadLog().then(openStream);
  keepAwake();
  if (queue.length) flush();
  setInterval(drawRing, 1000);
})();
