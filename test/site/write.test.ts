import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {MANIFEST, writeSite} from '../../src/infrastructure/site-files.js'
import {tempDir} from '../helpers/cli.js'

const files = (n: number) => [
  {path: 'style.css', content: 'css'},
  ...Array.from({length: n}, (_, i) => ({path: `incidents/i${i}.html`, content: `page ${i}`})),
  {path: 'index.html', content: `index with ${n}`},
]

function all(dir: string): string[] {
  return (readdirSync(dir, {recursive: true}) as string[]).map((p) => p.split(path.sep).join('/')).sort()
}

describe('writeSite', () => {
  it('writes every file and a manifest of them, and leaves no temporary files', () => {
    const dir = path.join(tempDir(), 'site')
    const result = writeSite(dir, files(2))
    expect(result.written).toEqual(['style.css', 'incidents/i0.html', 'incidents/i1.html', 'index.html'])
    expect(all(dir)).toEqual([
      MANIFEST,
      'incidents',
      'incidents/i0.html',
      'incidents/i1.html',
      'index.html',
      'style.css',
    ])
    expect(JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8'))).toEqual({
      generator: 'candor',
      version: 1,
      files: ['incidents/i0.html', 'incidents/i1.html', 'index.html', 'style.css'],
    })
    expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).toBe('index with 2')
  })

  it('rewrites only what changed, and removes only its own stale files', () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'CNAME'), 'status.acme.example')
    mkdirSync(path.join(dir, 'incidents'))
    writeFileSync(path.join(dir, 'incidents', 'notes.txt'), 'mine')
    writeSite(dir, files(3))
    const second = writeSite(dir, files(1))
    expect(second.written).toEqual(['index.html'])
    expect(second.removed).toEqual(['incidents/i1.html', 'incidents/i2.html'])
    expect(all(dir)).toEqual([
      MANIFEST,
      'CNAME',
      'incidents',
      'incidents/i0.html',
      'incidents/notes.txt',
      'index.html',
      'style.css',
    ])
    expect(readFileSync(path.join(dir, 'CNAME'), 'utf8')).toBe('status.acme.example')

    // A folder that held only Candor's pages goes with them.
    writeSite(dir, [
      {path: 'archive/2025/a.html', content: 'a'},
      {path: 'index.html', content: 'x'},
    ])
    writeSite(dir, [{path: 'index.html', content: 'y'}])
    expect(existsSync(path.join(dir, 'archive'))).toBe(false)
    expect(existsSync(path.join(dir, 'incidents', 'notes.txt'))).toBe(true)
  })

  it('never overwrites a file it did not write: the clash is an error and nothing changes', () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'index.html'), '<h1>our own page</h1>')
    expect(() => writeSite(dir, files(1))).toThrow(/index\.html in .* was not written by Candor; nothing was changed/)
    expect(all(dir)).toEqual(['index.html'])
    expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).toBe('<h1>our own page</h1>')
    // Identical content is adopted (a lost manifest, say), not refused.
    writeFileSync(path.join(dir, 'index.html'), 'index with 1')
    expect(writeSite(dir, files(1)).written).toEqual(['style.css', 'incidents/i0.html'])
  })

  it('ignores manifest entries that point outside the folder', () => {
    const parent = tempDir()
    const dir = path.join(parent, 'site')
    mkdirSync(dir)
    writeFileSync(path.join(parent, 'precious.txt'), 'keep')
    writeFileSync(
      path.join(dir, MANIFEST),
      JSON.stringify({generator: 'candor', version: 1, files: ['../precious.txt', '/etc/hostname', 'index.html']}),
    )
    const result = writeSite(dir, [{path: 'style.css', content: 'css'}])
    expect(result.removed).toEqual([])
    expect(readFileSync(path.join(parent, 'precious.txt'), 'utf8')).toBe('keep')
    expect(() => writeSite(dir, [{path: '../escape.html', content: 'x'}])).toThrow(/not a plain relative path/)
  })

  it('refuses a damaged manifest rather than guessing', () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, MANIFEST), '{"files": [')
    expect(() => writeSite(dir, files(0))).toThrow(/is damaged: Candor can't tell which files/)
  })

  it('replaces each file whole: a reader that opened the old page still reads all of it', () => {
    const dir = tempDir()
    const file = path.join(dir, 'index.html')
    writeSite(dir, [{path: 'index.html', content: 'old '.repeat(100_000)}])
    const before = statSync(file).ino
    const fd = openSync(file, 'r')
    try {
      writeSite(dir, [{path: 'index.html', content: 'new'}])
      // A new file took the name (rename), so the open one was never truncated or rewritten.
      expect(statSync(file).ino).not.toBe(before)
      const buffer = Buffer.alloc(400_000)
      expect(readSync(fd, buffer, 0, buffer.length, 0)).toBe(400_000)
      expect(buffer.toString('utf8')).toBe('old '.repeat(100_000))
    } finally {
      closeSync(fd)
    }
    expect(readFileSync(file, 'utf8')).toBe('new')
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})
