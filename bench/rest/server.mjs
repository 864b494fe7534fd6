// A trivial loopback HTTP server for the REST benchmark: every GET answers the same ~1.5 KB request document.
// Runs in its own process so its CPU time is not charged to the client being measured.
import http from 'node:http';

const doc = JSON.stringify({
  status: 200, preflight: false, hasBot: false, participants: ['6b035e8542c85d4c8e0bd15d'], priority: 'medium',
  followers: [], participantsAgents: ['6b035e8542c85d4c8e0bd15d'], participantsBots: [], _id: '6b035e8842c85d4c8e0bd1a3',
  request_id: 'support-group-6b035e8542c85d4c8e0bd162-afe62b247d5849be88ec77ec5da857f5',
  requester: '6b035e8542c85d4c8e0bd164', lead: '6b035e8842c85d4c8e0bd19b', first_text: 'Hello, I need help',
  department: '6b035e8542c85d4c8e0bd166', assigned_at: '2026-11-22T21:28:40.039Z', id_project: '6b035e8542c85d4c8e0bd162',
  createdBy: '6b035e8542c85d4c8e0bd15d', channel: { name: 'chat21' }, tags: [], notes: [], createdAt: '2026-11-22T21:28:40.021Z',
  snapshot: { department: { routing: 'assigned', default: true, status: 1, _id: '6b035e8542c85d4c8e0bd166', name: 'Default Department' },
    availableAgentsCount: 1, agents: [] },
  attributes: { sourcePage: 'https://example.com/pricing', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', departmentId: '6b035e8542c85d4c8e0bd166' },
  channelOutbound: { name: 'chat21' }, smartAssignment: true, updatedAt: '2026-11-22T21:28:40.021Z', ticket_id: 1, __v: 0,
  requester_id: '6b035e8842c85d4c8e0bd19b', participatingBots: [], id: '6b035e8842c85d4c8e0bd1a3',
});
const body = Buffer.from(doc);

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port, bytes: body.length }));
process.on('disconnect', () => server.close(() => process.exit(0)));
