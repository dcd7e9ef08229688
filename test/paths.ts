// Where the tests find the built-in demo corpus and model (the same files the app serves).
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEMO_CRANFIELD = `${ROOT}public/demo/cranfield`;
export const MODEL_ROOT = `${ROOT}public/models/`;
export const DEMO_MODEL_ID = 'cranfield-tiny';
