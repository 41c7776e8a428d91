// The local host's trace context per invocation (devhost/core.ts), as the Functions host gives it: an HTTP
// request's traceparent is continued (same trace id, a span of its own), anything else starts a new trace.
import { invocationTraceparent } from '../../../devhost/core';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

test("an invocation continues a valid incoming traceparent's trace under a span of its own", () => {
  const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const [, traceId, spanId] = TRACEPARENT.exec(invocationTraceparent(incoming))!;
  expect(traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  expect(spanId).not.toBe('00f067aa0ba902b7');
});

test.each([undefined, '', 'garbage', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`])(
  'without a valid one (%p) it starts a new trace',
  (incoming) => {
    const first = TRACEPARENT.exec(invocationTraceparent(incoming))![1];
    const second = TRACEPARENT.exec(invocationTraceparent(incoming))![1];
    expect(first).not.toBe(second);
  },
);
