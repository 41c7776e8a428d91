// What `npm run events` prints for each message of the events queue: one line with the event's time, type, subject
// and id (and the status of an outbound status event), or the message as it is (--json). Pure.

export interface QueuedEvent {
  messageId: string;
  messageText: string;
}

/** One line for a queue message: a CloudEvent's essentials, or what is wrong with a message that is not one. */
export function eventLine(text: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `(not JSON: ${text.length > 60 ? `${text.slice(0, 60)}...` : text})`;
  }
  if (!event || typeof event !== 'object' || typeof event.type !== 'string') return `(not a CloudEvent: ${text.slice(0, 60)})`;
  const data = (event.data ?? {}) as Record<string, unknown>;
  const status = typeof data.status === 'string' ? ` ${data.status}` : '';
  return [event.time ?? '-', `${event.type}${status}`, `subject=${String(event.subject ?? '-')}`, `id=${String(event.id ?? '-')}`].join(
    '  ',
  );
}

/** The messages not printed yet, in queue order; remembers them in `seen`. */
export function unseen(seen: Set<string>, messages: QueuedEvent[]): QueuedEvent[] {
  const fresh = messages.filter((m) => !seen.has(m.messageId));
  for (const m of fresh) seen.add(m.messageId);
  return fresh;
}
