// Voice in the room (DESIGN.md 10): the tablet's microphone, off until the therapist turns
// it on, streams 16 kHz PCM to the server's voice socket; the server recognizes a command
// and records it as the button would (actor "voice"). This page shows and speaks back what
// was heard, and "Undo" (shortcut U) retracts the last voice event within 5 seconds.
// Nothing is recorded or kept here: audio goes from the worklet to the socket and is gone.
(() => {
  "use strict";

  const boot = JSON.parse(document.getElementById("boot").textContent);
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const sid = boot.session_id;
  const $ = (id) => document.getElementById(id);
  const screen = () => window.tableworkScreen || {};
  const UNDO_MS = 5000;

  let on = false;
  let media = null;
  let context = null;
  let socket = null;
  let speaking = false;
  let undoable = null; // {seq, until}
  let undoTimer = null;

  function say(text) {
    if (!text) return;
    if (screen().speak) screen().speak(text);
  }
  function show(text, kind) {
    const box = $("voice-heard");
    box.textContent = text;
    box.dataset.kind = kind || "";
  }
  function draw() {
    $("voice-mic").setAttribute("aria-pressed", String(on));
    $("voice-mic").textContent = on ? "Microphone on" : "Microphone off";
    $("voice-listening").hidden = !on;
  }

  async function start() {
    if (!window.isSecureContext || !navigator.mediaDevices) {
      show("The microphone needs a secure page: open this screen over HTTPS (tablework serve --tls) or on localhost.", "problem");
      return;
    }
    on = true;
    draw();
    show("Starting the microphone…");
    try {
      media = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
      context = new AudioContext();
      await context.audioWorklet.addModule("/static/voice-worklet.js?v=1");
      const source = context.createMediaStreamSource(media);
      const node = new AudioWorkletNode(context, "downsample-16k");
      const sink = context.createGain();
      sink.gain.value = 0; // keeps the worklet pulled, and silent
      source.connect(node).connect(sink).connect(context.destination);
      node.port.onmessage = (message) => sendAudio(message.data);
      openSocket();
    } catch (error) {
      stop();
      show(`No microphone: ${error && error.message ? error.message : error}`, "problem");
    }
  }

  function openSocket() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/sessions/${sid}/voice`);
    socket.binaryType = "arraybuffer";
    socket.addEventListener("open", () => show("Listening: say lighter, good, deeper, stop, pain six, check in, next area, level up, level down."));
    socket.addEventListener("message", (message) => received(JSON.parse(message.data)));
    socket.addEventListener("close", (event) => {
      if (!on) return;
      if (event.code >= 4400 || event.code === 1008) {
        stop();
        if (!$("voice-heard").dataset.kind) show("The microphone was turned off by the server.", "problem");
      } else {
        show("Voice connection lost: reconnecting…", "problem");
        setTimeout(() => on && openSocket(), 2000);
      }
    });
  }

  // The screen's own speech is not the room talking: hold the audio while it speaks.
  function sendAudio(buffer) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const now = "speechSynthesis" in window && window.speechSynthesis.speaking;
    if (now) {
      speaking = true;
      return;
    }
    if (speaking) {
      speaking = false;
      socket.send(JSON.stringify({ type: "reset" }));
    }
    socket.send(buffer);
  }

  function stop() {
    on = false;
    if (socket) socket.close(1000);
    socket = null;
    if (media) media.getTracks().forEach((t) => t.stop());
    media = null;
    if (context) context.close();
    context = null;
    draw();
  }

  function received(message) {
    if (message.type === "error") {
      show(message.detail, "problem");
      return;
    }
    if (message.type !== "heard") return;
    const sure = `${Math.round((message.confidence || 0) * 100)}%`;
    if (message.command === null) {
      if (message.words) show(`Not sure (${sure}): it sounded like "${message.words}". Nothing recorded.`, "unsure");
      return;
    }
    if (message.hold_pain !== null && message.hold_pain !== undefined && screen().setPain) {
      screen().setPain(message.hold_pain);
    }
    if (message.seq) {
      show(`Heard "${message.say}" (${sure}): recorded. Undo with U.`, "stored");
      if (message.event && message.event.type === "check_in" && screen().setPain) screen().setPain(null);
      allowUndo(message.seq);
    } else {
      show(`Heard "${message.say || message.command}" (${sure})${message.why ? ": " + message.why : ""}.`, "heard");
    }
    if (message.prompt && screen().ask) screen().ask();
    say(message.say);
  }

  function allowUndo(seq) {
    undoable = { seq, until: performance.now() + UNDO_MS };
    $("voice-undo").disabled = false;
    clearTimeout(undoTimer);
    undoTimer = setTimeout(() => {
      undoable = null;
      $("voice-undo").disabled = true;
    }, UNDO_MS);
  }

  async function undo() {
    if (!undoable || performance.now() > undoable.until) return;
    const seq = undoable.seq;
    undoable = null;
    $("voice-undo").disabled = true;
    const key = `undo-${sid}-${seq}`;
    try {
      const answer = await fetch(`/api/sessions/${sid}/events`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Idempotency-Key": key },
        body: JSON.stringify({ type: "retracted", seq, reason: "misheard voice command, undone on the screen" }),
      });
      const data = await answer.json().catch(() => ({}));
      if (answer.ok) {
        show(`Undone: event ${seq} is retracted (it stays in the record, marked as a mistake).`, "stored");
        say("undone");
      } else {
        show(`Not undone: ${data.detail || answer.status}`, "problem");
      }
    } catch (_) {
      show("Not undone: the server cannot be reached.", "problem");
    }
  }

  $("voice-mic").addEventListener("click", () => (on ? stop() : start()));
  $("voice-undo").addEventListener("click", undo);
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || (e.key !== "u" && e.key !== "U")) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
    e.preventDefault();
    undo();
  });
  draw();
})();
