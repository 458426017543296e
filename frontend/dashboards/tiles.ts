// Custom dashboards: reorder tiles by dragging (SortableJS). The up/down buttons in each tile keep
// working without JavaScript; this only adds dragging and saves the new order with one POST.
import Sortable from "sortablejs";

function csrfToken(form: HTMLFormElement | null): string {
  const input = form?.querySelector<HTMLInputElement>('input[name="csrfmiddlewaretoken"]');
  return input?.value || "";
}

function announce(text: string): void {
  const status = document.getElementById("live-status");
  if (status) status.textContent = text;
}

function tileOrder(list: HTMLElement): string[] {
  return Array.from(list.querySelectorAll<HTMLElement>(":scope > [data-tile-id]")).map(
    (el) => el.dataset.tileId || "",
  );
}

// After a drag the server-rendered up/down buttons must match the new first and last tiles.
function refreshMoveButtons(list: HTMLElement): void {
  const tiles = Array.from(list.querySelectorAll<HTMLElement>(":scope > [data-tile-id]"));
  tiles.forEach((tile, index) => {
    const up = tile.querySelector<HTMLButtonElement>('input[value="up"] + button');
    const down = tile.querySelector<HTMLButtonElement>('input[value="down"] + button');
    if (up) up.disabled = index === 0;
    if (down) down.disabled = index === tiles.length - 1;
  });
}

async function saveOrder(list: HTMLElement, url: string, previous: string[]): Promise<void> {
  const body = new URLSearchParams();
  for (const id of tileOrder(list)) body.append("order", id);
  const form = document.getElementById("tile-sort-form") as HTMLFormElement | null;
  try {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
      body,
    });
    if (!response.ok) throw new Error(String(response.status));
    refreshMoveButtons(list);
    announce(list.dataset.sortSaved || "Saved");
  } catch {
    // Put the tiles back where the server has them.
    const byId = new Map(
      Array.from(list.querySelectorAll<HTMLElement>(":scope > [data-tile-id]")).map((el) => [el.dataset.tileId, el]),
    );
    for (const id of previous) {
      const el = byId.get(id);
      if (el) list.appendChild(el);
    }
    announce(list.dataset.sortFailed || "Not saved");
  }
}

export function initTileSort(root: ParentNode = document): void {
  const list = root.querySelector<HTMLElement>("[data-tile-sort]");
  const url = list?.dataset.tileSort;
  if (!list || !url) return;
  let before: string[] = [];
  Sortable.create(list, {
    handle: ".tile-handle",
    draggable: "[data-tile-id]",
    animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? 0 : 150,
    ghostClass: "is-ghost",
    chosenClass: "is-chosen",
    onStart: () => {
      before = tileOrder(list);
    },
    onEnd: (event) => {
      if (event.oldIndex === event.newIndex) return;
      void saveOrder(list, url, before);
    },
  });
  list.classList.add("is-sortable");
}

if (document.readyState !== "loading") initTileSort();
else document.addEventListener("DOMContentLoaded", () => initTileSort());
