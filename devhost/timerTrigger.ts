// Timer triggers, as the Functions host runs them: a six-field NCRONTAB schedule ({second} {minute} {hour} {day}
// {month} {day-of-week}, evaluated in UTC as the host does unless WEBSITE_TIME_ZONE is set), `runOnStartup`, and the
// timer object the host passes (Schedule, ScheduleStatus, IsPastDue; @azure/functions camel-cases it).
import { Cron } from 'croner';
import type { FunctionRegistry, RegisteredFunction } from './core';

export interface TimerListenerOptions {
  log: (line: string) => void;
}

/** Six fields, seconds first: the host refuses five-field cron expressions. */
export function parseNcrontab(schedule: string): Cron {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new Error(
      `timer schedule "${schedule}" is not a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})`,
    );
  return new Cron(fields.join(' '), { paused: true, timezone: process.env.WEBSITE_TIME_ZONE || 'UTC' });
}

export class TimerListener {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running: Promise<void> = Promise.resolve();
  #last: Date | undefined;
  readonly #cron: Cron;

  constructor(
    private readonly registry: FunctionRegistry,
    private readonly fn: RegisteredFunction,
    private readonly options: TimerListenerOptions,
  ) {
    this.#cron = parseNcrontab(String(fn.trigger.schedule ?? ''));
  }

  start(): void {
    if (this.fn.trigger.runOnStartup === true) this.#fire();
    this.#scheduleNext();
  }

  #scheduleNext(): void {
    if (this.#stopped) return;
    const next = this.#cron.nextRun(new Date());
    if (!next) return;
    this.#timer = setTimeout(
      () => {
        this.#fire();
        this.#scheduleNext();
      },
      Math.max(0, next.getTime() - Date.now()),
    );
    this.#timer.unref?.();
  }

  #fire(): void {
    // One run at a time, as the host's singleton lock ensures; a tick during a run waits for it.
    this.#running = this.#running.then(() => this.#invoke());
  }

  async #invoke(): Promise<void> {
    if (this.#stopped) return;
    const now = new Date();
    const timer = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: (this.#last ?? now).toISOString(),
        Next: this.#cron.nextRun(now)?.toISOString(),
        LastUpdated: now.toISOString(),
      },
      IsPastDue: false,
    };
    this.#last = now;
    const name = this.fn.metadata.name;
    try {
      await this.registry.invoke(this.fn, { json: JSON.stringify(timer) }, {});
      this.options.log(`[${name}] Executed (Succeeded)`);
    } catch (error) {
      this.options.log(`[${name}] Executed (Failed): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
