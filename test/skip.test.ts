// Which picked files are skipped before ingest (src/core/skip.ts): table tests over real-looking paths, including
// names that merely resemble skipped ones and must be kept.
import { describe, expect, it } from 'vitest';
import { directorySkipReason, skipDirectory, skipReason } from '../src/core/skip';

describe('skipReason', () => {
  it.each([
    ['notes/.git/config', '.git'],
    ['notes/.git/objects/ab/cdef', '.git'],
    ['proj/node_modules/x/readme.md', 'node_modules'],
    ['proj/packages/a/node_modules/b/node_modules/c/index.js', 'node_modules'],
    ['repo/.github/workflows/ci.yml', '.github'],
    ['notes/.obsidian/workspace.json', '.obsidian'],
    ['notes/.env', '.env'],
    ['.hidden/a.md', '.hidden'],
    ['photos/Thumbs.db', 'Thumbs.db'],
    ['photos/THUMBS.DB', 'THUMBS.DB'],
    ['docs/desktop.ini', 'desktop.ini'],
    ['docs/.DS_Store', '.DS_Store'],
    ['archive/__MACOSX/docs/._a.md', '__MACOSX'],
    ['docs/._a.md', '._a.md'],
    ['~$report.docx', '~$report.docx'],
    ['work/~$report.docx', '~$report.docx'],
    ['notes/a.md~', 'a.md~'],
    ['worktree/.git', '.git'],
    ['C:\\Users\\me\\notes\\.git\\HEAD', '.git'],
  ])('skips %s (because of %s)', (path, segment) => {
    const reason = skipReason(path);
    expect(reason).toBeDefined();
    expect(reason).toContain(`(${segment})`);
  });

  it.each([
    'a.b/c.md',
    'node_modules_notes.md',
    'notes/node_modules_notes.md',
    'notes/my.git/a.md',
    'notes/git/a.md',
    'notes/gitignore.md',
    'v1.2/report.final.pdf',
    'notes/a~b.md',
    'notes/$report.docx',
    'notes/~report.docx',
    'notes~/a.md',
    'Thumbs.db/a.md',
    'thumbs.db.md',
    './notes/a.md',
    '../notes/a.md',
    'README.md',
    'notes/',
    '',
  ])('keeps %s', (path) => {
    expect(skipReason(path)).toBeUndefined();
  });

  it('names the first skipped folder, outermost first', () => {
    expect(skipReason('proj/node_modules/pkg/.git/config')).toBe('installed dependencies (node_modules)');
    expect(skipReason('notes/.git/config')).toBe('Git metadata (.git)');
    expect(skipReason('repo/.github/ci.yml')).toBe('hidden (.github)');
    expect(skipReason('work/~$report.docx')).toBe('Office lock file (~$report.docx)');
    expect(skipReason('notes/a.md~')).toBe('editor backup (a.md~)');
    expect(skipReason('docs/.DS_Store')).toBe('macOS folder metadata (.DS_Store)');
  });

  it('agrees with skipDirectory on every folder segment', () => {
    const folders = ['.git', 'node_modules', '__MACOSX', '.github', 'notes', 'a.b', 'notes~', 'Thumbs.db', '.', '..'];
    for (const folder of folders) {
      expect(skipReason(`root/${folder}/file.md`) !== undefined).toBe(skipDirectory(folder));
    }
  });
});

describe('skipDirectory', () => {
  it.each([
    ['.git', true],
    ['node_modules', true],
    ['Node_Modules', true],
    ['__MACOSX', true],
    ['.github', true],
    ['.vscode', true],
    ['.', false],
    ['..', false],
    ['', false],
    ['notes', false],
    ['a.b', false],
    ['git', false],
    ['node_modules_old', false],
    ['MACOSX', false],
    ['drafts~', false],
    ['~$tmp', false],
    ['Thumbs.db', false],
  ])('%s → %s', (name, skipped) => {
    expect(skipDirectory(name)).toBe(skipped);
    expect(directorySkipReason(name) !== undefined).toBe(skipped);
  });
});
