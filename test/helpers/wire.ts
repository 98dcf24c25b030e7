// The type of JSON that tests read off the wire (JSON-RPC messages, error bodies). Tests check such
// values field by field with assertions, which is the point of reading them raw, so this one alias
// is left unchecked on purpose; everywhere else `any` stays a lint error.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: asserted field by field
export type Wire = any;
