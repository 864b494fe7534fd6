'use strict';
// Boots the unmodified @tiledesk/tiledesk-server package the way its bin/www does, with three differences that
// the package needs when it is installed as a dependency and run on loopback only:
// - it listens on HOST (127.0.0.1) instead of every interface;
// - the working directory is the package folder, because migrate-mongoose scans ./migrations at boot;
// - APP_ROOT_PATH is the package folder, because the e-mail templates are read through app-root-path.
const path = require('node:path');
const http = require('node:http');

const packageDir = path.dirname(require.resolve('@tiledesk/tiledesk-server/package.json'));
process.env.APP_ROOT_PATH = process.env.APP_ROOT_PATH || packageDir;
process.chdir(packageDir);

// With no RabbitMQ, several job workers log an AMQP connection error every second for ever; drop just those.
const writeError = console.error.bind(console);
console.error = (...args) => {
  if (typeof args[0] === 'string' && args[0].startsWith('[JobWorker] AMQP')) return;
  writeError(...args);
};

const app = require(path.join(packageDir, 'app'));
const webSocketServer = require(path.join(packageDir, 'websocket/webSocketServer'));
const { version } = require(path.join(packageDir, 'package.json'));

const port = Number.parseInt(process.env.PORT || '3000', 10);
const host = process.env.HOST || '127.0.0.1';
app.set('port', port);
const server = http.createServer(app);
webSocketServer.init(server);
server.on('error', (error) => {
  writeError('tiledesk-server could not listen:', error);
  process.exit(1);
});
server.listen(port, host, () => {
  console.log(`tiledesk-server ${version} listening on http://${host}:${server.address().port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
