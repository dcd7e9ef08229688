// Walking a real folder (src/cli/folder-walk.ts), one entry kind at a time: what is read, what is left out and
// why. Links are judged by their real path: inside the root they are followed once, outside it they are never read
// unless the caller opts in; pipes and sockets are never opened; a file swapped after the walk is refused.
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWalkedFile, walkFolder, type FolderWalk } from '../src/cli/folder-walk';

const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

/** A scratch space with `docs/` (the root walked) and `outside/` beside it, holding a secret file and folder. */
function scratch(files: Readonly<Record<string, string>> = {}): { base: string; root: string } {
  const base = mkdtempSync(join(tmpdir(), 'folder-walk-'));
  temp.push(base);
  const all = {
    'outside/secret.txt': 'OUTSIDE SECRET',
    'outside/folder/notes.md': '# Outside notes',
    'docs/guide.md': '# Guide',
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(base, path)), { recursive: true });
    writeFileSync(join(base, path), text);
  }
  return { base, root: join(base, 'docs') };
}

const paths = (walk: FolderWalk) => walk.files.map((f) => f.path);
const skipOf = (walk: FolderWalk, path: string) => walk.skipped.find((s) => s.path === path);

describe('walkFolder', () => {
  it('reads plain files and folders in path order', async () => {
    const { root } = scratch({ 'docs/b/z.md': 'z', 'docs/a.txt': 'a' });
    const walk = await walkFolder(root);
    expect(paths(walk)).toEqual(['a.txt', 'b/z.md', 'guide.md']);
    expect(walk.skipped).toEqual([]);
    expect(walk.files.every((f) => !f.outside && f.unreadable === undefined)).toBe(true);
  });

  it('follows a file link inside the root, under the link’s own path', async () => {
    const { root } = scratch();
    symlinkSync('guide.md', join(root, 'alias.md'));
    const walk = await walkFolder(root);
    expect(paths(walk)).toEqual(['alias.md', 'guide.md']);
    const alias = walk.files[0]!;
    expect(alias.realPath).toBe(realpathSync(join(root, 'guide.md')));
    expect(new TextDecoder().decode(await readWalkedFile(alias))).toBe('# Guide');
  });

  it('does not follow a file link outside the root (absolute target)', async () => {
    const { base, root } = scratch();
    symlinkSync(join(base, 'outside/secret.txt'), join(root, 'leak.txt'));
    const walk = await walkFolder(root);
    expect(paths(walk)).toEqual(['guide.md']);
    expect(skipOf(walk, 'leak.txt')).toMatchObject({ reason: 'OUTSIDE_ROOT' });
    expect(skipOf(walk, 'leak.txt')?.message).toContain('outside the folder');
  });

  it('does not descend into a folder link outside the root', async () => {
    const { base, root } = scratch();
    symlinkSync(join(base, 'outside/folder'), join(root, 'more'));
    const walk = await walkFolder(root);
    expect(paths(walk)).toEqual(['guide.md']);
    expect(skipOf(walk, 'more')).toMatchObject({ reason: 'OUTSIDE_ROOT' });
  });

  it('judges a relative ../ link by where it leads: out of the root refused, within it followed', async () => {
    const { root } = scratch({ 'docs/sub/deep/page.md': '# Page' });
    symlinkSync('../../outside/secret.txt', join(root, 'sub/env'));
    symlinkSync('../../guide.md', join(root, 'sub/deep/up.md'));
    symlinkSync('..', join(root, 'parent'));
    const walk = await walkFolder(root);
    expect(paths(walk)).toEqual(['guide.md', 'sub/deep/page.md', 'sub/deep/up.md']);
    expect(skipOf(walk, 'sub/env')).toMatchObject({ reason: 'OUTSIDE_ROOT' });
    expect(skipOf(walk, 'parent')).toMatchObject({ reason: 'OUTSIDE_ROOT' });
  });

  it('reports a dangling link as a file that cannot be read', async () => {
    const { root } = scratch();
    symlinkSync('missing.md', join(root, 'dangling.md'));
    const walk = await walkFolder(root);
    const dangling = walk.files.find((f) => f.path === 'dangling.md');
    expect(dangling?.unreadable).toMatch(/no longer exists/);
  });

  it('reports a link loop as a file that cannot be read, and never hangs', async () => {
    const { root } = scratch();
    symlinkSync('loop-b', join(root, 'loop-a'));
    symlinkSync('loop-a', join(root, 'loop-b'));
    const walk = await walkFolder(root);
    expect(walk.files.filter((f) => f.unreadable).map((f) => [f.path, f.unreadable])).toEqual([
      ['loop-a', 'it is a link that points to itself'],
      ['loop-b', 'it is a link that points to itself'],
    ]);
  });

  it('walks a folder once: a link back up (a cycle) or to a folder already walked is reported', async () => {
    const { root } = scratch({ 'docs/sub/page.md': '# Page' });
    symlinkSync(root, join(root, 'sub/back'));
    symlinkSync('sub', join(root, 'again'));
    const walk = await walkFolder(root);
    expect(paths(walk)).toEqual(['guide.md', 'sub/page.md']);
    expect(skipOf(walk, 'sub/back')).toMatchObject({ reason: 'ALREADY_INCLUDED' });
    expect(skipOf(walk, 'sub/back')?.message).toMatch(/cycle/);
    expect(skipOf(walk, 'again')).toMatchObject({ reason: 'ALREADY_INCLUDED' });
  });

  it('follows a folder link inside the root that reaches a folder not otherwise walked… never into ignored ones', async () => {
    const { root } = scratch({ 'docs/node_modules/pkg/readme.md': '# Dep', 'docs/.private/key.md': 'k' });
    symlinkSync('node_modules/pkg', join(root, 'pkg'));
    symlinkSync('.private/key.md', join(root, 'key.md'));
    const walk = await walkFolder(root);
    expect(paths(walk)).toEqual(['guide.md']);
    expect(skipOf(walk, 'pkg')).toMatchObject({ reason: 'IGNORED' });
    expect(skipOf(walk, 'key.md')).toMatchObject({ reason: 'IGNORED' });
    expect(skipOf(walk, 'node_modules')).toMatchObject({ reason: 'IGNORED' });
    expect(skipOf(walk, '.private')).toMatchObject({ reason: 'IGNORED' });
  });

  it('never opens a named pipe, nor a link to one', async () => {
    const { root } = scratch();
    execFileSync('mkfifo', [join(root, 'pipe')]);
    symlinkSync('pipe', join(root, 'pipe-link'));
    const walk = await walkFolder(root);
    expect(paths(walk)).toEqual(['guide.md']);
    expect(skipOf(walk, 'pipe')).toMatchObject({ reason: 'NOT_A_FILE', message: 'pipe is a named pipe, not a file' });
    expect(skipOf(walk, 'pipe-link')).toMatchObject({ reason: 'NOT_A_FILE' });
  });

  it('never opens a socket', async () => {
    const { root } = scratch();
    const socket = join(root, 'server.sock');
    const server: Server = createServer();
    await new Promise<void>((done) => server.listen(socket, done));
    try {
      const walk = await walkFolder(root);
      expect(paths(walk)).toEqual(['guide.md']);
      expect(skipOf(walk, 'server.sock')).toMatchObject({
        reason: 'NOT_A_FILE',
        message: 'server.sock is a socket, not a file',
      });
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('with followOutside, reads what links outside lead to and marks it outside', async () => {
    const { base, root } = scratch();
    symlinkSync(join(base, 'outside/secret.txt'), join(root, 'leak.txt'));
    symlinkSync('../outside/folder', join(root, 'more'));
    const walk = await walkFolder(root, { followOutside: true });
    expect(paths(walk)).toEqual(['guide.md', 'leak.txt', 'more/notes.md']);
    expect(walk.files.filter((f) => f.outside).map((f) => f.realPath)).toEqual([
      realpathSync(join(base, 'outside/secret.txt')),
      realpathSync(join(base, 'outside/folder/notes.md')),
    ]);
    expect(walk.skipped).toEqual([]);
  });

  it('judges links against the root’s real path when the root itself is reached through a link', async () => {
    const { base, root } = scratch();
    symlinkSync(root, join(base, 'docs-link'));
    symlinkSync('guide.md', join(root, 'alias.md'));
    symlinkSync('../outside/secret.txt', join(root, 'leak.txt'));
    const walk = await walkFolder(join(base, 'docs-link'));
    expect(paths(walk)).toEqual(['alias.md', 'guide.md']);
    expect(skipOf(walk, 'leak.txt')).toMatchObject({ reason: 'OUTSIDE_ROOT' });
  });

  it('refuses a file swapped for a link, or for another file, after the walk', async () => {
    const { base, root } = scratch({ 'docs/other.md': '# Other' });
    const [guide, other] = (await walkFolder(root)).files.filter((f) => f.path.endsWith('.md'));
    unlinkSync(join(root, 'guide.md'));
    symlinkSync(join(base, 'outside/secret.txt'), join(root, 'guide.md'));
    await expect(readWalkedFile(guide!)).rejects.toThrow(/changed while the folder was read/);
    // The new file is made while the old one still exists, so it cannot reuse the old one's inode.
    writeFileSync(join(root, 'other.new'), 'another file');
    renameSync(join(root, 'other.new'), join(root, 'other.md'));
    await expect(readWalkedFile(other!)).rejects.toThrow(/changed while the folder was read/);
  });
});
