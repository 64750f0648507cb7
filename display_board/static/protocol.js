// The one protocol client of every page (docs/protocol.md "WebSocket /ws"): connects to /ws, authenticates
// (a device token, a session token, or a visitor's visit token or booking code), matches answers to requests
// by increasing ids, gives every command its command_id, keeps its subscriptions across reconnects (a view
// subscription resumes from the last seq it holds), and reconnects alone with a growing delay. Never polls.
const MIN_DELAY = 500;
const MAX_DELAY = 10000;
const QUIET_PING_MS = 30000;  // nothing heard for this long: ask (a subscription's tick comes every 20 s)
const QUIET_DROP_MS = 45000;  // still nothing: the socket is dead even if the browser has not noticed
const CONNECTION_LOST = {
  code: "connection_lost",
  message: { uk: "Немає зв’язку з сервером", en: "No connection to the server" },
};

// A command id: 32 hex characters (a UUID without dashes). crypto.randomUUID exists only on https and
// localhost; a hall's pages are often plain http on the LAN, where getRandomValues still works.
export function commandId() {
  if (crypto.randomUUID) return crypto.randomUUID().replaceAll("-", "");
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class Client {
  // auth: the auth message's fields, e.g. {token}, {visit_token} or {booking_code}.
  // onStatus(online, error?): connected and authenticated, or not (error: an auth_invalid's error).
  // onAuthInvalid(error): the server refused the credentials; the client then retries only every MAX_DELAY
  // (a page that knows the credentials will never become valid calls close()).
  constructor({ auth, onStatus = () => {}, onAuthInvalid = () => {}, onAuthOk = () => {} }) {
    this.auth = auth;
    this.onStatus = onStatus;
    this.onAuthInvalid = onAuthInvalid;
    this.onAuthOk = onAuthOk;
    this.ws = null;
    this.ready = false;           // authenticated on the current socket
    this.stopped = false;
    this.delay = MIN_DELAY;
    this.nextId = 1;              // increasing over the page's life, so also within every connection
    this.pending = new Map();     // request id -> {message, resolve, reject}
    this.retry = [];              // commands to send (again) once connected: same command_id, applied once
    this.subscriptions = [];      // what this page follows, re-established on every connection
    this.live = new Map();        // subscription id on the current socket -> subscription
    this.heard = performance.now();
    this.timer = null;
    this.watchdog = setInterval(() => this.checkQuiet(), 5000);
  }

  start() {
    this.connect();
    return this;
  }

  // Follow the hall's view: onFrame gets every `view` and `patch` frame; after a reconnect the subscription
  // is made again with `since`, the last seq received, so the server sends a catch-up patch.
  subscribe(onFrame) {
    return this.follow("subscribe", onFrame, (sub) => (sub.seq === null ? {} : { since: sub.seq }));
  }

  // A visitor's own visit: onFrame gets every `visit_status` frame.
  watchVisit(onFrame) {
    return this.follow("watch_visit", onFrame, () => ({}));
  }

  follow(type, onFrame, fields) {
    const sub = { type, onFrame, fields, seq: null };
    this.subscriptions.push(sub);
    if (this.ready) this.open(sub);
    return sub;
  }

  // A request answered by a `result` (or `pong`): resolves with the result, rejects with the error
  // ({code, message: {uk, en}}). A request cut by a lost connection is rejected with `connection_lost`.
  request(type, fields = {}) {
    return new Promise((resolve, reject) => {
      if (!this.ready) { reject(CONNECTION_LOST); return; }
      this.send({ type, ...fields }, resolve, reject);
    });
  }

  // A command (anything that changes the hall) with its command_id. One cut by a lost connection, or given
  // while offline, is sent again once connected, with the same command_id: the server applies it once.
  command(type, fields = {}) {
    const message = { type, command_id: commandId(), ...fields };
    return new Promise((resolve, reject) => {
      const entry = { message, resolve, reject, command: true };
      if (this.ready) this.send(message, resolve, reject, true);
      else this.retry.push(entry);
    });
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    if (this.ws) this.detach(this.ws).close();
    this.ws = null;
    this.ready = false;
  }

  // -- the socket ------------------------------------------------------------------------------------------
  connect() {
    if (this.stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws`);
    this.ws = ws;
    this.heard = performance.now();
    ws.onmessage = (frame) => {
      this.heard = performance.now();
      this.receive(JSON.parse(frame.data));
    };
    ws.onclose = () => this.closed(ws);
  }

  detach(ws) {
    ws.onmessage = null;
    ws.onclose = null;
    return ws;
  }

  closed(ws) {
    if (ws !== this.ws) return;
    this.detach(ws);
    this.ws = null;
    this.ready = false;
    this.live.clear();
    for (const entry of this.pending.values()) {
      if (entry.command) this.retry.push(entry);
      else entry.reject(CONNECTION_LOST);
    }
    this.pending.clear();
    if (this.stopped) return;
    this.onStatus(false);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, MAX_DELAY);
  }

  // A socket that went silent (a cable pulled, a router rebooted) may not close for minutes: ask, then drop it.
  checkQuiet() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const quiet = performance.now() - this.heard;
    if (quiet > QUIET_DROP_MS) {
      const ws = this.ws;
      this.closed(ws);
      ws.close();
    } else if (quiet > QUIET_PING_MS && this.ready) {
      this.request("ping").catch(() => {});
    }
  }

  send(message, resolve, reject, command = false) {
    const id = this.nextId++;
    this.pending.set(id, { message, resolve, reject, command });
    this.ws.send(JSON.stringify({ id, ...message }));
    return id;
  }

  open(sub) {
    const id = this.send({ type: sub.type, ...sub.fields(sub) }, () => {
      this.delay = MIN_DELAY;  // a working connection: the next cut retries quickly again
    }, (error) => {
      // Refused (rate limited, too many subscriptions): start again on a fresh connection, after the delay.
      console.warn(`${sub.type} refused`, error);
      this.live.delete(id);
      if (this.ws) this.ws.close();
    });
    this.live.set(id, sub);
  }

  receive(message) {
    switch (message.type) {
      case "auth_required":
        this.ws.send(JSON.stringify({ type: "auth", ...this.auth }));
        break;
      case "auth_ok": {
        this.ready = true;
        this.onStatus(true);
        this.onAuthOk(message);
        if (!this.ready) break;  // the page closed the client
        this.subscriptions.forEach((sub) => this.open(sub));
        const again = this.retry;
        this.retry = [];
        again.forEach((entry) => this.send(entry.message, entry.resolve, entry.reject, true));
        break;
      }
      case "auth_invalid":
        this.delay = MAX_DELAY;  // a bad token stays bad: do not hammer the server with it
        this.onAuthInvalid(message.error);
        if (!this.stopped) this.onStatus(false, message.error);
        break;
      case "result":
      case "pong": {
        const entry = this.pending.get(message.id);
        if (!entry) break;
        this.pending.delete(message.id);
        if (message.type === "pong" || message.success) entry.resolve(message.result);
        else entry.reject(message.error);
        break;
      }
      default: {  // view, patch, visit_status: a subscription's frame
        const sub = this.live.get(message.id);
        if (!sub) break;
        // A view sets where the hall is (also lower: a replaced database); a patch never goes back.
        if (message.type === "view" || (message.type === "patch" && (sub.seq === null || message.seq >= sub.seq))) sub.seq = message.seq;
        sub.onFrame(message);
      }
    }
  }
}
