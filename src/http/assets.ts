import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Every static file Herald serves under `/assets/`, one line each: its name and its folder. Pages
 * link to `assetUrl(name)`, a name with the content's hash that is cached for a year; the plain
 * name keeps working with a short lifetime (old pages, bookmarks).
 */
export const staticAssets: readonly { name: string; dir: string }[] = [
  { name: 'pico.min.css', dir: 'node_modules/@picocss/pico/css' },
  { name: 'app.css', dir: 'public' },
  { name: 'import.js', dir: 'public' },
  { name: 'run-progress.js', dir: 'public' },
  { name: 'chart.umd.min.js', dir: 'node_modules/chart.js/dist' },
  { name: 'stats-charts.js', dir: 'public' },
];

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const PLAIN_NAME_CACHE = 'public, max-age=300';

const contentTypes: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

interface LoadedAsset {
  name: string;
  hashedName: string;
  body: Buffer;
  etag: string;
  contentType: string;
}

let byName: Map<string, LoadedAsset> | undefined;
let byHashedName: Map<string, LoadedAsset> | undefined;

/** Reads and hashes every asset once (a missing file stops the start with its path). */
function loadAssets(): Map<string, LoadedAsset> {
  if (byName) return byName;
  const loaded = new Map<string, LoadedAsset>();
  for (const { name, dir } of staticAssets) {
    const body = readFileSync(path.join(root, dir, name));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const ext = path.extname(name);
    const hashedName = `${name.slice(0, -ext.length)}.${hash}${ext}`;
    const contentType = contentTypes[ext] ?? 'application/octet-stream';
    loaded.set(name, { name, hashedName, body, etag: `"${hash}"`, contentType });
  }
  byHashedName = new Map([...loaded.values()].map((asset) => [asset.hashedName, asset]));
  byName = loaded;
  return loaded;
}

/** The URL of an asset under its content-hashed name, e.g. `/assets/app.3f2a….css`. */
export function assetUrl(name: string): string {
  const asset = loadAssets().get(name);
  if (!asset) throw new Error(`${name} is not in the static asset list (src/http/assets.ts)`);
  return `/assets/${asset.hashedName}`;
}

/**
 * Serves the assets from memory: hashed names `immutable` for a year, plain names for five
 * minutes, anything else 404. The route has no access rule on purpose: assets are public and
 * must load before the first admin exists (the setup page uses them).
 */
export function registerAssets(app: FastifyInstance): void {
  loadAssets();
  app.get('/assets/:file', async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const hashed = byHashedName?.get(file);
    const asset = hashed ?? byName?.get(file);
    if (!asset) return reply.callNotFound();
    reply.header('content-type', asset.contentType).header('cache-control', hashed ? IMMUTABLE : PLAIN_NAME_CACHE);
    reply.header('etag', asset.etag);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  });
}
