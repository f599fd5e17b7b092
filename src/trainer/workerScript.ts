// Where a worker thread's code is: dist/<name>.js next to the bundle, or (under tsx: tests,
// development) the .ts source next to this module's caller, loaded through tsx's CommonJS hook.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export function workerScript(dir: string, name: string): { file: string; eval: boolean } | undefined {
  const js = join(dir, `${name}.js`);
  if (existsSync(js)) return { file: js, eval: false };
  const ts = join(dir, `${name}.ts`);
  if (!existsSync(ts)) return undefined;
  try {
    const hook = createRequire(__filename).resolve('tsx/cjs');
    return { file: `require(${JSON.stringify(hook)}); require(${JSON.stringify(ts)});`, eval: true };
  } catch {
    return undefined;
  }
}
