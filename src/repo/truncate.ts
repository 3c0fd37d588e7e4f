/** Longest echoed value, in characters, before {@link truncateValue} cuts it. */
export const MAX_ECHOED_CHARS = 80;

/**
 * Shortens a value echoed in a message (a label value, a file path, a YAML scalar) to
 * {@link MAX_ECHOED_CHARS} characters with an ellipsis, and escapes control characters (a binary or
 * multi-line value stays on one line), so that bad input never makes output grow without bound.
 * @param value - The text to echo.
 * @param max - Longest result in characters. Default: {@link MAX_ECHOED_CHARS}.
 * @returns The value, or its first `max - 1` characters and `…`.
 */
export function truncateValue(value: string, max: number = MAX_ECHOED_CHARS): string {
  const cut = value.length > max ? `${value.slice(0, max - 1)}…` : value;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  return cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Longest message or hint, in characters, before {@link boundText} cuts it. */
export const MAX_MESSAGE_CHARS = 600;

/**
 * Bounds a sentence that may echo user values: control characters but newline and tab are escaped
 * (`\x1b`), every word (run without spaces) longer than {@link MAX_ECHOED_CHARS} is cut with an ellipsis,
 * and the whole text is cut at {@link MAX_MESSAGE_CHARS}. The safety net under every diagnostic, so no input makes a message
 * grow with it, wherever the message was built.
 * @param text - A message or hint.
 * @returns The bounded text (unchanged when already short and clean).
 */
export function boundText(text: string): string {
  // Control characters other than newline and tab (ESC, NUL, C1 CSI) are escaped wherever the text came from:
  // an echoed capture line or YAML value must not drive the terminal (fresh-user report).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
  const clean = CONTROL.test(text)
    ? text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    : text;
  if (clean.length <= MAX_ECHOED_CHARS) return clean;
  const out = clean
    .split(' ')
    .map((w) => (w.length > MAX_ECHOED_CHARS ? cutWord(w) : w))
    .join(' ');
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS - 1)}…` : out;
}

/**
 * Cuts a long word of a sentence, keeping its closing quote and punctuation (`"https://…/v1.yaml",` stays
 * quoted): the ellipsis goes inside the quotes.
 */
function cutWord(word: string): string {
  const tail = /["'”’)\]]*[.,;:!?)]*$/.exec(word)?.[0] ?? '';
  if (tail.length === 0 || tail.length > 4) return truncateValue(word);
  return `${truncateValue(word.slice(0, word.length - tail.length), MAX_ECHOED_CHARS - tail.length)}${tail}`;
}

/**
 * A diagnostic with its message and hint bounded by {@link boundText}.
 * @param d - Any diagnostic.
 * @returns The same diagnostic when nothing needed cutting, else a bounded copy.
 */
export function boundDiagnostic<D extends { readonly message: string; readonly hint?: string }>(d: D): D {
  const message = boundText(d.message);
  const hint = d.hint === undefined ? undefined : boundText(d.hint);
  if (message === d.message && hint === d.hint) return d;
  return { ...d, message, ...(hint !== undefined ? { hint } : {}) };
}

/**
 * A JSON-quoted value for a message, cut to {@link MAX_ECHOED_CHARS} characters first: `"web"`,
 * `"xxxx…"`.
 * @param value - The value to quote.
 * @returns The quoted text.
 */
export function quoteValue(value: string): string {
  return JSON.stringify(value.length > MAX_ECHOED_CHARS ? `${value.slice(0, MAX_ECHOED_CHARS - 1)}…` : value);
}
