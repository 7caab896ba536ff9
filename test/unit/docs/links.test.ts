import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const ROOT = resolve(__dirname, '..', '..', '..');
/** The documents a reader opens: the README, the benchmarks and every page under docs/. */
const DOCUMENTS = [
  'README.md',
  'BENCHMARKS.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading?.[1]) continue;
    const slug = heading[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every link of a document outside code: `[text](target)` and `![alt](target)`. */
function linksOf(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '');
}

describe('the documentation links', () => {
  it.each(DOCUMENTS)('%s links only to files and headings in the repository', (document) => {
    const text = readFileSync(join(ROOT, document), 'utf8');
    const broken: string[] = [];
    for (const link of linksOf(text)) {
      if (/^[a-z]+:/i.test(link)) {
        broken.push(`${link} (leaves the repository)`);
        continue;
      }
      const [path = '', anchor] = link.split('#');
      const target = path === '' ? join(ROOT, document) : resolve(dirname(join(ROOT, document)), path);
      if (!target.startsWith(ROOT) || !existsSync(target)) {
        broken.push(`${link} (no file ${relative(ROOT, target)})`);
        continue;
      }
      if (anchor && statSync(target).isFile() && !anchorsOf(readFileSync(target, 'utf8')).has(anchor))
        broken.push(`${link} (no heading #${anchor} in ${relative(ROOT, target)})`);
    }
    expect(broken).toEqual([]);
  });

  it('finds a broken anchor and a link that leaves the repository (the check itself)', () => {
    expect(anchorsOf('# What counts once, and where\n## Catalog and Athena\n## Catalog and Athena')).toEqual(
      new Set(['what-counts-once-and-where', 'catalog-and-athena', 'catalog-and-athena-1']),
    );
    expect(linksOf('see [a](docs/x.md#y), `[not](a link)` and ![pic](p.svg)')).toEqual([
      'docs/x.md#y',
      'p.svg',
    ]);
  });
});
