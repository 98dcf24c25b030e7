// How deep a JSON text nests, found without parsing it. JSON.parse itself copes with deep nesting,
// but everything after it that walks the value recursively (JSON.stringify when the message is
// forwarded, structured logging) overflows the stack: a 200,000-deep array became a 500. Checked
// before parsing, on client bodies and backend messages alike (limits.maxJsonDepth). Pure.

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True when the text nests objects and arrays deeper than `maxDepth` (brackets inside strings do not count). */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  // Shallow texts are the common case: fewer opening brackets than the bound cannot exceed it.
  if (text.length <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}
