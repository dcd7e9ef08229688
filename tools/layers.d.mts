// Types of tools/layers.mjs (the layer table, plain JavaScript so that eslint.config.js can import it), for the
// TypeScript test that checks the table (test/layers.test.ts).
export interface PackageGroup {
  readonly regex: string;
  readonly label: string;
}
export interface Layer {
  readonly dir: string;
  readonly role: string;
  readonly imports: readonly string[];
  readonly packages: readonly string[];
  readonly globals?: readonly string[];
}
export interface LayerException {
  readonly file: string;
  readonly allow: readonly string[];
  readonly reason: string;
}
export const PACKAGE_GROUPS: Readonly<Record<string, PackageGroup>>;
export const LAYERS: Readonly<Record<string, Layer>>;
export const EXCEPTIONS: readonly LayerException[];
export function layerConfigs(): object[];
export function layerOf(file: string): string | undefined;
export function layerTableMarkdown(): string;
