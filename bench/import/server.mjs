// The local Tiledesk server for bench/import/run.mjs, in its own process so the contender's RSS and CPU are its own.
// argv: <bundle of src/testing>. Sends { url, projectId, token } over IPC; exits on 'close'.
import { pathToFileURL } from 'node:url';

const { startTiledeskServer } = await import(pathToFileURL(process.argv[2]).href);
const server = await startTiledeskServer();
process.send({ url: server.url, projectId: server.project.id, token: server.owner.token });
process.on('message', async (m) => {
  if (m === 'close') {
    await server.close();
    process.exit(0);
  }
});
