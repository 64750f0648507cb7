// The board's copy of the hall, kept current from the snapshot and the event stream.
export class HallModel {
  constructor(hall, zone) {
    this.hall = hall;
    this.zone = zone;
    this.reset();
  }

  reset() {
    this.visits = new Map();
    this.calls = [];         // newest first: {ticket, desk, at, key}
    this.desks = new Map();  // number -> {status, ticket, visitState}
    this.paused = false;
    this.announcement = null;
  }

  inZone(desk) {
    if (!this.zone) return true;
    const info = this.hall.desks.find((d) => d.number === desk);
    return info !== undefined && info.zone === this.zone;
  }

  loadSnapshot(snapshot) {
    this.reset();
    this.paused = snapshot.paused;
    this.announcement = snapshot.announcement;
    for (const desk of snapshot.desks) {
      this.desks.set(desk.number, { status: desk.status, ticket: desk.ticket, visitState: desk.visit_state });
    }
    const called = [];
    for (const v of snapshot.visits) {
      this.visits.set(v.visit_id, { ticket: v.ticket, service: v.service_id, state: v.state, desk: v.desk,
                                    pending: [...v.pending_services], returnTo: null });
      if ((v.state === "called" || v.state === "serving") && this.inZone(v.desk)) {
        const walkUp = v.periods.filter((p) => p.kind === "walk_up").pop();
        called.push({ ticket: v.ticket, desk: v.desk, at: walkUp ? walkUp.start : v.issued_at, key: v.visit_id });
      }
    }
    called.sort((a, b) => (a.at < b.at ? 1 : -1));
    this.calls = called.slice(0, this.hall.board.recent_calls);
  }

  // Returns "call" when the event should be announced, otherwise null.
  apply(event) {
    const visit = this.visits.get(event.visit_id);
    switch (event.type) {
      case "ticket_issued":
        this.visits.set(event.visit_id, { ticket: event.ticket, service: event.service_ids[0], state: "waiting",
                                          desk: null, pending: event.service_ids.slice(1), returnTo: null });
        return null;
      case "visit_called":
      case "visit_recalled": {
        if (!visit) return null;
        visit.state = "called";
        visit.desk = event.desk;
        this.setDesk(event.desk, { ticket: visit.ticket, visitState: "called" });
        if (!this.inZone(event.desk)) return null;
        this.calls = this.calls.filter((c) => c.ticket !== visit.ticket);
        this.calls.unshift({ ticket: visit.ticket, desk: event.desk, at: event.at, key: `${event.visit_id}@${event.at}` });
        this.calls = this.calls.slice(0, this.hall.board.recent_calls);
        return "call";
      }
      case "service_started":
        if (visit) visit.state = "serving";
        this.setDesk(event.desk, { visitState: "serving" });
        return null;
      case "service_finished":
        this.setDesk(event.desk, { ticket: null, visitState: null });
        if (!visit) return null;
        if (visit.pending.length) {
          visit.service = visit.pending.shift();
          visit.state = "waiting";
        } else if (visit.returnTo) {
          visit.service = visit.returnTo;
          visit.returnTo = null;
          visit.state = "waiting";
        } else {
          this.visits.delete(event.visit_id);
        }
        return null;
      case "visit_transferred":
        this.setDesk(event.desk, { ticket: null, visitState: null });
        if (visit) {
          if (event.back_to_me) visit.returnTo = visit.service;
          visit.service = event.to_service;
          visit.state = "waiting";
        }
        return null;
      case "visit_postponed":
        this.setDesk(event.desk, { ticket: null, visitState: null });
        if (visit) visit.state = "postponed";
        return null;
      case "visit_no_show":
        this.setDesk(event.desk, { ticket: null, visitState: null });
        this.visits.delete(event.visit_id);
        return null;
      case "visit_cancelled":
        if (visit && visit.desk) this.setDesk(visit.desk, { ticket: null, visitState: null });
        this.visits.delete(event.visit_id);
        return null;
      case "service_added":
        if (visit) visit.pending.push(event.service_id);
        return null;
      case "desk_opened": case "desk_resumed":
        this.setDesk(event.desk, { status: "open" });
        return null;
      case "desk_paused":
        this.setDesk(event.desk, { status: "paused" });
        return null;
      case "desk_closed":
        this.setDesk(event.desk, { status: "closed", ticket: null, visitState: null });
        return null;
      case "hall_paused":
        this.paused = true;
        return null;
      case "hall_resumed":
        this.paused = false;
        return null;
      case "announcement_set":
        this.announcement = event.text_uk || event.text_en ? { uk: event.text_uk, en: event.text_en } : null;
        return null;
      case "day_ended":
        this.reset();
        return null;
      case "visit_carried_over":  // the visitor at a desk when the day ended goes on there
        this.visits.set(event.visit_id, { ticket: event.ticket, service: event.service_id, state: event.state,
                                          desk: event.desk, pending: [...event.pending_services],
                                          returnTo: event.return_to_service });
        this.setDesk(event.desk, { status: "open", ticket: event.ticket, visitState: event.state });
        return null;
      default:
        return null;
    }
  }

  setDesk(number, changes) {
    const desk = this.desks.get(number) || { status: "open", ticket: null, visitState: null };
    this.desks.set(number, { ...desk, ...changes });
  }

  waitingByCategory() {
    const zoneServices = this.zone ? this.zoneServices() : null;
    const counts = new Map();
    for (const category of this.hall.categories) {
      const services = category.service_ids.filter((s) => !zoneServices || zoneServices.has(s));
      if (zoneServices && services.length === 0) continue;
      counts.set(category.id, 0);
    }
    for (const visit of this.visits.values()) {
      if (visit.state !== "waiting") continue;
      const service = this.hall.services[visit.service];
      if (service && counts.has(service.category_id)) counts.set(service.category_id, counts.get(service.category_id) + 1);
    }
    return counts;
  }

  zoneServices() {
    const ids = new Set();
    for (const desk of this.hall.desks) {
      if (desk.zone !== this.zone) continue;
      desk.services.forEach((s) => ids.add(s));
    }
    return ids;
  }
}
