// The client's remote: four answers and a pain slider, sent to /r/{token}/answers.
(() => {
  "use strict";
  const page = document.getElementById("remote");
  const token = page.dataset.token;
  const sent = document.getElementById("sent");
  const slider = document.getElementById("pain");
  const painValue = document.getElementById("pain-value");
  let pain = null;

  slider.addEventListener("input", () => {
    pain = Number(slider.value);
    painValue.textContent = String(pain);
  });

  async function answer(pressure) {
    const body = {};
    if (pressure) body.pressure = pressure;
    if (pain !== null) body.pain = pain;
    if (!pressure && pain === null) {
      sent.textContent = "Move the slider to your pain first.";
      return;
    }
    sent.textContent = "Sending…";
    try {
      const reply = await fetch(`/r/${encodeURIComponent(token)}/answers`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (reply.status === 201) {
        sent.textContent = `Sent: ${[pressure, pain !== null ? "pain " + pain : null].filter(Boolean).join(", ")}`;
        pain = null;
        painValue.textContent = "not set";
      } else if (reply.status === 410) {
        sent.textContent = "This session has ended. Thank you.";
        page.querySelectorAll("button, input").forEach((el) => (el.disabled = true));
      } else if (reply.status === 429) {
        sent.textContent = "Too many taps: wait a moment, then tap again.";
      } else {
        sent.textContent = "Not sent: tell your therapist.";
      }
    } catch (_) {
      sent.textContent = "Not sent (no connection): tell your therapist.";
    }
  }
  document.getElementById("send-pain").addEventListener("click", () => answer(null));
  page.querySelectorAll("button.answer").forEach((b) =>
    b.addEventListener("click", () => answer(b.dataset.pressure)),
  );
})();
