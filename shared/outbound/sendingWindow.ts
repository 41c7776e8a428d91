// When an outbound message may go: its sendAt, moved on to the opening of its quiet-hours window. Pure: no I/O.
import { localTime, nextDate, zonedInstant } from '../hours/zonedClock';
import type { OutboundMessage } from './schema';

export type SendingWindow = NonNullable<OutboundMessage['window']>;

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** `from` itself when it is inside the window, else the next instant the window opens. */
export function windowOpensAt(window: SendingWindow, from: Date): Date {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const local = localTime(from, window.timeZone);
  const inside = start < end ? local.minutes >= start && local.minutes < end : local.minutes >= start || local.minutes < end;
  if (inside) return from;
  return zonedInstant(local.minutes < start ? local.date : nextDate(local.date), start, window.timeZone);
}

/** The earliest instant the message may be sent: now, its sendAt, or later when that falls outside its window. */
export function dueAt(message: Pick<OutboundMessage, 'sendAt' | 'window'>, now: Date): Date {
  const sendAt = message.sendAt ? new Date(Math.max(Date.parse(message.sendAt), now.getTime())) : now;
  return message.window ? windowOpensAt(message.window, sendAt) : sendAt;
}
