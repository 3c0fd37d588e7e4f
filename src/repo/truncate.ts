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
