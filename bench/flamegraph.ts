import fs from 'node:fs';
import path from 'node:path';

/*
 * A .cpuprofile (node --cpu-prof) as a static flame graph SVG:
 *   node dist-bench/bench/flamegraph.js in.cpuprofile out.svg [title]
 * Stacks are merged by frame (function, file, line); the width of a frame is the CPU time of
 * the samples under it; (idle) is left out, so the whole width is time on the CPU. Frames
 * narrower than MIN_SHARE of the total are merged, per parent, into one grey "…" frame, which
 * keeps the file small. Hover a frame for its name, milliseconds and share.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface Frame {
  label: string;
  /** Microseconds of samples in this frame or under it. */
  total: number;
  children: Map<string, Frame>;
}

const WIDTH = 1200;
const ROW = 16;
const MIN_SHARE = 0.002;
const CHAR_PX = 6.4;

/** Where a frame's code is, said short: a package's path, the project's own path, or Node's. */
function place(url: string): string {
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) return file.slice(modules + '/node_modules/'.length);
  const project = /\/(dist(?:-bench)?)\/(.*)$/.exec(file);
  if (project) return project[2];
  return file;
}

function labelOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  return url ? `${name} ${place(url)}:${lineNumber + 1}` : name;
}

/** The profile as a tree of frames merged by label along each stack. */
export function mergeProfile(profile: CpuProfile): Frame {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const rootNode = profile.nodes[0];
  const root: Frame = { label: 'all', total: 0, children: new Map() };
  const walk = (node: ProfileNode, into: Frame): number => {
    let total = self.get(node.id) ?? 0;
    for (const childId of node.children ?? []) {
      const child = byId.get(childId)!;
      const label = labelOf(child);
      if (label === '(idle)') continue;
      let frame = into.children.get(label);
      if (!frame) {
        frame = { label, total: 0, children: new Map() };
        into.children.set(label, frame);
      }
      const under = walk(child, frame);
      frame.total += under;
      total += under;
    }
    return total;
  };
  root.total = walk(rootNode, root);
  return root;
}

function colour(label: string): string {
  if (label.startsWith('(garbage collector)')) return '#e05050';
  // The frame's file: after the last space, ending in a line number; none for V8's own frames.
  const file = / ([^ ]+):\d+$/.exec(label)?.[1];
  if (!file || file.startsWith('node:')) return '#b8b8b8';
  // The project's own code in blue, packages in warm colours (by package, so one package keeps one hue).
  const pkg = file.startsWith('@') ? file.split('/').slice(0, 2).join('/') : file.split('/')[0];
  let hash = 0;
  for (const c of pkg) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  if (pkg === 'src' || pkg === 'bench') return `hsl(${205 + (hash % 30)}, 60%, ${62 + (hash % 12)}%)`;
  return `hsl(${10 + (hash % 45)}, 80%, ${55 + (hash % 15)}%)`;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderSvg(root: Frame, title: string): string {
  const rects: string[] = [];
  let depth = 0;
  const scale = WIDTH / Math.max(root.total, 1);
  const draw = (frame: Frame, x: number, level: number, label: string) => {
    depth = Math.max(depth, level);
    const w = frame.total * scale;
    const ms = frame.total / 1000;
    const share = (frame.total / root.total) * 100;
    const chars = Math.floor((w - 4) / CHAR_PX);
    const text = chars >= 3 ? (label.length > chars ? `${label.slice(0, chars - 1)}…` : label) : '';
    rects.push(
      `<g><title>${escape(`${label} — ${ms.toFixed(1)} ms, ${share.toFixed(2)} %`)}</title><rect x="${x.toFixed(1)}" y="${level}" width="${Math.max(w - 0.3, 0.1).toFixed(1)}" height="${ROW - 1}" fill="${label === '…' ? '#dddddd' : colour(label)}"/>` +
        (text ? `<text x="${(x + 2).toFixed(1)}" y="${level}" dy="11.5">${escape(text)}</text>` : '') +
        '</g>',
    );
    const children = [...frame.children.values()].sort((a, b) => b.total - a.total);
    let cx = x;
    let small = 0;
    for (const child of children) {
      if (child.total / root.total < MIN_SHARE) small += child.total;
      else {
        draw(child, cx, level + 1, child.label);
        cx += child.total * scale;
      }
    }
    if (small / root.total >= MIN_SHARE / 4) draw({ label: '…', total: small, children: new Map() }, cx, level + 1, '…');
  };
  draw(root, 0, 0, `all (${(root.total / 1000).toFixed(0)} ms on the CPU)`);
  // Levels were numbered upwards from the root; a flame graph draws the root at the bottom.
  const height = (depth + 1) * ROW + 40;
  const body = rects.map((r) => r.replace(/ y="(\d+)"/g, (_, level: string) => ` y="${height - 10 - (Number(level) + 1) * ROW}"`)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fafafa"/>`,
    `<text x="4" y="16" font-size="13">${escape(title)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

if (require.main === module) {
  const [input, output, title] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write('usage: node dist-bench/bench/flamegraph.js in.cpuprofile out.svg [title]\n');
    process.exit(2);
  }
  const profile = JSON.parse(fs.readFileSync(input, 'utf8')) as CpuProfile;
  fs.writeFileSync(output, renderSvg(mergeProfile(profile), title ?? path.basename(input)));
}
