// Collects the files a user gives the app — dropped on the page, chosen with an `<input type=file>` (files or a
// folder), or picked as a folder handle with the File System Access API — as a flat list of `File`s with their
// paths relative to what was picked, for the ingest worker to internalize. Page side only: it never reads
// contents, so parsing stays in the worker, and it does not filter by type (the worker reports unsupported files
// one by one). It drops what `skipReason` (src/core/skip.ts) rules out, pruning such folders before walking them,
// and lists every skipped path with its reason so the UI can say what was left out and why.
//
// Drag and drop has two traps this module exists to get right:
// - A drop's DataTransferItems are only valid while the drop event is being dispatched: after the first `await`
//   they are emptied. So every item's entry (`webkitGetAsEntry()`) is taken synchronously, before anything awaits;
//   call `filesFromDataTransfer(event.dataTransfer)` directly in the drop handler, not after an await.
// - `readEntries()` returns a directory's entries in batches (Chromium: at most 100 per call), so it is called on the
//   same reader until it returns an empty batch; calling it once silently loses files of larger folders.
// A file or folder that cannot be read is listed in `skipped` with the browser's reason; it never fails the rest.
import { directorySkipReason, skipReason } from '../core/skip';

/** One file the user gave, with its '/'-separated path relative to what was picked, e.g. `notes/2024/a.md`. */
export interface PickedFile {
  /** Starts with the picked or dropped folder's name, like `File.webkitRelativePath`; a lone file is its name. */
  readonly path: string;
  /** The file itself (name, size, type and lastModified included); its contents are read by the worker. */
  readonly file: File;
}

/** A file or folder left out, with a short human reason. A pruned folder is listed once, not file by file. */
export interface SkippedPath {
  readonly path: string;
  readonly reason: string;
}

/** What every collector returns: the files to ingest and what was left out. */
export interface Picked {
  readonly files: PickedFile[];
  readonly skipped: SkippedPath[];
}

// The File System Access pieces TypeScript 5.9's lib.dom lacks or hides: `values()` of a directory handle lives in
// lib.dom.asynciterable (not in this project's `lib`), and `showDirectoryPicker`, `queryPermission` and
// `requestPermission` are Chromium-only, so not in lib.dom at all. Declared here as local structural types and
// reached by intersecting with the DOM's own types, never by augmenting globals, so a later lib that declares them
// cannot clash.
type AccessMode = 'read' | 'readwrite';
interface HandlePermissionDescriptor {
  readonly mode?: AccessMode;
}
interface PermissionMethods {
  queryPermission?(descriptor?: HandlePermissionDescriptor): Promise<PermissionState>;
  requestPermission?(descriptor?: HandlePermissionDescriptor): Promise<PermissionState>;
}
interface DirectoryIteration {
  values(): AsyncIterable<FileSystemHandle>;
}
interface DirectoryPickerOptions {
  readonly id?: string;
  readonly mode?: AccessMode;
}
interface DirectoryPickerHost {
  showDirectoryPicker?(options?: DirectoryPickerOptions): Promise<FileSystemDirectoryHandle>;
}

/** Remembers the browser's last folder for this picker between visits. */
const PICKER_ID = 'self-retrieval-library';

/** Accumulates kept and skipped paths for one collection. */
class Collector {
  readonly files: PickedFile[] = [];
  readonly skipped: SkippedPath[] = [];

  /** Keeps the file unless its path is ruled out. */
  add(path: string, file: File): void {
    if (!this.ruledOut(path)) this.keep(path, file);
  }

  /** Keeps a file whose path was already checked with `ruledOut`. */
  keep(path: string, file: File): void {
    this.files.push({ path, file });
  }

  /** True, and the path listed as skipped, when `skipReason` rules the file out. */
  ruledOut(path: string): boolean {
    const reason = skipReason(path);
    if (reason !== undefined) this.skip(path, reason);
    return reason !== undefined;
  }

  /** True, and the folder listed as skipped, when a folder of this name is not to be walked. */
  pruned(path: string, name: string): boolean {
    const reason = directorySkipReason(name);
    if (reason !== undefined) this.skip(path, reason);
    return reason !== undefined;
  }

  skip(path: string, reason: string): void {
    this.skipped.push({ path, reason });
  }

  /** Records a file or folder the browser would not read. */
  fail(path: string, error: unknown): void {
    this.skip(path, `could not be read (${describeError(error)})`);
  }

  result(): Picked {
    return { files: this.files, skipped: this.skipped };
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

const childPath = (parent: string, name: string) => (parent === '' ? name : `${parent}/${name}`);

// ---------------------------------------------------------------------------------------------------------------
// <input type=file>

/**
 * The files of an `<input type=file multiple>`, with or without `webkitdirectory`: a folder's files keep their
 * `webkitRelativePath` (which starts with the folder's name), plain files their name. Synchronous; the browser has
 * already listed everything, so skipped files are only filtered out here.
 */
export function filesFromInput(input: HTMLInputElement): Picked {
  const out = new Collector();
  for (const file of Array.from(input.files ?? [])) out.add(file.webkitRelativePath || file.name, file);
  return out.result();
}

// ---------------------------------------------------------------------------------------------------------------
// Drag and drop

/** What a dropped item is: an entry to walk, or a bare File when the browser offers no entry for it. */
type DroppedItem = FileSystemEntry | File;

/**
 * Every file of a drop, folders walked recursively. Takes the items' entries synchronously on the first call, so
 * it must be called inside the drop handler before any await. Falls back to `dt.files` (top-level files only) in
 * browsers without `webkitGetAsEntry`.
 */
export async function filesFromDataTransfer(dt: DataTransfer): Promise<Picked> {
  const dropped = droppedItems(dt); // synchronous: the items die at the first await
  const out = new Collector();
  for (const item of dropped) {
    if (item instanceof File) out.add(item.name, item);
    else await walkEntry(item, item.name, out);
  }
  return out.result();
}

/** The drop's entries, read synchronously; files without an entry (virtual files) come as Files. */
function droppedItems(dt: DataTransfer): DroppedItem[] {
  const items = Array.from(dt.items).filter((item) => item.kind === 'file');
  if (items.length === 0 || typeof items[0]?.webkitGetAsEntry !== 'function') return Array.from(dt.files);
  const dropped: DroppedItem[] = [];
  for (const item of items) {
    const entry = item.webkitGetAsEntry() ?? item.getAsFile();
    if (entry !== null) dropped.push(entry);
  }
  return dropped;
}

const isDirectoryEntry = (entry: FileSystemEntry): entry is FileSystemDirectoryEntry => entry.isDirectory;
const isFileEntry = (entry: FileSystemEntry): entry is FileSystemFileEntry => entry.isFile;

async function walkEntry(entry: FileSystemEntry, path: string, out: Collector): Promise<void> {
  if (isDirectoryEntry(entry)) {
    if (out.pruned(path, entry.name)) return;
    for (const child of await readAllEntries(entry, path, out)) {
      await walkEntry(child, childPath(path, child.name), out);
    }
  } else if (isFileEntry(entry)) {
    if (out.ruledOut(path)) return; // never opened
    try {
      out.keep(path, await entryFile(entry));
    } catch (error) {
      out.fail(path, error);
    }
  }
}

/** All entries of a folder: `readEntries` returns them in batches and an empty batch at the end. */
async function readAllEntries(dir: FileSystemDirectoryEntry, path: string, out: Collector): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const entries: FileSystemEntry[] = [];
  try {
    for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) entries.push(...batch);
  } catch (error) {
    out.fail(path, error); // keep the batches already read
  }
  return entries;
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

// ---------------------------------------------------------------------------------------------------------------
// File System Access: folder handles

const pickerHost = () => globalThis as typeof globalThis & DirectoryPickerHost;

/** True when this browser can pick a folder as a handle (Chromium-based browsers, secure contexts). */
export function canPickDirectory(): boolean {
  return typeof pickerHost().showDirectoryPicker === 'function';
}

/**
 * Lets the user pick a folder to read; undefined when they cancel. Call from a user gesture, and only when
 * `canPickDirectory()` (otherwise use `<input webkitdirectory>`): it throws where the API is missing. The handle
 * can be kept in IndexedDB to re-scan the folder later (see `ensureReadPermission`).
 */
export async function pickDirectory(): Promise<FileSystemDirectoryHandle | undefined> {
  const host = pickerHost();
  if (typeof host.showDirectoryPicker !== 'function') throw new Error('This browser cannot pick folders as handles.');
  try {
    return await host.showDirectoryPicker({ id: PICKER_ID, mode: 'read' });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') return undefined;
    throw error;
  }
}

/**
 * True when the page may read the handle. A handle restored from IndexedDB after a reload starts at 'prompt': this
 * asks the user then, so call it from a user gesture (e.g. the "re-scan folder" click). False when refused.
 * Browsers without permission methods on handles do not gate them: true.
 */
export async function ensureReadPermission(handle: FileSystemHandle): Promise<boolean> {
  const methods = handle as FileSystemHandle & PermissionMethods;
  if (typeof methods.queryPermission !== 'function') return true;
  const state = await methods.queryPermission({ mode: 'read' });
  if (state === 'granted') return true;
  if (state !== 'prompt' || typeof methods.requestPermission !== 'function') return false;
  return (await methods.requestPermission({ mode: 'read' })) === 'granted';
}

/** Every file under the folder handle, paths starting with the folder's name, skipped folders pruned unwalked. */
export async function filesFromDirectoryHandle(handle: FileSystemDirectoryHandle): Promise<Picked> {
  const out = new Collector();
  await walkHandle(handle, handle.name, out);
  return out.result();
}

const isDirectoryHandle = (handle: FileSystemHandle): handle is FileSystemDirectoryHandle =>
  handle.kind === 'directory';
const isFileHandle = (handle: FileSystemHandle): handle is FileSystemFileHandle => handle.kind === 'file';

async function walkHandle(handle: FileSystemHandle, path: string, out: Collector): Promise<void> {
  if (isDirectoryHandle(handle)) {
    if (out.pruned(path, handle.name)) return;
    for (const child of await directoryChildren(handle, path, out)) {
      await walkHandle(child, childPath(path, child.name), out);
    }
  } else if (isFileHandle(handle)) {
    if (out.ruledOut(path)) return; // never opened
    try {
      out.keep(path, await handle.getFile()); // a real File: size, type and lastModified from disk
    } catch (error) {
      out.fail(path, error);
    }
  }
}

/** A folder's children; what was listed before a failure (e.g. permission revoked) is kept. */
async function directoryChildren(
  handle: FileSystemDirectoryHandle,
  path: string,
  out: Collector,
): Promise<FileSystemHandle[]> {
  const children: FileSystemHandle[] = [];
  try {
    for await (const child of (handle as FileSystemDirectoryHandle & DirectoryIteration).values()) children.push(child);
  } catch (error) {
    out.fail(path, error);
  }
  return children;
}
