// The survey builder (owned by the builder work); see surveys/views/builder.py.
export {};
