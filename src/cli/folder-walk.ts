// Walking a folder on disk: the files a command may read under the root it was given, and every entry it leaves
// out with the reason. Node only. What is read from a folder is published (a bundle goes on a public site), so the
// walk never reads a file, nor descends into a folder, whose real path lies outside the root: a symbolic link to
// `~/.ssh/config` or to `../.env` is reported as OUTSIDE_ROOT, not followed, unless the caller opts in. Links that
// stay inside are followed once: folders are identified by their real path, so a cycle or a second link to a folder
// already walked is reported, not walked again. Hidden files, `.git`, `node_modules` and OS litter (skip.ts) are
// left out, also when a link inside the folder points into them. Named pipes, sockets and devices are never opened.
import { constants } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { directorySkipReason, skipReason } from '../core/skip';

/** Why an entry of the folder is not read. */
export type WalkSkipCode =
  /** A symbolic link whose real path lies outside the root. */
  | 'OUTSIDE_ROOT'
  /** Hidden files, `.git`, `node_modules`, OS and editor litter (src/core/skip.ts). */
  | 'IGNORED'
  /** A named pipe, socket or device: not a file with text to read. */
  | 'NOT_A_FILE'
  /** A link to a folder that is already walked (a cycle, or a second path to the same folder). */
  | 'ALREADY_INCLUDED';

/** An entry of the folder that is not read: its path under the root, why, and a sentence for people. */
export interface WalkSkip {
  readonly path: string;
  readonly reason: WalkSkipCode;
  readonly message: string;
}

/** A file the walk found: read it with `readWalkedFile`. */
export interface WalkedFile {
  /** Its path under the root, '/'-separated (a link's own path, not its target's). */
  readonly path: string;
  /** Its real path (no symbolic link in it): what is opened. */
  readonly realPath: string;
  readonly size: number;
  readonly mtime: number;
  /** True when its real path lies outside the root (only with `followOutside`). */
  readonly outside: boolean;
  /** Why it cannot be read at all (a dangling link, a link loop, a folder that could not be listed). */
  readonly unreadable?: string;
  /** Identity at walk time, so a file swapped for another (or for a link) before it is read is refused. */
  readonly dev: number;
  readonly ino: number;
}

export interface FolderWalk {
  /** Files in code-unit order of their paths. */
  readonly files: readonly WalkedFile[];
  /** Entries left out, in code-unit order of their paths. */
  readonly skipped: readonly WalkSkip[];
}

export interface WalkOptions {
  /** Follow links whose real path lies outside the root (off by default: such entries are OUTSIDE_ROOT). */
  readonly followOutside?: boolean;
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** True when `real` is `root` or lies below it (both real paths). */
export function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** A short human reason for a failed file-system call. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'it no longer exists (or is a link to something that does not)';
  if (code === 'ELOOP') return 'it is a link that points to itself';
  if (code === 'EISDIR') return 'it is a folder';
  return error instanceof Error ? error.message : String(error);
}

/** What a non-file, non-folder entry is, for messages. */
function kindOf(info: { isFIFO(): boolean; isSocket(): boolean }): string {
  if (info.isFIFO()) return 'a named pipe';
  if (info.isSocket()) return 'a socket';
  return 'a device';
}

/** A folder to list: its path under the root ('' for the root) and its real path. */
interface PendingFolder {
  readonly path: string;
  readonly realPath: string;
  readonly outside: boolean;
}

/**
 * Every file under `root` a command may read, and every entry left out with its reason. `root` must be a folder
 * (the caller checks); a root that cannot be listed throws the file system's error. Links are resolved to their
 * real paths; real folders are walked before linked ones, so a folder reached both ways keeps its own path.
 */
export async function walkFolder(root: string, options: WalkOptions = {}): Promise<FolderWalk> {
  const rootReal = await realpath(root);
  const files: WalkedFile[] = [];
  const skipped: WalkSkip[] = [];
  /** Real path of each folder walked → its path under the root. */
  const walked = new Map<string, string>([[rootReal, '']]);
  /** Links to folders, walked after every real folder. */
  const linkedFolders: PendingFolder[] = [];
  const skip = (path: string, reason: WalkSkipCode, message: string) => skipped.push({ path, reason, message });
  const unreadable = (path: string, realPath: string, why: string) =>
    files.push({ path, realPath, size: 0, mtime: 0, outside: false, unreadable: why, dev: 0, ino: 0 });
  /** Why a path inside the root (its real path) is ignored by skip.ts, or undefined. */
  const ignoredTarget = (real: string, folder: boolean) => {
    const within = relative(rootReal, real).split(sep).join('/');
    if (within === '') return undefined;
    return folder ? skipReason(`${within}/x`) : skipReason(within);
  };

  const list = async (folder: PendingFolder): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder.realPath, { withFileTypes: true });
    } catch (error) {
      if (folder.path === '') throw error;
      unreadable(folder.path, folder.realPath, `it is a folder that could not be opened (${describeFsError(error)})`);
      return;
    }
    entries.sort((a, b) => byCodeUnits(a.name, b.name));
    for (const entry of entries) {
      const path = folder.path === '' ? entry.name : `${folder.path}/${entry.name}`;
      const entryReal = join(folder.realPath, entry.name);
      const ignored = entry.isDirectory() ? directorySkipReason(entry.name) : skipReason(path);
      if (ignored !== undefined) {
        skip(path, 'IGNORED', `${path}: ${ignored}, never published`);
        continue;
      }
      if (entry.isDirectory()) {
        const already = walked.get(entryReal);
        if (already !== undefined) {
          const what = already === '' ? 'the folder itself' : `the folder ${already}, which is already included`;
          skip(path, 'ALREADY_INCLUDED', `${path} is ${what}`);
          continue;
        }
        walked.set(entryReal, path);
        await list({ path, realPath: entryReal, outside: folder.outside });
        continue;
      }
      if (entry.isFile()) {
        try {
          const info = await lstat(entryReal);
          const { size, dev, ino } = info;
          files.push({
            path,
            realPath: entryReal,
            size,
            mtime: Math.trunc(info.mtimeMs),
            outside: folder.outside,
            dev,
            ino,
          });
        } catch (error) {
          unreadable(path, entryReal, describeFsError(error));
        }
        continue;
      }
      if (!entry.isSymbolicLink()) {
        skip(path, 'NOT_A_FILE', `${path} is ${kindOf(entry)}, not a file`);
        continue;
      }
      // A symbolic link: judged by where it really leads.
      let real: string;
      let info;
      try {
        real = await realpath(entryReal);
        info = await stat(real);
      } catch (error) {
        unreadable(path, entryReal, describeFsError(error));
        continue;
      }
      const outside = !isInside(rootReal, real);
      if (outside && !options.followOutside) {
        skip(path, 'OUTSIDE_ROOT', `${path} is a link to ${real}, outside the folder: not followed`);
        continue;
      }
      const into = outside ? undefined : ignoredTarget(real, info.isDirectory());
      if (into !== undefined) {
        skip(path, 'IGNORED', `${path} is a link into ${relative(rootReal, real)}: ${into}, never published`);
      } else if (info.isDirectory()) {
        linkedFolders.push({ path, realPath: real, outside });
      } else if (info.isFile()) {
        const { size, dev, ino } = info;
        files.push({ path, realPath: real, size, mtime: Math.trunc(info.mtimeMs), outside, dev, ino });
      } else {
        skip(path, 'NOT_A_FILE', `${path} is a link to ${kindOf(info)}, not a file`);
      }
    }
  };

  await list({ path: '', realPath: rootReal, outside: false });
  for (let next = linkedFolders.shift(); next !== undefined; next = linkedFolders.shift()) {
    const already = walked.get(next.realPath);
    if (already !== undefined) {
      const message =
        already === '' || next.path.startsWith(`${already}/`)
          ? `${next.path} is a link back to ${already === '' ? 'the folder itself' : already} (a cycle): not followed`
          : `${next.path} is a link to ${already}, which is already included`;
      skip(next.path, 'ALREADY_INCLUDED', message);
      continue;
    }
    walked.set(next.realPath, next.path);
    await list(next);
  }
  files.sort((a, b) => byCodeUnits(a.path, b.path));
  skipped.sort((a, b) => byCodeUnits(a.path, b.path));
  return { files, skipped };
}

/** The file system's word that a walked file changed before it was read. */
const CHANGED = 'it changed while the folder was read (replaced by another file or a link): not read';

/**
 * The bytes of a file the walk found. Opens its real path without following a link and without blocking on a
 * pipe, and refuses a file that is no longer the one walked (another inode, a link, not a regular file), so an
 * entry swapped after the walk cannot smuggle in what the walk refused. Throws an Error with a human message.
 */
export async function readWalkedFile(file: WalkedFile): Promise<Uint8Array> {
  const handle = await open(file.realPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    (error: unknown) => {
      throw new Error((error as NodeJS.ErrnoException).code === 'ELOOP' ? CHANGED : describeFsError(error));
    },
  );
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.ino !== file.ino || info.dev !== file.dev) throw new Error(CHANGED);
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}
