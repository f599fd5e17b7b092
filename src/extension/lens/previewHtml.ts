// The "Preview decomposition" panel's HTML shell: strict CSP (nothing but our own bundle,
// dist/preview.js + dist/preview.css, with a per-load nonce), local resources only. The table
// itself is rendered by the webview (webview/preview/) from the typed messages of src/protocol.ts.
// Pure: no vscode (the panel passes the webview URIs in), so it is unit-tested.

export interface PreviewShell {
  nonce: string;
  /** webview.cspSource. */
  cspSource: string;
  /** webview.asWebviewUri(dist/preview.js) and (dist/preview.css), as strings. */
  scriptUri: string;
  styleUri: string;
}

const attr = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderPreviewHtml(s: PreviewShell): string {
  const csp = [
    "default-src 'none'",
    `font-src ${s.cspSource}`,
    `style-src ${s.cspSource} 'nonce-${s.nonce}'`,
    `script-src 'nonce-${s.nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(s.styleUri)}" nonce="${attr(s.nonce)}">
<title>Preview decomposition</title>
</head>
<body>
<div id="app" aria-live="polite"></div>
<script nonce="${attr(s.nonce)}" src="${attr(s.scriptUri)}"></script>
</body>
</html>`;
}
