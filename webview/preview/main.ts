// Preview decomposition webview entry (bundled as dist/preview.js, with preview.css). Runs in the
// webview: no Node APIs, talks to the host only through the typed messages of src/protocol.ts;
// anything else is dropped.
import './preview.css';
import { FromPreview, ToPreview, parseHostToPreviewMessage } from '../../src/protocol';
import { send } from './previewApi';
import { PreviewView } from './previewView';

const view = new PreviewView(document.getElementById('app')!);

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = parseHostToPreviewMessage(e.data);
  if (!m) return;
  if (m.type === ToPreview.Content) view.show(m.content);
  else view.highlight(m.layer);
});
// Listening now: ask for the content (first load, or a reload after the panel was hidden).
send({ type: FromPreview.Ready });
