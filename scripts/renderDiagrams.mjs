// `npm run docs:diagrams [root] [--out dir]`: renders every ```mermaid block in README.md and docs/ with the Mermaid
// CLI (@mermaid-js/mermaid-cli, in the machine's Chromium or Chrome: harness/findBrowser.cjs), as GitHub would show
// it. Prints each diagram that does not render, with its file, line and Mermaid's error, and exits 1 if there is one;
// with --out it also writes each diagram as <page>-<n>.svg, to look at.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMermaid } from '@mermaid-js/mermaid-cli';
import MarkdownIt from 'markdown-it';
import { docFiles } from './checkDocLinks.mjs';

const require = createRequire(import.meta.url);
const { findBrowser } = require('../harness/findBrowser.cjs');
// The puppeteer the Mermaid CLI itself drives.
const puppeteer = createRequire(require.resolve('@mermaid-js/mermaid-cli')).call(null, 'puppeteer');

/** Every Mermaid block under root: its page, the line its fence opens on, its number on the page and its text. */
export function mermaidBlocks(root) {
  const markdown = new MarkdownIt();
  return docFiles(root).flatMap((file) =>
    markdown
      .parse(readFileSync(file, 'utf8'), {})
      .filter((token) => token.type === 'fence' && token.info.trim() === 'mermaid')
      .map((token, index) => ({ file: relative(root, file), line: token.map[0] + 1, number: index + 1, text: token.content })),
  );
}

/** Renders each block; resolves to the problems, one line each. */
export async function renderAll(root, outDir) {
  const blocks = mermaidBlocks(root);
  const found = findBrowser();
  if (!found.path) throw new Error(found.problem);
  const browser = await puppeteer.launch({
    executablePath: found.path,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const problems = [];
  try {
    for (const block of blocks) {
      try {
        const { data } = await renderMermaid(browser, block.text, 'svg');
        if (outDir) {
          mkdirSync(outDir, { recursive: true });
          writeFileSync(join(outDir, `${basename(block.file, '.md')}-${block.number}.svg`), data);
        }
      } catch (error) {
        const message = (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 4).join(' / ');
        problems.push(`${block.file}:${block.line}: diagram ${block.number} does not render: ${message}`);
      }
    }
  } finally {
    await browser.close();
  }
  return { count: blocks.length, problems };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const outDir = outAt >= 0 ? resolve(args.splice(outAt, 2)[1]) : undefined;
  const root = resolve(args[0] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  let result;
  try {
    result = await renderAll(root, outDir);
  } catch (error) {
    console.log(error instanceof Error ? error.message : String(error)); // no browser: the line says how to get one
    process.exit(1);
  }
  const { count, problems } = result;
  for (const problem of problems) console.log(problem);
  if (problems.length) {
    console.log(`${problems.length} of ${count} diagram(s) do not render.`);
    process.exit(1);
  }
  console.log(`All ${count} diagram(s) render.${outDir ? ` SVGs in ${outDir}.` : ''}`);
}
