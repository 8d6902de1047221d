/**
 * The ceiling of `npm run bench:web`: a bare Fastify hello-world (`GET /` → `{"hello":"world"}`),
 * no plugins and no logger, on 127.0.0.1:$PORT. Herald's pages are measured against it on the
 * same machine, in the same run, with the same load.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));

const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
