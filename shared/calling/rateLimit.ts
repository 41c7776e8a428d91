// Tokens per identity per minute, counted per instance (a sliding minute per identity, in memory): a user who
// asks faster than CLIENT_TOKENS_PER_MINUTE on one instance waits. Instances do not share counts, so across a
// scaled-out app the limit is per instance. Pure: no I/O (the clock is a parameter).

export interface RateDecision {
  allowed: boolean;
  /** When refused: seconds until the oldest counted request leaves the window. */
  retryAfterSeconds?: number;
}

const WINDOW_MS = 60_000;
/** Identities remembered at most; the least recently seen are forgotten first. */
const MAX_IDENTITIES = 10_000;

export class TokenRateLimiter {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(identity: string): RateDecision {
    const now = this.now();
    const recent = (this.seen.get(identity) ?? []).filter((at) => now - at < WINDOW_MS);
    this.seen.delete(identity);
    if (recent.length >= this.perMinute) {
      this.seen.set(identity, recent);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((recent[0] + WINDOW_MS - now) / 1000)) };
    }
    recent.push(now);
    this.seen.set(identity, recent);
    if (this.seen.size > MAX_IDENTITIES) this.seen.delete(this.seen.keys().next().value!);
    return { allowed: true };
  }
}

let instanceLimiter: TokenRateLimiter | undefined;

/** This instance's limiter for POST /api/token, made on its first request with CLIENT_TOKENS_PER_MINUTE. */
export function tokenLimiter(perMinute: number): TokenRateLimiter {
  return (instanceLimiter ??= new TokenRateLimiter(perMinute));
}

/** Tests change CLIENT_TOKENS_PER_MINUTE between cases. */
export function resetTokenLimiterForTests(): void {
  instanceLimiter = undefined;
}
