import { describe, expect, it } from 'vitest';
import { fileServer, http, type Json } from './helpers.js';

// The CSV exports go through csv-express exactly as on the real server: `;` separator, header from the first row,
// numbers bare, other values quoted with String(value), CRLF line ends, and "\r\n" alone when there is nothing.

const local = fileServer();

const csv = async (path: string, token = local.server.owner.token) => {
  const res = await http(local.server, 'GET', `/${local.P}${path}`, { token });
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  return res.text;
};

describe('CSV exports', () => {
  it('answers a lone CRLF when there is nothing to export', async () => {
    expect(await csv('/requests/csv')).toBe('\r\n');
    expect(await csv('/leads/csv')).toBe('\r\n');
    expect(await csv('/requests/nope/messages/csv')).toBe('\r\n');
  });

  it('exports leads with every stored field but attributes and __v, quoting and doubling quotes', async () => {
    await http(local.server, 'POST', `/${local.P}/leads`, { token: local.server.owner.token, body: { fullname: 'Ann; "A"', email: 'ann@example.com', attributes: { a: 1 } } });
    const [header, row, end] = (await csv('/leads/csv')).split('\r\n');
    expect(header).toBe('tags;status;_id;lead_id;fullname;email;phone;id_project;createdBy;createdAt;updatedAt');
    expect(row).toMatch(/^"";100;"[0-9a-f]{24}";"[0-9a-f-]{36}";"Ann; ""A""";"ann@example\.com";;"[0-9a-f]{24}";"[0-9a-f]{24}";"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d{4} /);
    expect(end).toBe('');
  });

  it('exports conversations flattened: names appended, tags joined, sub-documents and status dropped', async () => {
    const created = (await http(local.server, 'POST', `/${local.P}/requests`, { token: local.server.owner.token, body: { first_text: 'export me', attributes: { caller_phone: '555' } } })).json as Json;
    await http(local.server, 'PUT', `/${local.P}/requests/${created.request_id}/tag`, { token: local.server.owner.token, body: [{ tag: 'x' }, { tag: 'y' }] });
    const [header, row] = (await csv('/requests/csv')).split('\r\n');
    const columns = header!.split(';');
    expect(columns).not.toContain('status');
    expect(columns).not.toContain('snapshot');
    // call_id follows caller_phone even when the conversation has none (the route copies it under that condition).
    expect(columns.slice(-6)).toEqual(['channel_name', 'department_name', 'lead_fullname', 'lead_email', 'caller_phone', 'call_id']);
    const cells = row!.split(';');
    expect(cells[columns.indexOf('tags')]).toBe('"x, y"');
    expect(cells[columns.indexOf('ticket_id')]).toMatch(/^\d+$/);
    expect(cells[columns.indexOf('department_name')]).toBe('"Default Department"');
    expect(cells[columns.indexOf('caller_phone')]).toBe('555');
  });

  it('exports messages as the real local.server does: Mongoose document internals, one identical row per message', async () => {
    const rid = `support-group-${local.P}-export`;
    await http(local.server, 'POST', `/${local.P}/requests/${rid}/messages`, { token: local.server.owner.token, body: { text: 'one' } });
    await http(local.server, 'POST', `/${local.P}/requests/${rid}/messages`, { token: local.server.owner.token, body: { text: 'two' } });
    const lines = (await csv(`/requests/${rid}/messages/csv`)).split('\r\n');
    expect(lines[0]).toBe('$__;isNew;errors;$locals;$op;_doc;$init');
    expect(new Set(lines.slice(1, -1))).toEqual(new Set(['"[object Object]";"false";;"[object Object]";;"[object Object]";"true"']));
  });

  it('fails a bad sort direction synchronously (500) and a bad dept_id with the CastError', async () => {
    const direction = await http(local.server, 'GET', `/${local.P}/requests/csv?direction=sideways`, { token: local.server.owner.token });
    expect([direction.status, direction.json]).toEqual([500, { err: 'error' }]);
    const dept = await http(local.server, 'GET', `/${local.P}/requests/csv?dept_id=bad`, { token: local.server.owner.token });
    expect(dept.status).toBe(500);
    expect(dept.json).toMatchObject({ success: false, msg: 'Error getting csv requests.', err: { name: 'CastError', path: 'department' } });
  });
});
