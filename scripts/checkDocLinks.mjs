// `npm run docs:links [root]`: every relative link and #anchor in README.md and docs/ must resolve, as GitHub resolves
// them: the file (or folder) must exist, and an anchor must be a heading's slug on the page it names (github-slugger,
// the rules GitHub uses, duplicates numbered). Prints each broken link with its file and line; exits 1 if there is one.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt({ html: true });

/** README.md and every Markdown file under docs/, as absolute paths. */
export function docFiles(root) {
  const files = [join(root, 'README.md')];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) files.push(path);
    }
  };
  walk(join(root, 'docs'));
  return files.filter((f) => existsSync(f));
}

/** The text GitHub slugs a heading from: what it renders, without Markdown syntax. */
function plainText(inline) {
  return (inline.children ?? []).map((t) => (t.type === 'text' || t.type === 'code_inline' ? t.content : '')).join('');
}

/** Each page's anchors: its headings' slugs, plus explicit <a name> / id anchors. */
function anchorsOf(tokens, source) {
  const slugger = new GithubSlugger();
  const anchors = new Set();
  tokens.forEach((token, i) => {
    if (token.type === 'heading_open') anchors.add(slugger.slug(plainText(tokens[i + 1])));
  });
  for (const match of source.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1]);
  return anchors;
}

/** Every link and image in the page, with the line it is on. */
function linksOf(tokens) {
  const links = [];
  let line = 1;
  for (const token of tokens) {
    if (token.map) line = token.map[0] + 1; // a table cell has no line of its own: its row's
    if (token.type !== 'inline' || !token.children) continue;
    for (const child of token.children) {
      const target = child.type === 'link_open' ? child.attrGet('href') : child.type === 'image' ? child.attrGet('src') : null;
      if (target !== null) links.push({ target, line });
    }
  }
  return links;
}

/** The broken links under root, each as "file:line: target: what is wrong". */
export function brokenLinks(root) {
  const pages = new Map();
  const page = (path) => {
    if (!pages.has(path)) {
      const source = readFileSync(path, 'utf8');
      const tokens = markdown.parse(source, {});
      pages.set(path, { tokens, anchors: anchorsOf(tokens, source) });
    }
    return pages.get(path);
  };
  const problems = [];
  for (const file of docFiles(root)) {
    for (const { target, line } of linksOf(page(file).tokens)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // https:, mailto: ...
      const where = `${relative(root, file)}:${line}: ${target}`;
      const [pathPart, fragment] = target.split('#', 2);
      const path = pathPart ? resolve(dirname(file), decodeURIComponent(pathPart)) : file;
      if (!existsSync(path)) {
        problems.push(`${where}: ${relative(root, path)} does not exist`);
        continue;
      }
      if (fragment === undefined) continue;
      if (!path.endsWith('.md')) {
        problems.push(`${where}: an anchor into a file that is not Markdown`);
        continue;
      }
      if (!page(path).anchors.has(decodeURIComponent(fragment)))
        problems.push(`${where}: ${relative(root, path)} has no heading #${fragment}`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = brokenLinks(root);
  for (const problem of problems) console.log(problem);
  if (problems.length) {
    console.log(`${problems.length} broken link(s).`);
    process.exit(1);
  }
  console.log(`Every relative link and anchor in ${docFiles(root).length} page(s) resolves.`);
}
