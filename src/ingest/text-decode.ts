// Bytes → text: UTF-8 (with or without BOM), UTF-16 with a BOM, and latin-1 when the bytes are not valid UTF-8;
// always NFC, so the same text typed on different systems keys to the same tokens.

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
