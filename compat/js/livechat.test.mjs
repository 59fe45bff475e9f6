// Drives the real npm `@rocket.chat/sdk` (1.0.0-alpha.42) Livechat client against our server.
//
// Run: LIVECHAT_URL=http://127.0.0.1:3000 node --test livechat.test.mjs
//
// How the SDK works (read from node_modules/@rocket.chat/sdk/lib):
// - `new Livechat({ host, protocol: 'ddp' })` builds the REST client (lib/api/api.js) around
//   the global `fetch` of Node 18+, with URLs `${host}/api/v1/<endpoint>`, so `host` is the
//   full base URL with scheme. The DDP driver is created lazily and opens no socket until
//   `connect()`, which this test never calls (REST only).
// - The visitor token lives in `client.credentials.token`; `grantVisitor({ visitor })` POSTs
//   the body as given and stores the token from the reply. Every other call adds it itself,
//   except `editMessage(id, body)`, which PUTs the body as given (so it carries the token).
// - Every request sends `Content-Type: application/json`, GETs too. The reply is parsed as
//   JSON; a non-2xx reply rejects with `{ status, data }` where `data` is our error envelope.
// - What each method resolves with: grantVisitor -> visitor, room -> room, message -> message,
//   loadMessages -> messages, agent -> agent, config -> config, deleteVisitor -> visitor;
//   sendMessage, editMessage, deleteMessage, closeChat and visitor -> the whole reply body.
// - The SDK's own logger is a no-op by default; a silent logger is passed anyway for the
//   (unused) DDP driver.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import sdk from '@rocket.chat/sdk';

const { Livechat } = sdk;

const BASE = (process.env.LIVECHAT_URL || '').replace(/\/+$/, '');
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SERVER_ID = /^[23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz]{17}$/;

const silent = { debug() {}, info() {}, warn() {}, warning() {}, error() {} };

// The SDK calls the global `fetch` at request time: record what it sends, so the test can
// assert the request shapes as well as the replies.
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (url, init = {}) => {
  requests.push({ url: String(url), method: init.method, headers: init.headers, body: init.body });
  return realFetch(url, init);
};
const lastRequest = () => requests[requests.length - 1];

function newClient() {
  return new Livechat({ host: BASE, protocol: 'ddp', logger: silent });
}

function randomToken() {
  return `compat-js-${randomBytes(12).toString('hex')}`;
}

/** Asserts that `promise` rejects the way the SDK reports our error envelope. */
async function rejectsWith(promise, status, envelope) {
  await assert.rejects(promise, (err) => {
    assert.equal(typeof err, 'object', `expected an SDK rejection, got ${err}`);
    assert.equal(err.status, status, `HTTP status in ${JSON.stringify(err)}`);
    assert.deepEqual(err.data, envelope);
    return true;
  });
}

const businessError = (code) => ({ success: false, error: code });

describe('@rocket.chat/sdk Livechat client against the livechat server', () => {
  const client = newClient();
  const token = randomToken();
  const clientMessageId = `compat-${randomBytes(8).toString('hex')}`;
  let visitor;
  let room;
  let first; // sent without _id
  let second; // sent with the client-chosen _id
  let third; // deleted later

  before(() => {
    assert.ok(BASE, 'set LIVECHAT_URL to the server base URL, e.g. http://127.0.0.1:3000');
  });

  it('grantVisitor registers a visitor and stores its token', async () => {
    visitor = await client.grantVisitor({ visitor: { token, name: 'Compat Visitor' } });
    assert.equal(visitor.token, token);
    assert.equal(visitor.name, 'Compat Visitor');
    assert.match(visitor._id, SERVER_ID);
    assert.match(visitor.username, /^guest-\d+$/);
    assert.match(visitor.ts, ISO);
    assert.deepEqual(client.credentials, { token });

    // The same token again updates and returns the same visitor.
    const again = await client.grantVisitor({ visitor: { token, name: 'Compat Visitor 2' } });
    assert.equal(again._id, visitor._id);
    assert.equal(again.username, visitor.username);
    assert.equal(again.name, 'Compat Visitor 2');
  });

  it('visitor fetches the registered visitor', async () => {
    const reply = await client.visitor();
    assert.equal(reply.success, true);
    assert.equal(reply.visitor._id, visitor._id);
    assert.equal(reply.visitor.token, token);
  });

  it('room opens a room for the visitor and returns it again while open', async () => {
    room = await client.room();
    assert.match(room._id, SERVER_ID);
    assert.equal(room.t, 'l');
    assert.equal(room.open, true);
    assert.equal(room.v._id, visitor._id);
    assert.equal(room.v.token, token);
    assert.equal(room.v.username, visitor.username);
    assert.match(room.ts, ISO);

    const same = await client.room();
    assert.equal(same._id, room._id);
    const byRid = await client.room({ rid: room._id });
    assert.equal(byRid._id, room._id);
  });

  it('config carries the settings, and with the token the guest and room', async () => {
    const config = await client.config({ token });
    assert.equal(typeof config.enabled, 'boolean');
    assert.equal(typeof config.online, 'boolean');
    assert.equal(typeof config.settings, 'object');
    assert.ok(Array.isArray(config.departments));
    assert.equal(config.guest._id, visitor._id);
    assert.equal(config.room._id, room._id);
  });

  it('the widget helpers (visitor status, navigation, custom field, offline message) answer', async () => {
    assert.equal(await client.updateVisitorStatus('away'), 'away');
    const visited = await client.sendVisitorNavigation({
      token,
      rid: room._id,
      pageInfo: { change: 'url', title: 'Pricing', location: { href: 'https://example.com/pricing' } },
    });
    assert.equal(visited.success, true);
    const field = await client.sendCustomField({ token, key: 'plan', value: 'gold', overwrite: true });
    assert.equal(field.success, true);
    assert.deepEqual(field.field, { key: 'plan', value: 'gold', overwrite: true });
    const offline = await client.sendOfflineMessage({ name: 'Compat', email: 'compat@example.com', message: 'hi' });
    assert.equal(typeof offline, 'string');
  });

  it('sendMessage without _id stores a message with a server id', async () => {
    const reply = await client.sendMessage({ rid: room._id, msg: 'hello from the JS SDK' });
    const request = lastRequest();
    assert.equal(request.method, 'POST');
    assert.equal(request.url, `${BASE}/api/v1/livechat/message`);
    assert.deepEqual(JSON.parse(request.body), { rid: room._id, msg: 'hello from the JS SDK', token });
    assert.equal(reply.success, true);
    first = reply.message;
    assert.match(first._id, SERVER_ID);
    assert.equal(first.rid, room._id);
    assert.equal(first.msg, 'hello from the JS SDK');
    assert.equal(first.u._id, visitor._id);
    assert.equal(first.u.username, visitor.username);
    assert.match(first.ts, ISO);
    assert.match(first.ls, ISO);
    assert.ok(!JSON.stringify(first).includes(token), 'the visitor token leaks into the message');
  });

  it('sendMessage with a client _id is retry-safe', async () => {
    const reply = await client.sendMessage({ _id: clientMessageId, rid: room._id, msg: 'second, with my own id' });
    second = reply.message;
    assert.equal(second._id, clientMessageId);
    assert.equal(second.msg, 'second, with my own id');
    assert.equal(second.rid, room._id);
    assert.ok(second.ts > first.ts, 'ts increases within the room');

    // A retry (for example after a lost reply) returns the stored message unchanged.
    const retry = await client.sendMessage({ _id: clientMessageId, rid: room._id, msg: 'second, with my own id' });
    assert.equal(retry.success, true);
    assert.deepEqual(retry.message, second);

    const reply3 = await client.sendMessage({ rid: room._id, msg: 'third, to be deleted' });
    third = reply3.message;
    assert.notEqual(third._id, first._id);
  });

  it('message fetches one message', async () => {
    const fetched = await client.message(first._id, { rid: room._id });
    const request = lastRequest();
    assert.equal(request.method, 'GET');
    // GETs carry `Content-Type: application/json` too; the server ignores it there.
    assert.equal(request.headers['Content-Type'], 'application/json');
    const url = new URL(request.url);
    assert.equal(url.pathname, `/api/v1/livechat/message/${first._id}`);
    assert.equal(url.searchParams.get('token'), token);
    assert.equal(url.searchParams.get('rid'), room._id);
    assert.equal(fetched._id, first._id);
    assert.equal(fetched.msg, first.msg);
    assert.equal(fetched.rid, room._id);
    assert.equal(fetched.ts, first.ts);
    assert.equal(fetched.u._id, visitor._id);
  });

  it('editMessage changes the text', async () => {
    // The SDK PUTs the body exactly as given, so it carries token and rid itself.
    const reply = await client.editMessage(first._id, { token, rid: room._id, msg: 'hello, edited' });
    assert.equal(reply.success, true);
    const edited = reply.message;
    assert.equal(edited._id, first._id);
    assert.equal(edited.msg, 'hello, edited');
    assert.equal(edited.ts, first.ts);
    assert.match(edited.editedAt, ISO);
    assert.equal(edited.editedBy._id, visitor._id);
    assert.ok(edited.ls > first.ls, 'ls moves to the edit time');

    const fetched = await client.message(first._id, { rid: room._id });
    assert.equal(fetched.msg, 'hello, edited');
  });

  it('loadMessages returns the history newest first', async () => {
    const messages = await client.loadMessages(room._id);
    assert.ok(Array.isArray(messages));
    const ids = messages.map((m) => m._id);
    assert.deepEqual(ids.slice(0, 3), [third._id, second._id, first._id]);
    assert.equal(messages[2].msg, 'hello, edited');
    assert.equal(messages[1].msg, 'second, with my own id');
    // The retried send stored nothing new.
    assert.equal(ids.filter((id) => id === clientMessageId).length, 1);
    // The room's system message comes first in time, so last in the list.
    assert.equal(messages[messages.length - 1].t, 'livechat-started');
    for (let i = 1; i < messages.length; i++) {
      assert.ok(messages[i - 1].ts > messages[i].ts, 'strictly newest first');
    }

    const newest = await client.loadMessages(room._id, { limit: 1 });
    assert.deepEqual(newest.map((m) => m._id), [third._id]);
    const older = await client.loadMessages(room._id, { end: third.ts, limit: 2 });
    assert.deepEqual(older.map((m) => m._id), [second._id, first._id]);
  });

  it('deleteMessage removes the message (token and rid in the body)', async () => {
    const reply = await client.deleteMessage(third._id, { rid: room._id });
    const request = lastRequest();
    assert.equal(request.method, 'DELETE');
    assert.equal(request.url, `${BASE}/api/v1/livechat/message/${third._id}`);
    assert.equal(request.headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(request.body), { rid: room._id, token });
    assert.equal(reply.success, true);
    assert.equal(reply.message._id, third._id);
    assert.match(reply.message.ts, ISO);
    assert.equal(reply.message.ls, reply.message.ts);

    const messages = await client.loadMessages(room._id);
    const ids = messages.map((m) => m._id);
    assert.ok(!ids.includes(third._id), 'the deleted message is gone from history');
    assert.deepEqual(ids.slice(0, 2), [second._id, first._id]);

    await rejectsWith(client.message(third._id, { rid: room._id }), 400, businessError('invalid-message'));
    // A deleted message keeps its _id reserved.
    await rejectsWith(
      client.sendMessage({ _id: third._id, rid: room._id, msg: 'reuse' }),
      400,
      businessError('duplicate-message-id'),
    );
  });

  it('error envelopes reach the caller', async () => {
    // Unknown token.
    const stranger = newClient();
    stranger.credentials = { token: randomToken() };
    await rejectsWith(stranger.room(), 400, businessError('invalid-token'));
    await rejectsWith(
      stranger.sendMessage({ rid: room._id, msg: 'not mine' }),
      400,
      businessError('invalid-token'),
    );
    await rejectsWith(stranger.visitor(), 400, {
      success: false,
      error: '[invalid-token]',
      errorType: 'invalid-token',
    });

    // Another visitor cannot see or touch this room.
    const other = newClient();
    await other.grantVisitor({ visitor: { token: randomToken() } });
    await rejectsWith(other.loadMessages(room._id), 400, businessError('invalid-room'));
    await rejectsWith(other.message(first._id, { rid: room._id }), 400, businessError('invalid-room'));
    await rejectsWith(other.deleteMessage(first._id, { rid: room._id }), 400, businessError('invalid-room'));

    // Parameter validation: an empty msg.
    await assert.rejects(client.sendMessage({ rid: room._id, msg: '' }), (err) => {
      assert.equal(err.status, 400);
      assert.equal(err.data.success, false);
      assert.equal(err.data.errorType, 'invalid-params');
      assert.match(err.data.error, /\[invalid-params\]$/);
      return true;
    });

    // No agent serves the room yet.
    await rejectsWith(client.agent({ rid: room._id }), 400, businessError('invalid-agent'));

    // A visitor with an open room cannot be removed.
    await rejectsWith(client.deleteVisitor(), 400, {
      success: false,
      error: 'Cannot remove visitors with opened rooms [visitor-has-open-rooms]',
      errorType: 'visitor-has-open-rooms',
    });
  });

  it('closeChat closes the room; sending afterwards fails with room-closed', async () => {
    const reply = await client.closeChat({ rid: room._id });
    assert.equal(reply.success, true);
    assert.equal(reply.rid, room._id);
    assert.equal(typeof reply.comment, 'string');

    await rejectsWith(
      client.sendMessage({ rid: room._id, msg: 'too late' }),
      400,
      businessError('room-closed'),
    );
    await rejectsWith(
      client.editMessage(first._id, { token, rid: room._id, msg: 'too late' }),
      400,
      businessError('room-closed'),
    );
    await rejectsWith(client.closeChat({ rid: room._id }), 400, businessError('room-closed'));

    // A retry of a send that succeeded before the close still returns the stored message.
    const retry = await client.sendMessage({ _id: clientMessageId, rid: room._id, msg: 'second, with my own id' });
    assert.deepEqual(retry.message, second);

    // The history of the closed room ends with the close message.
    const messages = await client.loadMessages(room._id);
    assert.equal(messages[0].t, 'livechat-close');
  });

  it('room opens a new room after the close; deleteVisitor works once all are closed', async () => {
    const next = await client.room();
    assert.notEqual(next._id, room._id);
    assert.equal(next.open, true);
    await client.closeChat({ rid: next._id });

    const removed = await client.deleteVisitor();
    assert.equal(removed._id, visitor._id);
    assert.match(removed.ts, ISO);
    await rejectsWith(client.visitor(), 400, {
      success: false,
      error: '[invalid-token]',
      errorType: 'invalid-token',
    });
  });
});
