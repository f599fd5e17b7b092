// Command-line flags of every `tucker-train` subcommand: Node's parseArgs, with its errors turned
// into one-line UserErrors that name the command and point at its --help.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { UserError } from '../userError';

/** parseArgs' first sentence ("Unknown option '--x'"), without its advice about '--'. */
function firstSentence(s: string): string {
  return s.split('\n')[0]!.split('. ')[0]!.replace(/\.$/, '');
}

export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(command: string, argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UserError(`${command}: ${firstSentence((e as Error).message)}; see 'tucker-train ${command} --help'.`);
  }
}
