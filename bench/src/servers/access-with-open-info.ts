// The Access service as `dist/apps/jpd-access` runs it, plus one route for the authentication
// benchmark: `GET <api>/bench/system/info` returns what `GET <api>/system/info` returns, without
// authentication. Both routes then pass the same middleware, so their difference is the cost of
// checking a master token. Only the benchmark starts this process.
import express from 'express';
import { runMain, startService } from '@service-trust/server';
import { accessService, loadConfig } from '@service-trust/jpd-access';

runMain('jpd-access (benchmark)', () => {
  const config = loadConfig();
  const definition = accessService(config);
  return startService(
    {
      ...definition,
      // This bundle sits in dist/bench, away from the admin page's files, and needs no page.
      adminPageDir: undefined,
      routes: (context) => {
        const router = express.Router();
        router.get('/bench/system/info', (_req, res) => {
          res.json({
            service_id: context.serviceId,
            base_url: context.config.BASE_URL,
            name: definition.name,
            version: definition.version,
          });
        });
        return router;
      },
    },
    config,
  );
});
