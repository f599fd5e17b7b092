// Command-line flags of every `tucker-train` subcommand: Node's parseArgs, with its errors turned
// into one-line UserErrors that name the command and point at its --help.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { UserError } from '../core/userError';

/** parseArgs' first sentence ("Unknown option '--x'"), without its advice about '--'. */
function firstSentence(s: string): string {
  return s.split('\n')[0].split('. ')[0].replace(/\.$/, '');
}

/**
 * `--epochs -1`: parseArgs takes '-1' for a short option and answers "argument is ambiguous".
 * A negative number after a flag that takes a value is its value (`--epochs=-1`), so the range
 * check can say what is allowed.
 */
function negativeValuesJoined(argv: string[], options: ParseArgsOptionsConfig): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)$/.exec(argv[i]);
    const next = argv[i + 1];
    if (m && options[m[1]]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity\b)/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: negativeValuesJoined(argv, options), options, allowPositionals, strict: true });
  } catch (e) {
    throw new UserError(`${command}: ${firstSentence((e as Error).message)}; see 'tucker-train ${command} --help'.`);
  }
}

/** A whole-number flag of a subcommand (e.g. `bench step --batch 64`), refused below `min`. */
export function positiveInt(command: string, name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min)
    throw new UserError(`${command}: --${name} '${v}' must be an integer ≥ ${min}.`);
  return n;
}
