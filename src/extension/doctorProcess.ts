// Runs `tucker-train doctor --json` in a child process for "Check training backends" (probing
// loads native GPU libraries, which must never crash the extension host). No vscode import.
import { fork } from 'node:child_process';
import { parseDoctorReport, type DoctorReport } from '../protocol';

/** Runs `doctor --json` with the bundled CLI and validates what it prints. */
export function runDoctorProcess(cliPath: string, timeoutMs = 180_000): Promise<DoctorReport> {
  return new Promise((resolve, reject) => {
    const child = fork(cliPath, ['doctor', '--json'], {
      silent: true,
      execArgv: [],
      env: { ...process.env, TUCKER_TRAIN_LAUNCHED_BY: 'vscode' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const lastError = stderr
        .split('\n')
        .filter((l) => l.startsWith('tucker-train:'))
        .pop();
      if (code !== 0) {
        reject(
          new Error(
            `'tucker-train doctor' ${signal ? `was killed (${signal})` : `failed (exit ${code})`}${lastError ? `: ${lastError}` : ''}`,
          ),
        );
        return;
      }
      let report: DoctorReport | null = null;
      try {
        report = parseDoctorReport(JSON.parse(stdout));
      } catch {
        /* reported below */
      }
      if (report) resolve(report);
      else reject(new Error(`'tucker-train doctor --json' printed something that is not its report: ${stdout.slice(0, 200)}`));
    });
  });
}
