// A strict XML well-formedness parser for tests (SVG files): one root element, matched and
// properly nested tags, quoted and unique attributes, valid entity references. Throws on the first
// error with its offset; returns the element tree, so tests can look for marks and texts.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string; // the element's own text (entities decoded), children's excluded
}

const NAME = /^[A-Za-z_:][\w.:-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, at: number): string {
  return s.replace(/&([^;]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new Error(`XML: '&' without ';' near offset ${at}`);
    if (body in ENTITIES) return ENTITIES[body];
    const num = /^#(\d+)$/.exec(body) ?? /^#x([0-9a-fA-F]+)$/.exec(body);
    if (num) return String.fromCodePoint(parseInt(num[1], body[1] === 'x' ? 16 : 10));
    throw new Error(`XML: unknown entity &${body}; near offset ${at}`);
  });
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const fail = (msg: string): never => {
    throw new Error(`XML: ${msg} at offset ${i}`);
  };
  const skipUntil = (end: string) => {
    const k = src.indexOf(end, i);
    if (k < 0) fail(`missing '${end}'`);
    i = k + end.length;
  };
  while (i < src.length) {
    if (src[i] !== '<') {
      const k = src.indexOf('<', i);
      const text = src.slice(i, k < 0 ? src.length : k);
      if (stack.length) stack[stack.length - 1].text += decode(text, i);
      else if (text.trim()) fail('text outside the root element');
      i = k < 0 ? src.length : k;
      continue;
    }
    if (src.startsWith('<?', i)) skipUntil('?>');
    else if (src.startsWith('<!--', i)) skipUntil('-->');
    else if (src.startsWith('<![CDATA[', i)) {
      const k = src.indexOf(']]>', i);
      if (k < 0 || !stack.length) fail('bad CDATA section');
      stack[stack.length - 1].text += src.slice(i + 9, k);
      i = k + 3;
    } else if (src.startsWith('<!DOCTYPE', i)) skipUntil('>');
    else if (src.startsWith('</', i)) {
      i += 2;
      const name = NAME.exec(src.slice(i))?.[0] ?? fail('bad end tag');
      i += name.length;
      while (/\s/.test(src[i] ?? '')) i++;
      if (src[i] !== '>') fail(`'>' expected after </${name}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> does not close <${open?.name ?? '(nothing)'}>`);
    } else {
      i++;
      const name = NAME.exec(src.slice(i))?.[0] ?? fail('bad tag name');
      i += name.length;
      const el: XmlElement = { name, attrs: {}, children: [], text: '' };
      for (;;) {
        const ws = /^\s*/.exec(src.slice(i))![0].length;
        i += ws;
        if (src.startsWith('/>', i) || src[i] === '>') break;
        if (!ws) fail(`whitespace expected between attributes of <${name}>`);
        const attr = NAME.exec(src.slice(i))?.[0] ?? fail(`bad attribute in <${name}>`);
        i += attr.length;
        if (src[i] !== '=') fail(`'=' expected after ${attr}`);
        i++;
        const q = src[i];
        if (q !== '"' && q !== "'") fail(`quoted value expected for ${attr}`);
        const end = src.indexOf(q, i + 1);
        if (end < 0) fail(`unterminated value of ${attr}`);
        const raw = src.slice(i + 1, end);
        if (raw.includes('<')) fail(`'<' in the value of ${attr}`);
        if (attr in el.attrs) fail(`attribute ${attr} repeated in <${name}>`);
        el.attrs[attr] = decode(raw, i);
        i = end + 1;
      }
      if (stack.length) stack[stack.length - 1].children.push(el);
      else if (root) fail('a second root element');
      else root = el;
      if (src.startsWith('/>', i)) i += 2;
      else {
        i++;
        stack.push(el);
      }
    }
  }
  if (stack.length) throw new Error(`XML: <${stack[stack.length - 1].name}> is never closed`);
  if (!root) throw new Error('XML: no root element');
  return root;
}

/** Every element of the tree, depth first. */
export function allElements(el: XmlElement): XmlElement[] {
  return [el, ...el.children.flatMap(allElements)];
}
