// Fails fast, with the exact install command, when a Debian package the tests need is missing: Chromium (browser
// tests), python3-docx (writes real .docx files for the ingest tests), shared-mime-info (ships a real PDF they read).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasPythonDocx = () => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import docx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const missing = [
  !existsSync(chromium) && 'chromium',
  !hasPythonDocx() && 'python3-docx',
  !existsSync('/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf') && 'shared-mime-info',
].filter(Boolean);

if (missing.length > 0) {
  console.error(
    `The tests need Debian packages that are missing: ${missing.join(', ')}. Install them with:\n\n` +
      `    sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}\n\n` +
      `(CHROMIUM_PATH may point to another Chromium build.)`,
  );
  process.exit(1);
}
