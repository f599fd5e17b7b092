// The Preview decomposition page: title, model file, buttons, and the rank table, built with DOM
// calls from previewModel.ts (text through textContent only). Re-rendered whole on each content
// message; a highlight message only moves the mark.
import { FromPreview, type PreviewContentView } from '../../src/protocol';
import { h } from '../dom';
import { previewModel, PREVIEW_HEADERS, type PreviewCell, type PreviewModel } from './previewModel';
import { send } from './previewApi';

function cell(c: PreviewCell): HTMLTableCellElement {
  const td = h('td', { class: c.num ? 'num' : null });
  if (c.layer !== undefined) td.append(h('a', { href: '#', class: 'layer', 'data-layer': c.layer }, c.text));
  else td.textContent = c.text;
  return td;
}

export class PreviewView {
  constructor(private readonly root: HTMLElement) {
    root.addEventListener('click', (e) => {
      const t = e.target instanceof Element ? e.target : null;
      const b = t?.closest('button[data-action]');
      if (b) {
        const action = b.getAttribute('data-action');
        if (action === FromPreview.StartTraining) send({ type: FromPreview.StartTraining });
        else if (action === FromPreview.Refresh) send({ type: FromPreview.Refresh });
        return;
      }
      const a = t?.closest('a.layer');
      const layer = a?.getAttribute('data-layer');
      if (a && layer) {
        e.preventDefault();
        send({ type: FromPreview.RevealLayer, layer });
      }
    });
  }

  show(content: PreviewContentView): void {
    const m = previewModel(content);
    document.title = m.title;
    this.root.replaceChildren(...this.page(m));
    this.root.querySelector('tr.highlight')?.scrollIntoView({ block: 'center' });
  }

  highlight(layer: string): void {
    for (const r of Array.from(this.root.querySelectorAll('tr.highlight'))) r.classList.remove('highlight');
    const row = Array.from(this.root.querySelectorAll('tr[data-layer]')).find((r) => r.getAttribute('data-layer') === layer);
    if (row) {
      row.classList.add('highlight');
      row.scrollIntoView({ block: 'center' });
    }
  }

  private page(m: PreviewModel): Node[] {
    const out: Node[] = [
      h('h1', {}, m.title),
      h('p', { class: 'file' }, m.file),
      h(
        'div',
        { class: 'actions' },
        ...m.buttons.map((b) => h('button', { 'data-action': b.action, class: b.secondary ? 'secondary' : null }, b.label)),
      ),
    ];
    if (m.note) out.push(h('p', { class: 'note' }, m.note));
    const body = m.body;
    if (body.kind === 'busy') out.push(h('p', { class: 'busy' }, body.text));
    else if (body.kind === 'error') out.push(h('p', { class: 'error' }, body.text));
    else {
      const rows = body.rows.map((r) => {
        const tr = h('tr', { 'data-layer': r.layer, class: r.classes.length ? r.classes.join(' ') : null });
        tr.append(...r.cells.map(cell));
        return tr;
      });
      const total = h('tr', { class: 'total' });
      total.append(...body.total.map(cell));
      out.push(
        h('p', { class: 'source' }, ...body.source.map((s) => (s.bold ? h('b', {}, s.text) : s.text))),
        h(
          'div',
          { class: 'scroll' },
          h(
            'table',
            { id: 'ranks' },
            h('thead', {}, h('tr', {}, ...PREVIEW_HEADERS.map((t) => h('th', {}, t)))),
            h('tbody', {}, ...rows),
            h('tfoot', {}, total),
          ),
        ),
        h('p', { class: 'legend' }, body.legend),
      );
    }
    return out;
  }
}
