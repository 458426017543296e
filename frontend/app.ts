// The app's only script: htmx for in-place updates plus a few progressive enhancements.
// Everything works without it; no inline handlers, so it runs under the strict CSP.
import "htmx.org";
import "./conditions/editor";
import "./queue/queue";
import "./dashboards/tiles";

function onReady(fn: () => void): void {
  if (document.readyState !== "loading") fn();
  else document.addEventListener("DOMContentLoaded", fn);
}

// <form data-confirm="Are you sure?"> asks before submitting.
document.addEventListener("submit", (event) => {
  const form = event.target as HTMLElement | null;
  const message = form?.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
}, true);

// <select data-autosubmit> submits its form when changed (language and organisation switchers).
document.addEventListener("change", (event) => {
  const el = event.target as HTMLSelectElement | null;
  if (el && el.hasAttribute("data-autosubmit") && el.form) el.form.requestSubmit();
});

// <button data-copy="#id"> copies the text of the target and announces it.
document.addEventListener("click", async (event) => {
  const button = (event.target as HTMLElement | null)?.closest<HTMLElement>("[data-copy]");
  if (!button) return;
  const target = document.querySelector<HTMLElement>(button.dataset.copy || "");
  if (!target) return;
  const text = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement
    ? target.value : target.innerText;
  try {
    await navigator.clipboard.writeText(text);
    const done = button.dataset.copied || "Copied";
    const status = document.getElementById("live-status");
    if (status) status.textContent = done;
    const original = button.textContent;
    button.textContent = done;
    window.setTimeout(() => { button.textContent = original; }, 1500);
  } catch {
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) target.select();
  }
});

// The navigation drawer on small screens.
onReady(() => {
  const toggle = document.querySelector<HTMLButtonElement>("[data-nav-toggle]");
  const nav = document.getElementById("app-nav");
  if (!toggle || !nav) return;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", String(!open));
    nav.classList.toggle("is-open", !open);
  });
});
