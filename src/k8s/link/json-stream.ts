/**
 * Splits a stream of concatenated JSON values ("{...}\n{...}", as
 * `linkerd ... -o json` prints one object per document) into the texts of the
 * top-level values. Only tracks nesting and strings; JSON.parse validates.
 */
export function splitJsonStream(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      if (start < 0) start = i;
    } else if (c === '{' || c === '[') {
      if (depth === 0 && start < 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(text.slice(start, i + 1));
        start = -1;
      }
    } else if (depth === 0 && !/\s/.test(c)) {
      // A bare scalar at top level: hand it on so JSON.parse reports it.
      if (start < 0) start = i;
    } else if (depth === 0 && start >= 0 && /\s/.test(c)) {
      out.push(text.slice(start, i));
      start = -1;
    }
  }
  if (start >= 0) out.push(text.slice(start));
  return out;
}
