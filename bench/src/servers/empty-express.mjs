// The ceiling of the route benchmarks: an Express application with one route that returns an
// empty JSON object, with no middleware. It listens on 127.0.0.1:$PORT.
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.get('/empty', (_req, res) => {
  res.json({});
});
app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
