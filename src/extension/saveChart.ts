// Writes a chart image a webview sent (FromWebview.SaveChart: a PNG data URL or SVG text) where
// the user chooses. Returns what the webview is told (ToWebview.Saved).
import * as vscode from 'vscode';
import type { SaveChartRequest } from '../protocol';

export async function saveChartImage(
  r: SaveChartRequest,
  folder: vscode.Uri | undefined,
): Promise<{ path: string | null; error: string | null }> {
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, `${r.name}.${r.format}`) : undefined,
    filters: r.format === 'png' ? { 'PNG image': ['png'] } : { 'SVG image': ['svg'] },
    title: `Save as ${r.format.toUpperCase()}`,
  });
  if (!target) return { path: null, error: null };
  try {
    const bytes = r.format === 'png' ? Buffer.from(r.data.slice('data:image/png;base64,'.length), 'base64') : Buffer.from(r.data, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    return { path: target.fsPath, error: null };
  } catch (e) {
    const error = `could not write ${target.fsPath}: ${(e as Error).message}`;
    void vscode.window.showErrorMessage(`Tucker Train: ${error}`);
    return { path: null, error };
  }
}
