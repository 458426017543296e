// The alert/routing condition editor (owner: conditions helper).
export {};
