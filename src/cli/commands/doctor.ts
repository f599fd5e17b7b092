// `tucker-train doctor [--json]`: what can train here and why not (docs/design.md §6.4). The
// extension's "Check training backends" runs `doctor --json` in a child process and renders it.
import { parseCommandArgs } from '../args';
import { UserError } from '../../core/userError';
import { formatDoctorReport, runDoctor } from '../../trainer/backend/doctor';

export const DOCTOR_USAGE = `Usage: tucker-train doctor [--json]

Tells what can train here, without training: Node and TensorFlow.js versions; each backend
(tensorflow-gpu, webgpu, tensorflow, wasm, cpu) available or the reason it is not; the GPU
adapters Dawn (WebGPU) sees and whether they are hardware or software; whether tfjs-node-gpu
really uses the GPU; and the backend 'auto' would choose.

Options:
  --json      print one JSON object (the report) and nothing else
  -h, --help  this help`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('doctor', argv, {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(DOCTOR_USAGE);
    return 0;
  }
  if (positionals.length) throw new UserError(`doctor: unexpected argument '${positionals[0]}'; see 'tucker-train doctor --help'.`);
  const report = await runDoctor();
  console.log(values.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report));
  return 0;
}
