// The public link survey page: progressive enhancement only; the page works without it.
export {};
