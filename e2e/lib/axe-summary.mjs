// run.sh prints this after the tests: what axe found, by rule and impact, known or not.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { OUTPUT } from './paths.mjs';

const file = join(OUTPUT, 'axe', 'violations.jsonl');
if (!existsSync(file)) process.exit(0);
const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const byRule = new Map();
for (const r of rows) {
  const key = `${r.impact} ${r.id}${r.known ? ' (known, see e2e/known-violations.mjs)' : ''}`;
  const entry = byRule.get(key) ?? { nodes: 0, pages: new Set() };
  entry.nodes += r.nodes.length;
  entry.pages.add(r.page);
  byRule.set(key, entry);
}
if (byRule.size === 0) {
  console.log('axe: no violations on any page');
} else {
  console.log('axe found:');
  for (const [key, { nodes, pages }] of byRule) {
    console.log(`  ${key}: ${nodes} element(s) on ${pages.size} page(s): ${[...pages].join(', ')}`);
  }
}
