// Library entry: the pure core and the loaders other projects may build on. The app and the widget use the same
// modules through the workers.
export * from './core/model-card';
export type { Passage } from './core/passage';
export * from './ingest/cranfield';
