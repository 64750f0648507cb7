// One WebSocket to the server: auth with the device token, subscribe from the last sequence number,
// reconnect alone with a growing delay. Never polls.
export class Connection {
  constructor({ token, onSnapshot, onEvent, onStatus }) {
    this.token = token;
    this.onSnapshot = onSnapshot;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.lastSeq = null;    // the last event applied; null until the first snapshot
    this.replaying = 0;     // events still to come from a replay (not announced aloud)
    this.delay = 500;
    this.connect();
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws`);
    this.ws = ws;
    ws.onmessage = (frame) => this.receive(JSON.parse(frame.data));
    ws.onclose = () => {
      this.onStatus(false);
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10000);
    };
  }

  receive(message) {
    if (message.type === "auth_required") {
      this.ws.send(JSON.stringify({ type: "auth", token: this.token }));
    } else if (message.type === "auth_ok") {
      const subscribe = { id: 1, type: "subscribe_events" };
      if (this.lastSeq !== null) subscribe.since = this.lastSeq;
      this.ws.send(JSON.stringify(subscribe));
    } else if (message.type === "auth_invalid") {
      this.onStatus(false, message.error);
    } else if (message.type === "result" && message.id === 1 && message.success) {
      this.delay = 500;
      this.onStatus(true);
      if (message.result.snapshot) {
        this.lastSeq = message.result.seq;
        this.replaying = 0;
        this.onSnapshot(message.result.snapshot);
      } else {
        this.replaying = message.result.replay;
      }
    } else if (message.type === "event") {
      if (this.lastSeq !== null && message.seq <= this.lastSeq) return;
      this.lastSeq = message.seq;
      const live = this.replaying === 0;
      if (!live) this.replaying -= 1;
      this.onEvent(message.event, live);
    }
  }
}

export function clockText(labels, now) {
  const time = now.toLocaleTimeString("uk-UA", { hour: "2-digit", minute: "2-digit" });
  const date = `${labels.weekdays[now.getDay()]}, ${now.getDate()} ${labels.months[now.getMonth()]}`;
  return { time, date };
}
