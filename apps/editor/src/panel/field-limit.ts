// The size limit of one config field in the editor: a value this large belongs in the event or is fetched by
// a step, and pasting megabytes into a form field froze the editor for seconds.
import type { ClipboardEvent } from 'react';

export const FIELD_LIMIT_BYTES = 256 * 1024;

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** Why `text` is refused, or null when it fits. */
export function oversize(text: string): string | null {
  // characters first: the byte count is only needed near the limit
  if (text.length * 3 <= FIELD_LIMIT_BYTES) return null;
  const bytes = new TextEncoder().encode(text).length;
  if (bytes <= FIELD_LIMIT_BYTES) return null;
  return `This is ${size(bytes)}; a field holds at most ${size(FIELD_LIMIT_BYTES)}. Put large data in the event, or fetch it with a step.`;
}

/** Refuses a paste that would make the field too large, before the browser inserts it; the reason or null. */
export function refusePaste(event: ClipboardEvent<HTMLTextAreaElement>): string | null {
  const area = event.currentTarget;
  const pasted = event.clipboardData.getData('text/plain');
  const next = area.value.slice(0, area.selectionStart) + pasted + area.value.slice(area.selectionEnd);
  const reason = oversize(next);
  if (reason) event.preventDefault();
  return reason;
}
