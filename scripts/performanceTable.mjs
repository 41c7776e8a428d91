// npm run bench:table: the "Latest figures" table of docs/performance.md, written from bench/results.json (what the
// last full `npm run bench` measured). It rewrites the block between <!-- bench-table --> markers; with --check it
// only says whether the page is what it would write. A part results.json lacks is left out of the table.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PAGE = join(root, 'docs', 'performance.md');
const BLOCK = /<!-- bench-table -->[^]*?<!-- \/bench-table -->/;

const x = (n) => `${n.toFixed(2)}×`;
const ms = (n) => `${n.toFixed(1)} ms`;
const cpu = (n) => `${n.toFixed(3)} ms`;
const num = (n) => n.toLocaleString('en-US');
const range = (r) => (r ? ` (${x(r[0])}-${x(r[1])})` : '');

export function table(results) {
  const rows = [];
  const row = (what, figure, baseline, ratio, goal) => rows.push(`| ${what} | ${figure} | ${baseline} | ${ratio} | ${goal} |`);
  for (const c of [].concat(results.coldStart ?? [])) {
    const node = c.node ? `Node ${c.node}` : `Node ${results.node}`;
    if (c.floorMs !== undefined)
      row(
        `Cold load, ${node}: load and register every function (median of ${c.runs})`,
        ms(c.loadMs),
        `floor (${c.functionCount} no-op functions): ${ms(c.floorMs)}`,
        `${x(c.loadToFloorRatio)}${range(c.loadToFloorRange)}`,
        '≤ 1.15×',
      );
    row(
      `Cold load, ${node}, against bare Node`,
      ms(c.loadMs),
      `\`node -e 0\`: ${ms(c.bareNodeMs)}`,
      x(c.loadRatio),
      c.node?.startsWith('v22.') ? '≤ 1.8×' : '≤ 1.35×',
    );
    row(
      `First \`/api/voice\` response, ${node} (min-max ${ms(c.firstResponseMinMs)}-${ms(c.firstResponseMaxMs)})`,
      ms(c.firstResponseMs),
      `\`node -e 0\``,
      `${x(c.firstResponseRatio)}${range(c.firstResponseRange)}`,
      c.node?.startsWith('v22.') ? '≤ 2.5×' : '≤ 1.6×',
    );
    if (c.firstResponseFloorMs !== undefined) {
      row(
        `First answer of the floor, ${node}: a hand-written webhook among ${c.functionCount} functions`,
        ms(c.firstResponseFloorMs),
        `\`node -e 0\``,
        x(c.firstResponseFloorRatio),
        '',
      );
      row(
        `First \`/api/voice\` response, ${node}, against the floor's first answer`,
        ms(c.firstResponseMs),
        `floor: ${ms(c.firstResponseFloorMs)}`,
        `${x(c.firstResponseToFloorRatio)}${range(c.firstResponseToFloorRange)}`,
        '',
      );
    }
  }
  const cc = results.compileCache;
  if (cc && !cc.skipped)
    row(
      `Compile cache, first \`/api/voice\`, Node ${cc.node}`,
      ms(cc.cachedMs),
      `without: ${ms(cc.withoutMs)}`,
      `${x(cc.ratio)}${range(cc.range)}`,
      'kept only if it pays',
    );
  const fs = results.featuresAtStart;
  if (fs)
    row(
      `First \`/api/voice\` with the console, assistant and Event Streams registered`,
      ms(fs.firstVoiceMs),
      `left out: ${ms(fs.firstVoiceWithoutMs)}`,
      `${x(fs.ratio)}${range(fs.range)}`,
      'nothing added',
    );
  const w = results.webhooks;
  for (const r of w?.rows ?? []) {
    if (r.skipped) continue;
    const settings = r.settings && r.settings !== 'defaults' ? ` (${r.settings})` : '';
    row(
      `Webhook cost, \`${r.name}\`${settings}`,
      `${num(r.appRps)} req/CPU-s`,
      `raw Node HMAC + fixed TwiML: ${num(r.baselineRps)}`,
      `${x(r.ratio)}${range(r.ratioMin !== undefined ? [r.ratioMin, r.ratioMax] : undefined)}`,
      r.name.includes('events') ? '≥ 0.5×' : `≥ ${w.goal}×`,
    );
    if (r.hostWriteCpuMsPerRequest !== undefined) {
      const together = 1 / (1 / r.appRps + r.hostWriteCpuMsPerRequest / 1000) / r.baselineRps;
      row(
        `\`${r.name}\`: the event's queue write, by the Functions host process (not the Node worker)`,
        `${cpu(r.hostWriteCpuMsPerRequest)} CPU per request`,
        'worker and host together',
        x(together),
        '',
      );
    }
  }
  const a = results.assistant;
  if (a) {
    row(
      'Assistant turn (model latency excluded: the stand-in answers at once)',
      `${cpu(a.turn.turnCpuMs)} CPU`,
      `\`voice\` webhook: ${cpu(a.turn.voiceCpuMs)}`,
      `${x(a.turn.ratio)}${range(a.turn.ratioRange)}`,
      `≤ ${a.turn.goal}×`,
    );
    if (a.turn.floorCpuMs !== undefined)
      row(
        'Assistant turn against a hand-written turn making the same three requests (a table read, the model, a table write)',
        `${cpu(a.turn.turnCpuMs)} CPU`,
        `hand-written: ${cpu(a.turn.floorCpuMs)} (${x(a.turn.floorToVoice)} a \`voice\` webhook)`,
        `${x(a.turn.ratioToFloor)}${range(a.turn.ratioToFloorRange)}`,
        '',
      );
    const c = a.coldStart;
    row(
      `First \`/api/assistant\` response, Node ${c.node} (median of ${c.runs})`,
      ms(c.firstAssistantMs),
      `\`node -e 0\`: ${ms(c.bareNodeMs)}; first \`/api/voice\`: ${ms(c.firstVoiceMs)}`,
      `${x(c.assistantToBare)}${range(c.assistantToBareRange)}; ${x(c.assistantToVoice)} voice`,
      '',
    );
  }
  for (const k of results.keyVault ?? [])
    row(
      `Key Vault reads, ${k.name}`,
      `auth token ${k.authTokenReads}, account SID ${k.accountSidReads}`,
      `allowed ${k.goalReadsPerSecret} per secret`,
      '',
      '1 per secret per TTL',
    );
  const o = results.outbound;
  if (o) {
    const z = o.zeroLatency;
    row(
      `Outbound SMS/s, concurrency ${z.concurrency}, zero-latency fake Twilio`,
      `${z.appPerSecond}/s`,
      `raw twilio SDK: ${z.baselinePerSecond}/s`,
      x(z.ratio),
      '',
    );
    row(
      'Host CPU per outbound message (zero latency)',
      cpu(o.cpu.appCpuMsPerMessage),
      `raw SDK: ${cpu(o.cpu.rawSdkCpuMsPerMessage)}`,
      x(o.cpu.ratio),
      '',
    );
    row(
      'Host CPU per outbound message against the hand-written floor',
      cpu(o.cpu.appCpuMsPerMessage),
      `raw SDK + the guarantee's 6 storage requests by hand: ${cpu(o.cpu.rawWithLedgerCpuMsPerMessage)}`,
      x(o.cpu.ratioToRawWithLedger),
      '≤ 1.15×',
    );
    if (o.cpu.rawWithFeaturesCpuMsPerMessage !== undefined)
      row(
        'Host CPU per outbound message against the hand-written floor with the same requests',
        cpu(o.cpu.appCpuMsPerMessage),
        `the same + the \`sent\` event and the status re-check by hand (8 requests, as the app): ${cpu(o.cpu.rawWithFeaturesCpuMsPerMessage)}`,
        x(o.cpu.ratioToRawWithFeatures),
        '≤ 1.15×',
      );
    row(
      'Storage requests per outbound message',
      `${o.roundTrips.total} (${o.roundTrips.sequentialPerMessage} one after another)`,
      '',
      '',
      '',
    );
    const l = o.latency;
    row(
      `Outbound, concurrency 1, ${l.latencyMs} ms Twilio latency`,
      `${l.concurrency1.appMsPerMessage} ms/message`,
      `raw SDK ${l.concurrency1.rawSdkMsPerMessage} ms + one storage round trip ${l.concurrency1.storageRoundTripMs} ms`,
      `${l.concurrency1.overRawPlusOneRoundTripMs} ms above`,
      `≤ ${l.concurrency1.goalMs} ms above`,
    );
    row(
      `Outbound, concurrency ${l.deployed.concurrency} (host.json), ${l.latencyMs} ms Twilio latency`,
      `${l.deployed.appPerSecond}/s`,
      `raw SDK: ${l.deployed.rawSdkPerSecond}/s`,
      x(l.deployed.ratio),
      `≥ ${l.deployed.goal}×`,
    );
    const f = o.features;
    row(
      'Events on against off, outbound',
      `${cpu(f.events.onCpuMsPerMessage)} CPU`,
      `off: ${cpu(f.events.offCpuMsPerMessage)}`,
      `+${Math.round(f.events.addedCpu * 100)}% CPU`,
      `≤ +${Math.round(f.goal * 100)}%`,
    );
  }
  const u = results.usage;
  if (u) {
    for (const p of u.perWebhook ?? [])
      row(
        `Per \`${p.name}\` webhook (local host, events on)`,
        `${p.storageRequestsPerWebhook} storage requests, ${p.logBytesPerWebhook} bytes logged`,
        `${p.hostCpuMsPerWebhook} ms host CPU`,
        '',
        '',
      );
    row(
      'Per outbound message',
      `${u.perMessage.storageRequests} storage requests, ${u.perMessage.logBytes} bytes logged`,
      `${u.perMessage.cpuMs} ms host CPU`,
      '',
      '',
    );
  }
  return [
    '<!-- bench-table -->',
    `\`npm run bench\`, ${results.quick ? 'quick run, ' : ''}Node ${results.node}, ${results.date.slice(0, 16).replace('T', ' ')} UTC (written by \`npm run bench:table\` from \`bench/results.json\`).`,
    '',
    '| what | figure | baseline | ratio | goal |',
    '|---|---|---|---|---|',
    ...rows,
    '<!-- /bench-table -->',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8'));
  const page = readFileSync(PAGE, 'utf8');
  if (!BLOCK.test(page)) throw new Error('docs/performance.md has no <!-- bench-table --> block');
  const next = page.replace(BLOCK, table(results));
  if (process.argv.includes('--check')) {
    if (next !== page) {
      console.error('docs/performance.md is not what bench/results.json gives: run npm run bench:table');
      process.exit(1);
    }
  } else writeFileSync(PAGE, next);
}
