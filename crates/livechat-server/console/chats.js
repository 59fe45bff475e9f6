// The chat lists: the queue, the signed-in user's open chats and, for managers and admins,
// every open chat. `ChatStore` holds what the lists show and keeps it current (REST reads,
// the queue and room streams); `ChatLists` draws it.
//
// Unread counts are kept here: a room's count is the visitor messages newer than the last
// one the user saw in that room (remembered per user in localStorage); for a room never
// opened, the visitor messages after the last agent reply.

import { h, replaceChildren, timeElement, uniqueId, errorText } from './dom.js';

const RECENT_LIMIT = 20;
const POLL_MS = 15_000;

/** The visitor's display name of a room or an inquiry. */
export function visitorName(item) {
  if (!item) return 'Visitor';
  return item.fname || item.name || (item.v && (item.v.name || item.v.username)) || 'Visitor';
}

/** A one-line text for a message, as list previews show it. */
export function previewText(message) {
  if (!message) return '';
  if (message.t) return systemText(message);
  if (message.msg) return message.msg;
  if (message.file && message.file.name) return `File: ${message.file.name}`;
  if (message.attachments && message.attachments.length) {
    const title = message.attachments[0] && message.attachments[0].title;
    return title ? `File: ${title}` : 'File';
  }
  if (message.file) return 'File';
  return '';
}

/** The notice text of a system message. */
export function systemText(message) {
  const who = (message.u && (message.u.name || message.u.username)) || 'Someone';
  switch (message.t) {
    case 'livechat-started':
      return 'Chat started';
    case 'uj':
      return `${who} joined the chat`;
    case 'ul':
      return `${who} left the chat`;
    case 'livechat-close':
      return message.msg ? `Chat closed: ${message.msg}` : 'Chat closed';
    case 'livechat_transfer_history': {
      const data = message.transferData || {};
      const by = (data.transferredBy && (data.transferredBy.name || data.transferredBy.username)) || who;
      let target = '';
      if (data.scope === 'department' && data.nextDepartment) target = `department ${data.nextDepartment.name || ''}`.trim();
      else if (data.transferredTo) target = data.transferredTo.name || data.transferredTo.username || '';
      else if (data.nextDepartment) target = `department ${data.nextDepartment.name || ''}`.trim();
      else if (data.scope === 'queue') target = 'the queue';
      let text = target ? `${by} transferred the chat to ${target}` : `${by} transferred the chat`;
      if (data.comment) text += `: ${data.comment}`;
      return text;
    }
    case 'livechat_transcript_history':
      return 'Transcript requested';
    case 'livechat_navigation_history':
      return message.msg || 'Visitor navigated';
    case 'livechat_video_call':
      return 'Call';
    default:
      return message.msg || message.t;
  }
}

function ts(value) {
  const time = Date.parse(value || '');
  return Number.isNaN(time) ? 0 : time;
}

export class ChatStore extends EventTarget {
  constructor({ api, ddp, me }) {
    super();
    this.api = api;
    this.ddp = ddp;
    this.me = me;
    const roles = me.roles || [];
    this.isManager = roles.includes('admin') || roles.includes('livechat-manager');
    this.queue = new Map();
    this.mine = new Map();
    this.all = new Map();
    /** rid -> recent messages (oldest first), for previews and unread counts */
    this.recent = new Map();
    this.unread = new Map();
    this.unreadMore = new Map();
    this.openRid = null;
    this.loaded = false;
    this.roomSubscriptions = new Map();
    this.queueSubscriptions = new Map();
    this.unsubscribers = [];
    this.refreshTimer = null;
    this.pollTimer = null;
    this.seenKey = `livechat-console-seen:${me._id}`;
    this.seen = this.readSeen();
  }

  readSeen() {
    try {
      return JSON.parse(localStorage.getItem(this.seenKey) || '{}') || {};
    } catch {
      return {};
    }
  }

  writeSeen() {
    try {
      localStorage.setItem(this.seenKey, JSON.stringify(this.seen));
    } catch {
      // Storage full or disabled: counts start over next time.
    }
  }

  changed(detail = {}) {
    this.dispatchEvent(new CustomEvent('change', { detail }));
  }

  alert(detail) {
    if (this.loaded) this.dispatchEvent(new CustomEvent('alert', { detail }));
  }

  /** Starts the live updates. */
  start() {
    const uid = this.me._id;
    this.unsubscribers.push(
      this.ddp.subscribe(
        'stream-notify-user',
        `${uid}/rooms-changed`,
        () => this.scheduleRefresh(),
        () => this.startPolling(),
      ),
    );
    this.unsubscribers.push(
      this.ddp.subscribe('stream-livechat-inquiry-queue-observer', 'public', (args) =>
        this.onQueueEvent(args),
      ),
    );
    this.subscribeDepartmentQueues().catch(() => {});
  }

  stop() {
    clearTimeout(this.refreshTimer);
    clearInterval(this.pollTimer);
    this.unsubscribers.forEach((unsubscribe) => unsubscribe());
    this.unsubscribers = [];
    for (const unsubscribe of this.roomSubscriptions.values()) unsubscribe();
    this.roomSubscriptions.clear();
    for (const unsubscribe of this.queueSubscriptions.values()) unsubscribe();
    this.queueSubscriptions.clear();
  }

  /** Polls the lists when the server cannot tell the user about assigned rooms. */
  startPolling() {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => {
      if (this.ddp.status === 'connected') this.refresh().catch(() => {});
    }, POLL_MS);
  }

  async subscribeDepartmentQueues() {
    let ids = [];
    if (this.isManager) {
      const answer = await this.api.get('livechat/department', { count: 100 });
      ids = (answer.departments || []).map((department) => department._id);
    } else {
      const answer = await this.api.get(`livechat/agents/${encodeURIComponent(this.me._id)}/departments`);
      ids = (answer.departments || []).map((membership) => membership.departmentId || membership._id);
    }
    for (const id of ids.filter(Boolean)) {
      if (this.queueSubscriptions.has(id)) continue;
      this.queueSubscriptions.set(
        id,
        this.ddp.subscribe('stream-livechat-inquiry-queue-observer', `department/${id}`, (args) =>
          this.onQueueEvent(args),
        ),
      );
    }
  }

  onQueueEvent(args) {
    let added = null;
    for (const event of args || []) {
      if (!event || !event._id) continue;
      if (event.type === 'removed' || event.status === 'taken') {
        this.queue.delete(event._id);
      } else {
        const isNew = !this.queue.has(event._id);
        const { type, ...inquiry } = event;
        this.queue.set(event._id, { ...(this.queue.get(event._id) || {}), ...inquiry });
        if (isNew && type !== 'removed') added = inquiry;
      }
    }
    this.changed();
    if (added) this.alert({ kind: 'queue', rid: added.rid, name: visitorName(added), text: added.message || 'New chat in the queue' });
    // A take or a transfer may have changed the user's own chats.
    this.scheduleRefresh();
  }

  scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh().catch(() => {}), 250);
  }

  /** Re-reads the lists (and the recent messages of the user's chats). */
  async refresh({ force = false } = {}) {
    const requests = [
      this.api.get(this.isManager ? 'livechat/inquiries.list' : 'livechat/inquiries.queuedForUser', { count: 100 }),
      this.api.get('livechat/rooms', { open: true, 'agents[]': [this.me._id], count: 100 }),
      this.isManager ? this.api.get('livechat/rooms', { open: true, count: 100 }) : null,
    ];
    const [queueAnswer, mineAnswer, allAnswer] = await Promise.all(requests);

    this.queue = new Map(
      (queueAnswer.inquiries || [])
        .filter((inquiry) => inquiry.status !== 'taken')
        .map((inquiry) => [inquiry._id, inquiry]),
    );

    const previousMine = this.mine;
    this.mine = new Map();
    for (const room of mineAnswer.rooms || []) {
      if (room.open && room.servedBy && room.servedBy._id === this.me._id) this.mine.set(room._id, room);
    }
    this.all = new Map((allAnswer ? allAnswer.rooms || [] : []).filter((room) => room.open).map((room) => [room._id, room]));

    const newRooms = [...this.mine.keys()].filter((rid) => !previousMine.has(rid));
    this.syncRoomSubscriptions();
    // Re-read the recent messages of rooms with news (all of them after a reconnect).
    const stale = (room) => {
      const list = this.recent.get(room._id);
      if (force || !list) return true;
      const last = list[list.length - 1];
      return ts(room.lm) > (last ? ts(last.ts) : 0);
    };
    const rooms = new Map([...this.all, ...this.mine]);
    const synced = [...rooms.values()].filter(stale).map((room) => room._id);
    await Promise.all(synced.map((rid) => this.syncRecent(rid).catch(() => {})));
    this.changed();
    if (this.loaded) {
      for (const rid of newRooms) {
        const room = this.mine.get(rid);
        this.alert({ kind: 'room', rid, name: visitorName(room), text: 'New chat assigned to you' });
      }
    }
    this.loaded = true;
  }

  syncRoomSubscriptions() {
    for (const [rid, unsubscribe] of this.roomSubscriptions) {
      if (!this.mine.has(rid)) {
        unsubscribe();
        this.roomSubscriptions.delete(rid);
      }
    }
    for (const rid of this.mine.keys()) {
      if (this.roomSubscriptions.has(rid)) continue;
      this.roomSubscriptions.set(
        rid,
        this.ddp.subscribe(
          'stream-room-messages',
          rid,
          (args) => args.forEach((message) => this.onMessage(message)),
          () => this.scheduleRefresh(),
        ),
      );
    }
  }

  /** Reads the newest messages of `rid` (after a reconnect, they may be new). */
  async syncRecent(rid) {
    const answer = await this.api.get(`livechat/messages.history/${encodeURIComponent(rid)}`, { limit: RECENT_LIMIT });
    const messages = (answer.messages || []).slice().reverse();
    const before = this.unread.get(rid) || 0;
    this.recent.set(rid, messages);
    this.recount(rid);
    const after = this.unread.get(rid) || 0;
    if (this.loaded && after > before) {
      const last = messages[messages.length - 1];
      this.alert({ kind: 'message', rid, name: this.nameOf(rid), text: previewText(last) });
    }
  }

  nameOf(rid) {
    const room = this.mine.get(rid) || this.all.get(rid);
    if (room) return visitorName(room);
    for (const inquiry of this.queue.values()) if (inquiry.rid === rid) return visitorName(inquiry);
    return 'Visitor';
  }

  roomOf(rid) {
    return this.mine.get(rid) || this.all.get(rid) || null;
  }

  inquiryOf(rid) {
    for (const inquiry of this.queue.values()) if (inquiry.rid === rid) return inquiry;
    return null;
  }

  isVisitorMessage(rid, message) {
    if (!message || message.t) return false;
    const room = this.roomOf(rid);
    if (room && room.v) return message.u && message.u._id === room.v._id;
    return Boolean(message.u && message.u.username && message.u.username.startsWith('guest-'));
  }

  /** A new or edited message of one of the user's rooms. */
  onMessage(message) {
    const rid = message.rid;
    if (!rid) return;
    const list = this.recent.get(rid) || [];
    const index = list.findIndex((item) => item._id === message._id);
    const isNew = index === -1;
    if (isNew) {
      list.push(message);
      list.sort((a, b) => ts(a.ts) - ts(b.ts));
      if (list.length > RECENT_LIMIT * 2) list.splice(0, list.length - RECENT_LIMIT * 2);
    } else {
      list[index] = message;
    }
    this.recent.set(rid, list);
    const before = this.unread.get(rid) || 0;
    if (rid === this.openRid && !document.hidden) this.markSeen(rid, false);
    this.recount(rid);
    this.changed({ rid });
    if (isNew && this.isVisitorMessage(rid, message)) {
      const after = this.unread.get(rid) || 0;
      if (after > before || (rid === this.openRid && document.hidden)) {
        this.alert({ kind: 'message', rid, name: this.nameOf(rid), text: previewText(message) });
      }
    }
    if (message.t === 'livechat-close' || message.t === 'livechat_transfer_history' || message.t === 'ul') {
      this.scheduleRefresh();
    }
  }

  /** A message removed from `rid`. */
  onMessageDeleted(rid, id) {
    const list = this.recent.get(rid);
    if (!list) return;
    this.recent.set(rid, list.filter((message) => message._id !== id));
    this.recount(rid);
    this.changed({ rid });
  }

  recount(rid) {
    const list = this.recent.get(rid) || [];
    const seen = this.seen[rid];
    let count = 0;
    if (seen) {
      const seenAt = ts(seen);
      count = list.filter((message) => this.isVisitorMessage(rid, message) && ts(message.ts) > seenAt).length;
    } else {
      for (let i = list.length - 1; i >= 0; i -= 1) {
        const message = list[i];
        if (message.t) continue;
        if (!this.isVisitorMessage(rid, message)) break;
        count += 1;
      }
    }
    this.unread.set(rid, count);
    // Every message read back is unread: there may be more before them.
    const visitorMessages = list.filter((message) => !message.t).length;
    this.unreadMore.set(rid, count > 0 && count === visitorMessages && list.length >= RECENT_LIMIT);
  }

  /** The user has seen everything in `rid` (the conversation is open and visible). */
  markSeen(rid, notify = true) {
    const list = this.recent.get(rid) || [];
    const last = list[list.length - 1];
    const stamp = last ? last.ts : new Date().toISOString();
    if (!this.seen[rid] || ts(stamp) > ts(this.seen[rid])) {
      this.seen[rid] = stamp;
      // Forget rooms that left the lists.
      for (const key of Object.keys(this.seen)) {
        if (key !== rid && !this.mine.has(key) && !this.all.has(key) && this.loaded) delete this.seen[key];
      }
      this.writeSeen();
    }
    this.recount(rid);
    if (notify) this.changed({ rid });
  }

  setOpenRoom(rid) {
    this.openRid = rid;
    if (rid) this.markSeen(rid);
  }

  /** Sum of unread messages in the user's chats, plus chats waiting in the queue. */
  attentionCount() {
    let total = this.queue.size;
    for (const rid of this.mine.keys()) total += this.unread.get(rid) || 0;
    return total;
  }

  lastMessage(rid) {
    const list = this.recent.get(rid) || [];
    for (let i = list.length - 1; i >= 0; i -= 1) {
      const message = list[i];
      if (message.t && message.t !== 'livechat-close') continue;
      return message;
    }
    return list[list.length - 1] || null;
  }
}

/** Draws the lists of a `ChatStore` into regions "Queue", "My chats" and "All chats". */
export class ChatLists {
  constructor(store, { onTake, notify }) {
    this.store = store;
    this.onTake = onTake;
    this.notify = notify;
    this.element = h('div', { class: 'lists' });
    this.queueSection = this.section('Queue', 'No chats waiting.');
    this.mineSection = this.section('My chats', 'No open chats.');
    this.element.append(this.queueSection.root, this.mineSection.root);
    if (store.isManager) {
      this.allSection = this.section('All chats', 'No open chats.');
      this.element.append(this.allSection.root);
    }
    store.addEventListener('change', () => this.render());
    this.render();
  }

  section(title, emptyText) {
    const headingId = uniqueId('list-heading');
    const count = h('span', { class: 'count' });
    const list = h('ul', { class: 'chat-list' });
    const empty = h('p', { class: 'empty' }, emptyText);
    const root = h(
      'section',
      // Named by the title alone: the count beside it changes, the region's name does not.
      { class: 'list-section', 'aria-label': title },
      h('h2', { id: headingId }, title, ' ', count),
      list,
      empty,
    );
    return { root, list, empty, count, items: new Map() };
  }

  render() {
    const store = this.store;
    const queue = [...store.queue.values()].sort((a, b) => ts(a.ts) - ts(b.ts));
    this.fill(this.queueSection, queue, (inquiry) => this.queueItem(inquiry));
    const activity = (room) => {
      const last = store.lastMessage(room._id);
      return Math.max(ts(room.lm || room.ts), last ? ts(last.ts) : 0);
    };
    const byActivity = (a, b) => activity(b) - activity(a);
    this.fill(this.mineSection, [...store.mine.values()].sort(byActivity), (room) => this.roomItem(room, true));
    if (this.allSection) {
      this.fill(this.allSection, [...store.all.values()].sort(byActivity), (room) => this.roomItem(room, false));
    }
  }

  fill(section, items, draw) {
    // Redrawing must not take the keyboard focus away from the list.
    const active = document.activeElement;
    let focus = null;
    if (active && section.list.contains(active)) {
      const item = active.closest('li');
      if (item) focus = { rid: item.dataset.rid, selector: active.tagName === 'A' ? 'a' : 'button' };
    }
    const nodes = items.map(draw);
    replaceChildren(section.list, nodes);
    if (focus) {
      const item = nodes.find((node) => node.dataset.rid === focus.rid);
      const target = item && item.querySelector(focus.selector);
      if (target) target.focus();
    }
    section.list.hidden = nodes.length === 0;
    section.empty.hidden = nodes.length > 0;
    section.count.textContent = nodes.length ? `(${nodes.length})` : '';
  }

  queueItem(inquiry) {
    const name = visitorName(inquiry);
    const take = h(
      'button',
      {
        type: 'button',
        class: 'button small primary',
        onclick: async () => {
          take.disabled = true;
          try {
            await this.onTake(inquiry);
          } catch (error) {
            const offline = error && error.errorType === 'error-agent-status-service-offline';
            this.notify(
              offline ? 'Could not take the chat: switch on "Available" first.' : `Could not take the chat: ${errorText(error)}`,
              'error',
            );
          } finally {
            take.disabled = false;
          }
        },
      },
      'Take',
    );
    return h(
      'li',
      { class: 'chat-item', 'aria-label': name, dataset: { rid: inquiry.rid } },
      h(
        'a',
        { class: 'chat-link', href: `#/chat/${encodeURIComponent(inquiry.rid)}`, 'aria-current': this.store.openRid === inquiry.rid ? 'page' : false },
        h('span', { class: 'chat-name' }, name),
        h('span', { class: 'chat-preview' }, inquiry.message || 'Waiting for an agent'),
      ),
      h('span', { class: 'chat-side' }, timeElement(inquiry.ts), take),
    );
  }

  roomItem(room, mine) {
    const store = this.store;
    const name = visitorName(room);
    const last = store.lastMessage(room._id);
    const unread = mine ? store.unread.get(room._id) || 0 : 0;
    let preview = last ? previewText(last) : '';
    if (!mine && !room.servedBy) preview = preview || 'Waiting in the queue';
    const side = h('span', { class: 'chat-side' }, timeElement((last && last.ts) || room.lm || room.ts));
    if (unread > 0) {
      const shown = store.unreadMore.get(room._id) ? `${unread}+` : String(unread);
      side.append(h('span', { class: 'badge', role: 'img', 'aria-label': `${shown} unread` }, shown));
    }
    if (!mine) {
      const agent = room.servedBy ? room.servedBy.username : 'queued';
      side.append(h('span', { class: 'chat-agent' }, agent));
    }
    return h(
      'li',
      { class: `chat-item${unread ? ' unread' : ''}`, 'aria-label': name, dataset: { rid: room._id } },
      h(
        'a',
        { class: 'chat-link', href: `#/chat/${encodeURIComponent(room._id)}`, 'aria-current': store.openRid === room._id ? 'page' : false },
        h('span', { class: 'chat-name' }, name),
        h('span', { class: 'chat-preview' }, preview),
      ),
      side,
    );
  }
}
