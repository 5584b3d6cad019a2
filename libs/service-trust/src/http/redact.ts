/** Matches a compact JWS anywhere in a text. */
const COMPACT_JWS = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g;

/** Replaces anything shaped like a token in `text`, such as a token pasted into a URL field. */
export function redactTokens(text: string): string {
  return text.replace(COMPACT_JWS, '<token>');
}

/**
 * Cleans text that a peer sent before it goes into a status or error message: control characters
 * are dropped, tokens redacted and the length limited.
 */
export function sanitizePeerText(text: string, maxLength = 200): string {
  return redactTokens(
    text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ''),
  ).slice(0, maxLength);
}

/** Formats the first message of a peer's error body as `: message`, or '' when there is none. */
export function describePeerErrors(body: unknown): string {
  const first = (body as { errors?: { message?: unknown }[] } | undefined)?.errors?.[0]?.message;
  return typeof first === 'string' ? `: ${sanitizePeerText(first)}` : '';
}
