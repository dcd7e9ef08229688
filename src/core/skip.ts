// Which files of a picked or dropped folder are never worth indexing: version-control and dependency folders,
// hidden files, operating-system litter and editor/Office leftovers. Pure (no DOM, no Node APIs), so the page's
// file collector (src/ui/file-input.ts) and the CLI (src/cli/folder-library.ts) skip exactly the same files and give
// the same reason; it is in core because both of those layers may import core but not each other's helpers.
// Decisions depend on the path alone, never on contents; unsupported file types are not decided here (the ingest
// worker reports those per file, see src/ingest/parse.ts `isSupported`).

/** Folders skipped by name (lower-case), with why. Any other name starting with '.' is skipped as hidden. */
const SKIPPED_DIRECTORIES: ReadonlyMap<string, string> = new Map([
  ['.git', 'Git metadata'],
  ['node_modules', 'installed dependencies'],
  ['__macosx', 'macOS archive metadata'],
]);

/** Files skipped by name (lower-case; these systems ignore case), with why. */
const SKIPPED_FILES: ReadonlyMap<string, string> = new Map([
  ['.ds_store', 'macOS folder metadata'],
  ['thumbs.db', 'Windows thumbnail cache'],
  ['desktop.ini', 'Windows folder settings'],
]);

/** Segments that navigate rather than name something: never a reason to skip. */
const isNavigation = (segment: string) => segment === '' || segment === '.' || segment === '..';

/**
 * Why a folder with this name (one path segment) is skipped without being walked, or undefined to walk it.
 * Also applies to every folder segment of a file's path, so pruning a walk early and filtering a flat file list
 * (an `<input webkitdirectory>`) skip the same files.
 */
export function directorySkipReason(name: string): string | undefined {
  if (isNavigation(name)) return undefined;
  const known = SKIPPED_DIRECTORIES.get(name.toLowerCase());
  if (known !== undefined) return `${known} (${name})`;
  if (name.startsWith('.')) return `hidden (${name})`;
  return undefined;
}

/** True when a folder with this name should not be walked at all (`.git`, `node_modules`, `__MACOSX`, `.*`). */
export function skipDirectory(name: string): boolean {
  return directorySkipReason(name) !== undefined;
}

/** Why a file with this name (its last path segment) is skipped, or undefined. */
function fileSkipReason(name: string): string | undefined {
  const known = SKIPPED_FILES.get(name.toLowerCase());
  if (known !== undefined) return `${known} (${name})`;
  const asFolder = directorySkipReason(name);
  if (asFolder !== undefined) return asFolder;
  if (name.startsWith('~$')) return `Office lock file (${name})`;
  if (name.endsWith('~')) return `editor backup (${name})`;
  return undefined;
}

/**
 * Why the file at this relative path must be skipped (a short, human reason naming the offending segment), or
 * undefined to keep it. Segments are separated by '/' (a '\' from a Windows CLI path is accepted too); the
 * first skipped folder wins, then the file's own name is checked. Example: `notes/.git/config` →
 * `'Git metadata (.git)'`, `notes/a.md` → undefined.
 */
export function skipReason(path: string): string | undefined {
  const segments = path.split(/[/\\]/);
  const name = segments.pop() ?? '';
  for (const segment of segments) {
    const reason = directorySkipReason(segment);
    if (reason !== undefined) return reason;
  }
  return isNavigation(name) ? undefined : fileSkipReason(name);
}
