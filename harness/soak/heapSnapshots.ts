// What a rising live heap holds: two of the host's heap snapshots (written by devhost/hostSampler.ts at the soak's
// warm-up end and at its end) grouped by what each object is (its constructor, or its kind for strings, code and
// arrays), and the groups that grew the most between them. The format is V8's .heapsnapshot: a flat array of
// nodes described by snapshot.meta.node_fields, with names in a string table.
import { readFileSync } from 'node:fs';

interface HeapSnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  name: string;
  count: number;
  bytes: number;
}

export interface HeapGrowth extends HeapGroup {
  /** Change from the first snapshot to the second. */
  countDelta: number;
  bytesDelta: number;
}

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

function groupName(type: string, name: string): string {
  if (type === 'object') return name;
  if (type === 'closure') return `closure ${name || '(anonymous)'}`;
  if (STRING_TYPES.has(type)) return '(strings)';
  return `(${type})`;
}

/** Self size and count of every group in one snapshot. */
export function heapGroups(file: string): Map<string, HeapGroup> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshotFile;
  const fields = parsed.snapshot.meta.node_fields;
  const types = parsed.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const groups = new Map<string, HeapGroup>();
  for (let i = 0; i < parsed.nodes.length; i += fields.length) {
    const name = groupName(types[parsed.nodes[i + typeAt]], parsed.strings[parsed.nodes[i + nameAt]]);
    const group = groups.get(name) ?? { name, count: 0, bytes: 0 };
    group.count++;
    group.bytes += parsed.nodes[i + sizeAt];
    groups.set(name, group);
  }
  return groups;
}

/** The groups whose self size grew the most from `before` to `after`, largest first. */
export function heapGrowth(before: Map<string, HeapGroup>, after: Map<string, HeapGroup>, top = 10): HeapGrowth[] {
  return [...after.values()]
    .map((group) => {
      const earlier = before.get(group.name);
      return { ...group, countDelta: group.count - (earlier?.count ?? 0), bytesDelta: group.bytes - (earlier?.bytes ?? 0) };
    })
    .sort((a, b) => b.bytesDelta - a.bytesDelta)
    .slice(0, top);
}

/** Total self size of a snapshot. */
export function heapBytes(groups: Map<string, HeapGroup>): number {
  return [...groups.values()].reduce((sum, g) => sum + g.bytes, 0);
}
