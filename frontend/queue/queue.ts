// The ticket queue: selection, bulk actions, keyboard shortcuts (owner: queue UI helper).
export {};
