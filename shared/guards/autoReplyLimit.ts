// The auto-reply budget of one sender: SMS_AUTO_REPLY_LIMIT replies per clock hour (UTC). Pure: no I/O.

/** The row of one sender's count in one hour: PartitionKey the hour, RowKey the sender. */
export function autoReplyRowKeys(sender: string, now: Date): { partitionKey: string; rowKey: string } {
  return { partitionKey: now.toISOString().slice(0, 13).replace(/\D/g, ''), rowKey: sender };
}

/** A count as read from the table; a malformed one counts as spent, so a damaged row cannot unlock replies. */
export function countOf(value: unknown, limit: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : limit;
}
