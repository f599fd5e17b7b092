// The dashboard's HTML shell: strict CSP (nothing but our own bundle, with a per-load nonce),
// local resources only, theme from --vscode-* variables.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export type WebviewMode = 'dashboard' | 'compare' | 'run';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
}

export function renderWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, mode: WebviewMode): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.css'));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${String(style)}" nonce="${nonce}">
<title>Tucker Train</title>
</head>
<body data-mode="${mode}">
<div id="app" aria-live="polite"></div>
<script nonce="${nonce}" src="${String(script)}"></script>
</body>
</html>`;
}
