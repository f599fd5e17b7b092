// Prints the paper table (src/runs/compare.ts) of every run in a runs folder, against the run
// named by --baseline (else the first run without decomposition): for notes and by-hand studies.
//   node --import tsx scripts/compare-runs.ts <runsDir> [--baseline NAME] [--markdown]
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compareRuns, comparisonToMarkdown, comparisonToText, type ComparedRun } from '../src/runs/compare';
import { readRun } from '../src/runs/reader';

async function main(): Promise<void> {
  const [dir, ...rest] = process.argv.slice(2);
  if (!dir) throw new Error('usage: compare-runs.ts <runsDir> [--baseline NAME] [--markdown]');
  const runs: ComparedRun[] = [];
  for (const name of readdirSync(dir).sort()) {
    const r = await readRun(join(dir, name));
    if (r.info) runs.push({ info: r.info, metrics: r.metrics, events: r.events });
  }
  const b = rest.indexOf('--baseline');
  const baseline = b >= 0 ? (runs.find((r) => r.info.name === rest[b + 1])?.info.id ?? null) : undefined;
  const c = compareRuns(runs, baseline);
  console.log(rest.includes('--markdown') ? comparisonToMarkdown(c) : comparisonToText(c));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
