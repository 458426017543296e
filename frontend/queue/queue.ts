// The ticket queue and the ticket page: selection, keyboard shortcuts, canned responses in the reply box.
// Everything here is an enhancement: the pages work without it (forms post to the server).

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  if (el.isContentEditable) return true;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

function announce(text: string): void {
  const status = document.getElementById("live-status");
  if (status) status.textContent = text;
}

function helpDialog(): HTMLDialogElement | null {
  return document.getElementById("shortcut-help") as HTMLDialogElement | null;
}

function openHelp(): void {
  const dialog = helpDialog();
  if (dialog && !dialog.open) dialog.showModal();
}

// --- the queue ---------------------------------------------------------------------------------------

function setUpQueue(form: HTMLFormElement): void {
  const rows = Array.from(form.querySelectorAll<HTMLTableRowElement>("tr[data-ticket-row]"));
  const count = form.querySelector<HTMLElement>("[data-selected-count]");
  const selectAll = form.querySelector<HTMLInputElement>("[data-select-all]");
  const boxes = (): HTMLInputElement[] =>
    Array.from(form.querySelectorAll<HTMLInputElement>('input[type="checkbox"][name="ticket"]'));

  const updateCount = (): void => {
    const selected = boxes().filter((b) => b.checked).length;
    if (count) count.textContent = selected ? `${selected} ✓` : "";
    if (selectAll) {
      selectAll.checked = selected > 0 && selected === boxes().length;
      selectAll.indeterminate = selected > 0 && selected < boxes().length;
    }
  };
  if (selectAll) {
    selectAll.hidden = false;
    selectAll.addEventListener("change", () => {
      boxes().forEach((b) => { b.checked = selectAll.checked; });
      updateCount();
    });
  }
  form.addEventListener("change", (event) => {
    if ((event.target as HTMLElement).getAttribute("name") === "ticket") updateCount();
  });

  let current = -1;
  const focusRow = (index: number): void => {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach((row, i) => row.classList.toggle("is-current", i === current));
    const link = rows[current].querySelector<HTMLAnchorElement>("[data-ticket-link]");
    link?.focus();
  };
  // Focus moving into a row (by Tab or click) makes it the current one.
  rows.forEach((row, i) => row.addEventListener("focusin", () => {
    current = i;
    rows.forEach((r, j) => r.classList.toggle("is-current", j === current));
  }));

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target) || helpDialog()?.open) return;
    const row = current >= 0 ? rows[current] : null;
    switch (event.key) {
      case "j":
        focusRow(current + 1);
        break;
      case "k":
        focusRow(current < 0 ? 0 : current - 1);
        break;
      case "x": {
        const box = row?.querySelector<HTMLInputElement>('input[name="ticket"]');
        if (!box) return;
        box.checked = !box.checked;
        updateCount();
        break;
      }
      case "c": {
        const claim = row?.querySelector<HTMLButtonElement>("[data-claim]");
        if (!claim) return;
        claim.click();
        break;
      }
      case "Enter": {
        // A focused link opens by itself; Enter elsewhere on the page opens the current row.
        if ((event.target as HTMLElement).closest("a, button")) return;
        const link = row?.querySelector<HTMLAnchorElement>("[data-ticket-link]");
        if (!link) return;
        window.location.assign(link.href);
        break;
      }
      case "?":
        openHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  });
}

// --- the ticket page ---------------------------------------------------------------------------------

function setUpTicket(): void {
  const reply = document.querySelector<HTMLTextAreaElement>("#form-reply textarea");
  const note = document.querySelector<HTMLTextAreaElement>("#form-note textarea");
  const queueLink = document.querySelector<HTMLAnchorElement>("[data-queue-link]");
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target) || helpDialog()?.open) return;
    if (event.key === "r" && reply) reply.focus();
    else if (event.key === "n" && note) note.focus();
    else if (event.key === "u" && queueLink) window.location.assign(queueLink.href);
    else if (event.key === "?") openHelp();
    else return;
    event.preventDefault();
  });
}

// The canned response menu fills the reply box in place (rendered by the server for this ticket).
function setUpCanned(form: HTMLFormElement): void {
  const select = form.querySelector<HTMLSelectElement>('select[name$="canned"]');
  const body = form.querySelector<HTMLTextAreaElement>("textarea");
  const urlTemplate = form.dataset.cannedUrl;
  if (!select || !body || !urlTemplate) return;
  const insert = async (): Promise<void> => {
    if (!select.value) return;
    const url = urlTemplate.replace(/\/0\/$/, `/${encodeURIComponent(select.value)}/`);
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      const data = (await response.json()) as { text?: string; error?: string };
      if (!response.ok || data.text === undefined) {
        announce(data.error || "");
        return;
      }
      const start = body.selectionStart ?? body.value.length;
      const end = body.selectionEnd ?? body.value.length;
      body.value = body.value.slice(0, start) + data.text + body.value.slice(end);
      body.focus();
      const caret = start + data.text.length;
      body.setSelectionRange(caret, caret);
      select.value = "";
    } catch {
      // Offline or the session ended: the "Insert" button still works through the server.
    }
  };
  select.addEventListener("change", () => { void insert(); });
  const button = form.querySelector<HTMLButtonElement>("[data-canned-insert]");
  button?.addEventListener("click", (event) => {
    event.preventDefault();
    void insert();
  });
}

function start(): void {
  document.querySelectorAll<HTMLButtonElement>("[data-shortcuts-open]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", openHelp);
  });
  const queue = document.querySelector<HTMLFormElement>("form[data-queue]");
  if (queue) setUpQueue(queue);
  if (document.querySelector("[data-ticket-page]")) setUpTicket();
  const replyForm = document.querySelector<HTMLFormElement>("form[data-canned-url]");
  if (replyForm) setUpCanned(replyForm);
}

if (document.readyState !== "loading") start();
else document.addEventListener("DOMContentLoaded", start);

export {};
