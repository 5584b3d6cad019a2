import fs from 'node:fs';
import path from 'node:path';

import express, { type Router } from 'express';

/** Folder of the styles and scripts that both admin pages share, beside this file or the bundle. */
const SHARED_ASSETS_DIR = path.join(__dirname, 'admin-page');

/**
 * Headers of every page asset. The policy allows only this origin's scripts, styles and API, so
 * an injected script or a framing site gets nowhere.
 */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * Serves an admin page under `/ui`: the service's own files from `pageDir` and the shared files
 * under `/ui/shared`.
 */
export function createAdminPageRouter(options: { pageDir: string }): Router {
  for (const dir of [options.pageDir, SHARED_ASSETS_DIR]) {
    if (!fs.existsSync(path.join(dir, dir === SHARED_ASSETS_DIR ? 'admin.css' : 'index.html'))) {
      throw new TypeError(`The admin page files are missing from ${dir}; rebuild the service.`);
    }
  }

  const router = express.Router();
  router.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  const serve = (dir: string) =>
    express.static(dir, { index: 'index.html', redirect: true, dotfiles: 'deny' });
  router.use('/shared', serve(SHARED_ASSETS_DIR));
  router.use(serve(options.pageDir));
  return router;
}
