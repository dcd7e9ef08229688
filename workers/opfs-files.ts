// The training worker's files in the origin-private file system, one folder of them: each write goes to a swap
// file that replaces the old one only when it is closed complete (createWritable), so a tab closed mid-write leaves
// the last good file, never half of one.
import type { TrainFiles } from './train-service';

export function opfsFiles(folderName: string): TrainFiles {
  let folder: Promise<FileSystemDirectoryHandle> | undefined;
  const dir = () =>
    (folder ??= navigator.storage.getDirectory().then((root) => root.getDirectoryHandle(folderName, { create: true })));
  const notFound = (error: unknown) => error instanceof DOMException && error.name === 'NotFoundError';
  return {
    async read(name) {
      try {
        const file = await (await (await dir()).getFileHandle(name)).getFile();
        return new Uint8Array(await file.arrayBuffer());
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async write(name, bytes) {
      const handle = await (await dir()).getFileHandle(name, { create: true });
      const writable = await handle.createWritable();
      try {
        await writable.write(bytes as Uint8Array<ArrayBuffer>);
        await writable.close();
      } catch (error) {
        await writable.abort().catch(() => undefined);
        throw error;
      }
    },
    async remove(name) {
      await (await dir()).removeEntry(name).catch((error: unknown) => {
        if (!notFound(error)) throw error;
      });
    },
  };
}
