// Bytes → text: UTF-8 (with or without BOM), UTF-16 with a BOM, and latin-1 when the bytes are not valid UTF-8;
// always NFC, so the same text typed on different systems keys to the same tokens. `binaryReason` tells binary data
// saved under a text name (a renamed photo or program) from text, so it is refused instead of indexed as mojibake.

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

export interface DecodedText {
  readonly text: string;
  readonly encoding: TextEncoding;
}

export function decodeText(bytes: Uint8Array): DecodedText {
  let encoding: TextEncoding;
  let body = bytes;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    encoding = 'utf-8';
    body = bytes.subarray(3);
  } else if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    encoding = 'utf-16le';
    body = bytes.subarray(2);
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    encoding = 'utf-16be';
    body = bytes.subarray(2);
  } else {
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes).normalize('NFC'), encoding: 'utf-8' };
    } catch {
      encoding = 'latin1';
    }
  }
  // TextDecoder's 'latin1' label is windows-1252, which is what "latin-1" files in the wild are.
  return { text: new TextDecoder(encoding).decode(body).normalize('NFC'), encoding };
}

/** How much of the text the binary sniff reads: 8 KB, as git and file(1) do; a renamed binary shows it at once. */
const SNIFF_LENGTH = 8192;
/** Share of control characters above which a text is taken for binary data (real text has almost none). */
const MAX_CONTROL_SHARE = 0.1;

/**
 * Why decoded text looks like binary data (an image, an executable, an archive saved under a text extension), or
 * undefined when it looks like text. Reads the decoded characters, not the bytes, so UTF-16 — NUL in every other
 * byte — is text; and NUL characters never occur in real text. Other control characters count against a threshold,
 * leaving tabs, line and page breaks and ESC (colour codes in terminal logs) alone.
 */
export function binaryReason(text: string): string | undefined {
  const sample = text.length > SNIFF_LENGTH ? text.slice(0, SNIFF_LENGTH) : text;
  if (sample.includes('\u0000')) return 'it contains NUL bytes';
  let controls = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    // C0 controls except \t \n \v \f \r and ESC, then DEL and the C1 block (what latin-1 makes of stray bytes).
    if ((c < 0x20 && (c < 0x09 || c > 0x0d) && c !== 0x1b) || (c >= 0x7f && c <= 0x9f)) controls++;
  }
  if (sample.length > 0 && controls / sample.length > MAX_CONTROL_SHARE) {
    return `${Math.round((100 * controls) / sample.length)}% of its first characters are control characters`;
  }
  return undefined;
}
