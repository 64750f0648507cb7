// A screen's copy of the hall: the server's view, patched by key (docs/protocol.md "Views"). The same rules as
// cherha_client/view.py (HallView.apply); no domain rule is re-derived here: a page only draws what it holds.
const ANNOTATIONS = new Set(["at", "cause"]); // about a patch, not part of the view

export class HallView {
  constructor() {
    this.seq = null;
    this.fields = {};          // day, paused, pause_reason, announcement, closed_services, dispatch
    this.desks = new Map();    // number -> desk view
    this.visits = new Map();   // visit_id -> visit view
    this.queues = {};          // service id -> {waiting, longest_wait_seconds, waiting_since, ahead, ...}
    this.calls = [];           // the standing calls, newest first
    this.messages = [];
    this.now = null;           // the hall's time at the last frame (ISO, with the hall's offset)
    this.nowAt = 0;            // performance.now() when it was received
    this.newCalls = [];        // after apply: the calls whose key did not stand before this frame
  }

  get ready() { return this.seq !== null; }

  // A frame that changes the hall as it happens (a call in it is to be announced), rather than a whole view or
  // the catch-up after a cut, which bring calls made while the screen was away.
  static isLive(frame) { return frame.type === "patch" && frame.patch.cause !== "resume"; }

  // Apply a `view` or `patch` frame; returns what changed (the view or the patch), or null for a patch older
  // than what is held (never sent by the server; ignored rather than let a screen go back).
  apply(frame) {
    const before = new Set(this.calls.map((call) => call.key));
    let changes;
    if (frame.type === "view") {
      this.load(frame.view);
      changes = frame.view;
    } else {
      if (this.seq !== null && frame.seq < this.seq) return null;
      this.seq = frame.seq;
      this.patch(frame.patch);
      changes = frame.patch;
    }
    this.newCalls = changes.calls ? this.calls.filter((call) => !before.has(call.key)) : [];
    return changes;
  }

  load(view) {
    this.seq = view.seq;
    this.setNow(view.now);
    this.fields = {};
    this.desks = new Map();
    this.visits = new Map();
    this.queues = {};
    this.calls = [];
    this.messages = [];
    this.patch(Object.fromEntries(Object.entries(view).filter(([name]) => name !== "seq" && name !== "now")));
  }

  patch(patch) {
    for (const [name, value] of Object.entries(patch)) {
      if (name === "at") this.setNow(value);
      else if (name === "desks") value.forEach((desk) => this.desks.set(desk.number, desk));
      else if (name === "visits") value.forEach((visit) => this.visits.set(visit.visit_id, visit));
      else if (name === "gone") value.forEach((visitId) => this.visits.delete(visitId));
      else if (name === "queues") Object.assign(this.queues, value);
      else if (name === "calls") this.calls = [...value];
      else if (name === "messages") this.messages.push(...value);
      else if (!ANNOTATIONS.has(name)) this.fields[name] = value;
    }
  }

  setNow(iso) {
    this.now = iso;
    this.nowAt = performance.now();
  }

  // The hall's time now, in milliseconds since the epoch: the last frame's time plus what elapsed here since.
  hallTime() {
    return this.now === null ? Date.now() : Date.parse(this.now) + (performance.now() - this.nowAt);
  }

  // A Date whose UTC fields read the hall's wall clock (its offset, whatever the screen's own time zone).
  wallClock() {
    return new Date(this.hallTime() + utcOffsetMinutes(this.now) * 60000);
  }

  // The same shape as `get_state` without `now` (what tests compare with the server's own view).
  asView() {
    return {
      seq: this.seq, ...this.fields,
      desks: [...this.desks.keys()].sort((a, b) => a - b).map((n) => this.desks.get(n)),
      visits: [...this.visits.values()].sort((a, b) => (a.visit_id < b.visit_id ? -1 : a.visit_id > b.visit_id ? 1 : 0)),
      queues: this.queues, calls: this.calls, messages: this.messages,
    };
  }
}

// "2026-11-24T10:00:00+02:00" -> 120; "…Z" or no time: 0.
export function utcOffsetMinutes(iso) {
  const match = /([+-])(\d\d):?(\d\d)$/.exec(iso || "");
  if (!match) return 0;
  return (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}
