// The opt-out API in the soak: beside the webhook load, one cycle a second on a number of its own: PUT an opt-out
// (for the app's sender, or for every sender), GET it, DELETE it, GET again (404), and every tenth cycle a page of
// GET /api/optouts. Each answer is checked (status and body); anything else is a wrong answer.
export interface OptOutCyclesResult {
  cycles: number;
  requests: number;
  wrong: number;
  /** The first few wrong answers, described (numbers left out). */
  examples: string[];
}

export interface OptOutCycles {
  stop(): Promise<OptOutCyclesResult>;
}

const address = (n: number) => `+1415558${String(n % 10_000).padStart(4, '0')}`;

interface Step {
  name: string;
  method: 'GET' | 'PUT' | 'DELETE';
  path: string;
  body?: string;
  /** Why the answer is wrong, or undefined. */
  check(status: number, body: Record<string, unknown>): string | undefined;
}

function cycleSteps(n: number, sender: string): Step[] {
  const path = `/api/optouts/${encodeURIComponent(address(n))}`;
  const forOne = n % 2 === 0;
  const senderShown = forOne ? sender : '*';
  const listed = (body: Record<string, unknown>) => (body.optOuts as Array<{ sender: string }> | undefined)?.map((o) => o.sender);
  const steps: Step[] = [
    {
      name: 'PUT',
      method: 'PUT',
      path,
      body: JSON.stringify(forOne ? { sender, keyword: 'soak' } : { keyword: 'soak' }),
      check: (status, body) =>
        status === 200 && body.optedOut === true && JSON.stringify(listed(body)) === JSON.stringify([senderShown])
          ? undefined
          : `status ${status}, senders ${JSON.stringify(listed(body))}`,
    },
    {
      name: 'GET after PUT',
      method: 'GET',
      path,
      check: (status, body) =>
        status === 200 && JSON.stringify(listed(body)) === JSON.stringify([senderShown])
          ? undefined
          : `status ${status}, senders ${JSON.stringify(listed(body))}`,
    },
    {
      name: 'DELETE',
      method: 'DELETE',
      path,
      check: (status, body) => (status === 200 && body.optedOut === false ? undefined : `status ${status}`),
    },
    { name: 'GET after DELETE', method: 'GET', path, check: (status) => (status === 404 ? undefined : `status ${status}`) },
  ];
  if (n % 10 === 0)
    steps.push({
      name: 'list',
      method: 'GET',
      path: '/api/optouts?pageSize=50',
      check: (status, body) => (status === 200 && Array.isArray(body.items) ? undefined : `status ${status}`),
    });
  return steps;
}

export function startOptOutCycles(baseUrl: string, sender: string): OptOutCycles {
  const result: OptOutCyclesResult = { cycles: 0, requests: 0, wrong: 0, examples: [] };
  let stopped = false;
  const runCycle = async (n: number) => {
    for (const step of cycleSteps(n, sender)) {
      let status = 0;
      let body: Record<string, unknown> = {};
      try {
        const response = await fetch(`${baseUrl}${step.path}`, {
          method: step.method,
          headers: step.body ? { 'content-type': 'application/json' } : {},
          body: step.body,
          signal: AbortSignal.timeout(30_000),
        });
        status = response.status;
        body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      } catch {
        // status 0: no answer
      }
      result.requests++;
      const problem = step.check(status, body);
      if (problem) {
        result.wrong++;
        if (result.examples.length < 5) result.examples.push(`${step.name}: ${problem}`);
        return;
      }
    }
  };
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      const started = Date.now();
      await runCycle(n);
      result.cycles++;
      const rest = 1000 - (Date.now() - started);
      if (rest > 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, rest));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return result;
    },
  };
}
