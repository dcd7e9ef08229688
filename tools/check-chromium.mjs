// Fails fast, with the exact install command, when Debian's Chromium is missing (the browser tests need it).
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(path)) {
  console.error(
    `Chromium was not found at ${path}. The browser tests drive Debian's Chromium; install it with:\n\n` +
      `    sudo apt-get update && sudo apt-get install -y chromium\n\n` +
      `(or set CHROMIUM_PATH to another Chromium build).`,
  );
  process.exit(1);
}
