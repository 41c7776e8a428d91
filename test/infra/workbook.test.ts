// The Azure Monitor workbook (infra/app/workbook.bicep, docs/dashboard.md). Azure Monitor cannot render it here, so
// what is tested is the template, every query parsed and analysed by Microsoft's Kusto language service against the
// tables it reads, and every field, event, outcome code and function name a query uses against what the app writes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTCOMES } from '../../shared/outbound/outcomes';
import { createdResources, loadMainTemplate, repoRoot } from './armTemplate';

// eslint-disable-next-line @typescript-eslint/no-require-imports
require('@kusto/language-service-next/bridge.min.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');

const Kusto = (globalThis as any).Kusto;

interface QueryItem {
  type: number;
  name: string;
  content: { version: string; query: string; title: string; resourceType: string; timeContextFromParameter?: string };
}
const workbook = JSON.parse(readFileSync(join(repoRoot, 'infra', 'app', 'dashboard.workbook.json'), 'utf8')) as {
  version: string;
  items: QueryItem[];
};
const queries = workbook.items.filter((i) => i.type === 3).map((i) => i.content);

// The columns each query reads, from the Azure Monitor table reference (AppTraces, AppRequests; AzureDiagnostics as
// Key Vault's audit log fills it).
const TABLES: Record<string, string> = {
  AppTraces: '(TimeGenerated:datetime, Message:string, OperationName:string, SeverityLevel:int, Properties:dynamic, AppRoleName:string)',
  AppRequests: '(TimeGenerated:datetime, Name:string, OperationName:string, DurationMs:real, ResultCode:string, Success:bool, Url:string)',
  AzureDiagnostics:
    '(TimeGenerated:datetime, ResourceProvider:string, OperationName:string, httpStatusCode_d:real, ResultSignature:string, id_s:string, Resource:string)',
};

function diagnostics(query: string): string[] {
  const S = Kusto.Language.Symbols;
  const tables = Object.entries(TABLES).map(([name, schema]) => new S.TableSymbol.$ctor7(name, schema, null));
  const globals = Kusto.Language.GlobalState.Default.WithDatabase(new S.DatabaseSymbol.$ctor2('workspace', null, tables));
  const found = Kusto.Language.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
  const out: string[] = [];
  for (let i = 0; i < found.Count; i++) {
    const d = found.getItem(i);
    out.push(`${d.Severity}: ${d.Message} at ${d.Start}: ${query.slice(d.Start, d.Start + 30)}`);
  }
  return out;
}

test('the parser itself finds errors: an unknown column and a broken pipe are reported', () => {
  expect(diagnostics('AppTraces | where Mesage == "x"')).toEqual([expect.stringMatching(/Mesage/)]);
  expect(diagnostics('AppTraces | summarize by').length).toBeGreaterThan(0);
});

test('is a workbook resource deployed with the app, reading the workspace, with these queries', () => {
  const [placed] = createdResources(loadMainTemplate(), 'Microsoft.Insights/workbooks');
  expect(placed.resource).toMatchObject({ kind: 'shared', properties: { category: 'workbook' } });
  expect(placed.resource.properties?.sourceId).toBe(
    "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('logAnalyticsName'))]",
  );
  // Bicep's loadJsonContent inlines the file: the compiled template carries exactly these items.
  const inlined = Object.values((placed.deployment.template as unknown as { variables: Record<string, unknown> }).variables)[0];
  expect(inlined).toEqual(workbook);
  expect(workbook.version).toBe('Notebook/1.0');
});

test('shows every figure the operator asked for', () => {
  expect(queries.map((q) => q.title)).toEqual([
    'Outbound messages by outcome',
    'Sent, failed and rejected by Twilio error code',
    'Delivered, undelivered and failed (status callbacks)',
    'Delivery rate',
    'Undelivered and failed by Twilio error code',
    'Outbound latency, acceptance to sent (ms)',
    'Webhook requests and p95 latency by function',
    'HTTP 4xx and 5xx by function',
    'Poison messages',
    'Opt-outs added',
    'Key Vault read failures',
  ]);
  for (const q of queries) expect(q).toMatchObject({ version: 'KqlItem/1.0', timeContextFromParameter: 'TimeRange' });
});

test.each(queries.map((q) => [q.title, q.query]))('%s: parses and analyses with no error', (_, query) => {
  expect(diagnostics(query)).toEqual([]);
});

/** Every place in the app that builds a log line: the JSON it writes is made of these object keys. */
const sources = ['shared', 'functions']
  .flatMap((dir) => readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(repoRoot, dir, f)))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

test('every event and outcome code a query names is one the app declares (shared/outbound/outcomes.ts)', () => {
  const all = queries.map((q) => q.query).join('\n');
  const events = [...all.matchAll(/m\.event\) == '([^']+)'|\{"event":"([^"]+)"/g)].map((m) => m[1] ?? m[2]);
  expect(events.length).toBeGreaterThan(5);
  for (const event of events) expect(Object.keys(OUTCOMES)).toContain(event);
  for (const q of queries) {
    // The codes a query names belong to the events it reads (the latency query joins two).
    const named = [...q.query.matchAll(/m\.event\) == '([^']+)'|\{"event":"([^"]+)"/g)].map((m) => (m[1] ?? m[2]) as keyof typeof OUTCOMES);
    const declared = named.flatMap((e) => [...OUTCOMES[e]] as string[]);
    const codes = [...q.query.matchAll(/m\.outcome\) (?:== '([^']+)'|in \(([^)]*)\))/g)].flatMap((m) =>
      m[1] ? [m[1]] : m[2].split(',').map((s) => s.trim().replace(/'/g, '')),
    );
    for (const code of codes)
      expect({ query: q.title, code, declared: declared.includes(code) }).toEqual({
        query: q.title,
        code,
        declared: true,
      });
  }
});

test('every log field a query reads is a key the app writes into its log lines', () => {
  const fields = new Set(queries.flatMap((q) => [...q.query.matchAll(/\bm\.(\w+)/g)].map((m) => m[1])));
  expect([...fields].sort()).toEqual(['errorCode', 'event', 'key', 'outcome', 'twilioStatus']);
  // A renamed field leaves no `field:` (or shorthand `field,`) in an object literal the app builds.
  for (const field of fields)
    expect({ field, written: new RegExp(`[{,\\s]${field}(:|,|\\s*\\})`).test(sources) }).toEqual({ field, written: true });
});

test('every Twilio status a query counts is one the status callback records', () => {
  for (const status of ['delivered', 'undelivered', 'failed']) expect(sources).toContain(`'${status}'`);
});
