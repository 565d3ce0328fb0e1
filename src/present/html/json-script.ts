/**
 * JSON inside <script type="application/json">: the HTML parser ends the element at the first
 * "</script" and treats "<!--" specially, whatever the JSON means, so every <, > and & is written
 * as a \u escape (JSON.parse reads them back unchanged); U+2028/2029 too, for older parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text for HTML element content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
