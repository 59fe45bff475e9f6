// The realtime client: Meteor DDP over the server's WebSocket at /websocket.
//
// One connection per signed-in console. It logs in with the REST token (`login [{resume}]`),
// keeps a set of wanted subscriptions and subscribes them again after every reconnect. When the
// socket drops it retries with exponential backoff (0.5 s doubling to 10 s, with jitter) and,
// once logged in again, emits `resumed` so the app re-reads what it may have missed.
//
// Events (EventTarget): `status` {detail: 'connecting'|'connected'|'reconnecting'},
// `ready` {detail: {first: boolean}} after each successful login, `unauthorized` when the token
// is refused. Stream events reach the listeners given to `subscribe`.

import { fromEjson } from './dom.js';

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10_000;
const METHOD_TIMEOUT_MS = 15_000;

export class DdpClient extends EventTarget {
  constructor(authToken) {
    super();
    this.authToken = authToken;
    this.socket = null;
    this.status = 'connecting';
    this.loggedIn = false;
    this.closed = false;
    this.attempt = 0;
    this.readyCount = 0;
    this.nextId = 1;
    this.pendingMethods = new Map();
    /** key (`name|event`) -> {name, event, id, listeners: Set, state, onNosub: Set} */
    this.subscriptions = new Map();
    this.subscriptionsById = new Map();
    this.reconnectTimer = null;
  }

  /** Opens the connection (and keeps it open until `close`). */
  start() {
    this.closed = false;
    this.open();
  }

  /** Closes for good (sign-out). */
  close() {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      try {
        socket.close(1000, 'signed out');
      } catch {
        // The socket is already closed.
      }
    }
    this.failPending(new Error('closed'));
  }

  setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent('status', { detail: status }));
  }

  open() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    let socket;
    try {
      socket = new WebSocket(`${scheme}://${location.host}/websocket`);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.loggedIn = false;
    socket.addEventListener('open', () => {
      this.send({ msg: 'connect', version: '1', support: ['1'] });
    });
    socket.addEventListener('message', (event) => this.onFrame(socket, event.data));
    socket.addEventListener('close', () => this.onClose(socket));
    // An error is always followed by `close`, which handles it.
    socket.addEventListener('error', () => {});
  }

  onClose(socket) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.loggedIn = false;
    this.failPending(new Error('disconnected'));
    for (const sub of this.subscriptions.values()) sub.state = 'wanted';
    this.subscriptionsById.clear();
    if (!this.closed) this.scheduleReconnect();
  }

  scheduleReconnect() {
    this.setStatus('reconnecting');
    clearTimeout(this.reconnectTimer);
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      if (!this.closed) this.open();
    }, delay);
  }

  failPending(error) {
    for (const { reject, timer } of this.pendingMethods.values()) {
      clearTimeout(timer);
      reject(error);
    }
    this.pendingMethods.clear();
  }

  send(frame) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  onFrame(socket, data) {
    if (socket !== this.socket) return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    switch (frame.msg) {
      case 'connected':
        this.onConnected();
        break;
      case 'ping':
        this.send(frame.id === undefined ? { msg: 'pong' } : { msg: 'pong', id: frame.id });
        break;
      case 'result':
        this.onResult(frame);
        break;
      case 'ready':
        for (const id of frame.subs || []) {
          const sub = this.subscriptionsById.get(id);
          if (sub) sub.state = 'ready';
        }
        break;
      case 'nosub':
        this.onNosub(frame);
        break;
      case 'changed':
        this.onChanged(frame);
        break;
      case 'failed':
      case 'error':
      default:
        break;
    }
  }

  async onConnected() {
    try {
      await this.callNow('login', [{ resume: this.authToken }]);
    } catch (error) {
      if (error && error.ddpError && (error.ddpError.error === 403 || error.ddpError.error === 400)) {
        this.closed = true;
        this.dispatchEvent(new CustomEvent('unauthorized'));
        this.close();
      } else if (this.socket) {
        // No answer (or a server error): start over on a fresh socket.
        try {
          this.socket.close();
        } catch {
          // Already closing.
        }
      }
      return;
    }
    this.loggedIn = true;
    this.attempt = 0;
    for (const sub of this.subscriptions.values()) this.sendSub(sub);
    this.setStatus('connected');
    this.readyCount += 1;
    this.dispatchEvent(new CustomEvent('ready', { detail: { first: this.readyCount === 1 } }));
  }

  onResult(frame) {
    const pending = this.pendingMethods.get(frame.id);
    if (!pending) return;
    this.pendingMethods.delete(frame.id);
    clearTimeout(pending.timer);
    if (frame.error) {
      const error = new Error(frame.error.reason || frame.error.message || 'method failed');
      error.ddpError = frame.error;
      pending.reject(error);
    } else {
      pending.resolve(fromEjson(frame.result));
    }
  }

  onNosub(frame) {
    const sub = this.subscriptionsById.get(frame.id);
    if (!sub) return;
    this.subscriptionsById.delete(frame.id);
    sub.id = null;
    sub.state = frame.error ? 'refused' : 'ended';
    for (const listener of sub.onNosub) {
      try {
        listener(frame.error || null);
      } catch (error) {
        reportError(error);
      }
    }
  }

  onChanged(frame) {
    const fields = frame.fields || {};
    const key = `${frame.collection}|${fields.eventName}`;
    const sub = this.subscriptions.get(key);
    if (!sub) return;
    const args = fromEjson(fields.args || []);
    for (const listener of sub.listeners) {
      try {
        listener(args);
      } catch (error) {
        reportError(error);
      }
    }
  }

  callNow(method, params) {
    return new Promise((resolve, reject) => {
      const id = String(this.nextId++);
      if (!this.send({ msg: 'method', method, params, id })) {
        reject(new Error('disconnected'));
        return;
      }
      const timer = setTimeout(() => {
        this.pendingMethods.delete(id);
        reject(new Error('timeout'));
      }, METHOD_TIMEOUT_MS);
      this.pendingMethods.set(id, { resolve, reject, timer });
    });
  }

  /** Calls a method once logged in; rejects when the socket is down. */
  call(method, params) {
    if (!this.loggedIn) return Promise.reject(new Error('disconnected'));
    return this.callNow(method, params);
  }

  sendSub(sub) {
    sub.id = `s${this.nextId++}`;
    sub.state = 'pending';
    this.subscriptionsById.set(sub.id, sub);
    this.send({
      msg: 'sub',
      id: sub.id,
      name: sub.name,
      params: [sub.event, { useCollection: false, args: [] }],
    });
  }

  /**
   * Subscribes to `event` of stream `name`; `listener(args)` gets each event's args.
   * `onNosub(error)` is told when the server refuses or ends it. Returns the unsubscriber.
   * Several subscribers of one event share one DDP subscription.
   */
  subscribe(name, event, listener, onNosub) {
    const key = `${name}|${event}`;
    let sub = this.subscriptions.get(key);
    if (!sub) {
      sub = { name, event, id: null, state: 'wanted', listeners: new Set(), onNosub: new Set() };
      this.subscriptions.set(key, sub);
      if (this.loggedIn) this.sendSub(sub);
    }
    sub.listeners.add(listener);
    if (onNosub) sub.onNosub.add(onNosub);
    return () => {
      sub.listeners.delete(listener);
      if (onNosub) sub.onNosub.delete(onNosub);
      if (sub.listeners.size > 0 || this.subscriptions.get(key) !== sub) return;
      this.subscriptions.delete(key);
      if (sub.id) {
        this.subscriptionsById.delete(sub.id);
        this.send({ msg: 'unsub', id: sub.id });
      }
    };
  }

  /** Whether a subscription is live. */
  isSubscribed(name, event) {
    const sub = this.subscriptions.get(`${name}|${event}`);
    return Boolean(sub && sub.state === 'ready');
  }
}

function reportError(error) {
  setTimeout(() => {
    throw error;
  });
}
