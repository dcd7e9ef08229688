// JSON and CSV: their text fields, one block per record, each value labelled with its key or column.
import Papa from 'papaparse';
import { IngestError, type ParsedDocument } from '../document';

/** String values of a JSON document as `path: value` lines (numbers and booleans carry no prose: dropped). */
export function parseJson(source: string, fileName: string): ParsedDocument {
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (error) {
    throw new IngestError('PARSE_FAILED', `${fileName} is not valid JSON: ${(error as Error).message}`);
  }
  const lines: string[] = [];
  // Depth-first over an explicit stack, children pushed last-first so lines come out in document order. Not
  // recursion: JSON.parse accepts any nesting depth, and a walk that recursed would overflow on deep files.
  const stack: [value: unknown, path: string][] = [[data, '']];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [value, path] = top;
    if (typeof value === 'string') {
      const text = value.replace(/\s+/g, ' ').trim();
      if (text) lines.push(path ? `${path}: ${text}` : text);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`]);
    } else if (value && typeof value === 'object') {
      const entries: [string, unknown][] = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i]!;
        stack.push([item, path ? `${path}.${key}` : key]);
      }
    }
  }
  const title = typeof (data as { title?: unknown })?.title === 'string' ? (data as { title: string }).title : fileName;
  return { title, text: lines.join('\n'), sections: [], pages: [] };
}

/** Rows of a CSV file (first row = column names) as `column: value; …` blocks. */
export function parseCsv(source: string, fileName: string): ParsedDocument {
  const result = Papa.parse<string[]>(source.trim(), { skipEmptyLines: true });
  const [header, ...rows] = result.data;
  if (!header) return { title: fileName, text: '', sections: [], pages: [] };
  const blocks = rows.map((row) =>
    row
      .map((cell, i) => [header[i] ?? `column ${i + 1}`, cell.trim()] as const)
      .filter(([, cell]) => cell)
      .map(([column, cell]) => `${column}: ${cell}`)
      .join('; '),
  );
  return { title: fileName, text: blocks.filter(Boolean).join('\n\n'), sections: [], pages: [] };
}
