// Live updates: the websocket at /api/v1/events (docs/events.md) when it is
// there; otherwise "poll" ticks every few seconds. Emits:
//   'event'  {detail: one event object}
//   'poll'   time to re-read what is on screen (no websocket)
//   'resync' {detail: {offlineMs}} the connection came back: re-read everything
//   'mode'   {detail: 'live' | 'polling' | 'offline'}

export const POLL_MS = 4000;

export class Live extends EventTarget {
	constructor() {
		super();
		this.mode = 'connecting';
		this.ws = null;
		this.backoff = 1000;
		this.pollTimer = null;
		this.offlineSince = null;
		this.subs = new Map(); // action id -> after
		this.wsEverOpened = false;
	}

	start() {
		if (typeof WebSocket === 'undefined') { this.setMode('polling'); this.startPolling(); return; }
		this.connect();
	}

	setMode(m) {
		if (this.mode === m) return;
		this.mode = m;
		this.dispatchEvent(new CustomEvent('mode', { detail: m }));
	}

	connect() {
		clearTimeout(this.reconnectTimer);
		let ws;
		try {
			ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/events`);
		} catch {
			this.onWsDown();
			return;
		}
		this.ws = ws;
		ws.onopen = () => {
			this.backoff = 1000;
			this.stopPolling();
			const wasOffline = this.offlineSince;
			this.wsEverOpened = true;
			this.setMode('live');
			ws.send(JSON.stringify({ subscribe: 'list' }));
			for (const [id, after] of this.subs) this.sendSub(id, after);
			// whatever happened while we were not listening: read it again
			if (wasOffline != null || this.hadPolled) {
				this.offlineSince = null;
				this.hadPolled = false;
				this.dispatchEvent(new CustomEvent('resync', { detail: { offlineMs: wasOffline ? Date.now() - wasOffline : 0 } }));
			}
		};
		ws.onmessage = (m) => {
			let msg;
			try { msg = JSON.parse(m.data); } catch { return; }
			// docs/events.md: events come as {seq, event}; output_end closes
			// an output; resync means events were lost: re-read
			if (msg && msg.type === 'resync') {
				this.dispatchEvent(new CustomEvent('resync', { detail: { offlineMs: 0 } }));
				return;
			}
			if (msg && msg.type === 'output_end')
				msg = { type: 'output', action: msg.action, chunks: [], finished: true, state: msg.state };
			for (let ev of Array.isArray(msg) ? msg : [msg]) {
				if (ev && ev.event) ev = ev.event;
				if (ev && ev.type) this.dispatchEvent(new CustomEvent('event', { detail: ev }));
			}
		};
		ws.onclose = () => { if (this.ws === ws) { this.ws = null; this.onWsDown(); } };
		ws.onerror = () => { /* onclose follows */ };
	}

	onWsDown() {
		if (this.mode === 'live' && this.offlineSince == null) this.offlineSince = Date.now();
		if (this.mode !== 'offline') this.setMode('polling');
		this.startPolling();
		this.reconnectTimer = setTimeout(() => this.connect(), this.backoff);
		this.backoff = Math.min(this.backoff * 2, 30000);
	}

	startPolling() {
		if (this.pollTimer) return;
		this.pollTimer = setInterval(() => {
			this.hadPolled = true;
			this.dispatchEvent(new CustomEvent('poll'));
		}, POLL_MS);
	}
	stopPolling() { clearInterval(this.pollTimer); this.pollTimer = null; }

	// The screens tell us whether their polling reads reached the server.
	reportReachable(ok) {
		if (!ok && this.mode !== 'offline') {
			if (this.offlineSince == null) this.offlineSince = Date.now();
			this.setMode('offline');
		} else if (ok && this.mode === 'offline') {
			const ms = Date.now() - (this.offlineSince || Date.now());
			this.offlineSince = null;
			this.setMode(this.ws && this.ws.readyState === 1 ? 'live' : 'polling');
			this.dispatchEvent(new CustomEvent('resync', { detail: { offlineMs: ms } }));
		}
	}

	get live() { return !!(this.ws && this.ws.readyState === 1); }

	// Live output of an action; true when the websocket will push it.
	subscribeOutput(id, after) {
		this.subs.set(id, after);
		return this.sendSub(id, after);
	}
	sendSub(id, after) {
		if (!this.live) return false;
		this.ws.send(JSON.stringify({ subscribe: 'output', action: id, after }));
		return true;
	}
	unsubscribeOutput(id) {
		this.subs.delete(id);
		if (this.live) this.ws.send(JSON.stringify({ unsubscribe: 'output', action: id }));
	}
}
