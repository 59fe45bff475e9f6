// Canned responses the signed-in user may use: read once, then kept current through the
// `stream-canned-responses` stream.

export class CannedResponses extends EventTarget {
  constructor({ api, ddp }) {
    super();
    this.api = api;
    this.ddp = ddp;
    this.responses = new Map();
    this.unsubscribe = null;
    this.loading = null;
  }

  start() {
    this.unsubscribe = this.ddp.subscribe('stream-canned-responses', 'canned-responses', (args) => {
      for (const event of args || []) {
        if (!event || !event._id) continue;
        if (event.type === 'removed') {
          this.responses.delete(event._id);
        } else {
          const { type, ...response } = event;
          this.responses.set(event._id, { ...(this.responses.get(event._id) || {}), ...response });
        }
      }
      this.dispatchEvent(new Event('change'));
    });
    return this.reload();
  }

  stop() {
    if (this.unsubscribe) this.unsubscribe();
    this.unsubscribe = null;
  }

  /** Re-reads the list (at start and after a reconnect). */
  reload() {
    this.loading = this.api
      .get('canned-responses.get')
      .then((answer) => {
        this.responses = new Map((answer.responses || []).map((response) => [response._id, response]));
        this.dispatchEvent(new Event('change'));
      })
      .catch(() => {
        // Canned responses switched off or not allowed: the box simply offers none.
        this.responses = new Map();
      });
    return this.loading;
  }

  /** Responses whose shortcut starts with `prefix` (then those containing it), by shortcut. */
  match(prefix) {
    const needle = prefix.toLowerCase();
    const all = [...this.responses.values()].filter((response) => response.shortcut);
    const starts = all.filter((response) => response.shortcut.toLowerCase().startsWith(needle));
    const contains = all.filter(
      (response) => !response.shortcut.toLowerCase().startsWith(needle) && response.shortcut.toLowerCase().includes(needle),
    );
    const byShortcut = (a, b) => a.shortcut.localeCompare(b.shortcut);
    return [...starts.sort(byShortcut), ...contains.sort(byShortcut)].slice(0, 20);
  }
}
