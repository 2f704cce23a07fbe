// Small helpers shared by the screens: element builder, times, status words.

export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v == null || v === false) continue;
			if (k === 'class') el.className = v;
			else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
			else if (k === 'dataset') Object.assign(el.dataset, v);
			else if (k === 'value') el.value = v;
			else if (k === 'checked') el.checked = !!v;
			else if (v === true) el.setAttribute(k, '');
			else el.setAttribute(k, v);
		}
	}
	for (const c of children.flat(Infinity)) {
		if (c == null || c === false) continue;
		el.append(c instanceof Node ? c : String(c));
	}
	return el;
}

// Status words for people: no state-machine names.
const LABELS = {
	CreatePending: 'Creating…', UpdatePending: 'Updating…', ArchivePending: 'Archiving…',
	Running: 'Running', Failure: 'Failure', Archived: 'Archived', CleanupFailed: 'Cleanup failed',
};
export const STATUSES = Object.keys(LABELS);
export function statusLabel(s) { return LABELS[s] || s; }
export function isArchivedStatus(s) { return s === 'Archived' || s === 'CleanupFailed'; }

export function badge(d) {
	const busy = d.busy || /Pending$/.test(d.status);
	const b = h('span', { class: `badge s-${d.status}`, 'data-status': d.status },
		busy ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null,
		h('span', null, statusLabel(d.status),
			d.status === 'Failure' && d.failure_reason ? h('span', { class: 'reason' }, ': ' + d.failure_reason) : null));
	if (busy && !/Pending$/.test(d.status)) b.append(h('span', { class: 'sr-only' }, ' (busy)'));
	return b;
}

const ACTION_STATES = {
	queued: 'Waiting', running: 'Running', succeeded: 'Succeeded', failed: 'Failed',
	interrupted: 'Interrupted', timed_out: 'Timed out',
};
export function actionStateBadge(a) {
	return h('span', { class: `badge a-${a.state}` },
		(a.state === 'running' || a.state === 'queued') ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null,
		ACTION_STATES[a.state] || a.state);
}

// One formatter for every time shown: toLocaleString with options builds
// a new one each call (0.15 ms in Chromium; a list of 100 rows shows 200+)
const EXACT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
export function exactTime(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	return (isNaN(d) ? 'Invalid Date' : EXACT.format(d)) + ' (' + iso + ')';
}

export function relTime(iso, now = Date.now()) {
	if (!iso) return '—';
	const s = Math.round((now - new Date(iso).getTime()) / 1000);
	const a = Math.abs(s);
	let v;
	if (a < 10) return 'just now';
	if (a < 60) v = [a, 'second'];
	else if (a < 3600) v = [Math.round(a / 60), 'minute'];
	else if (a < 86400) v = [Math.round(a / 3600), 'hour'];
	else if (a < 86400 * 30) v = [Math.round(a / 86400), 'day'];
	else if (a < 86400 * 365) v = [Math.round(a / (86400 * 30)), 'month'];
	else v = [Math.round(a / (86400 * 365)), 'year'];
	const txt = `${v[0]} ${v[1]}${v[0] === 1 ? '' : 's'}`;
	return s >= 0 ? `${txt} ago` : `in ${txt}`;
}

// <time> with a relative text, the exact time on hover; refreshed by tickTimes().
export function timeEl(iso) {
	if (!iso) return h('span', { class: 'muted' }, '—');
	return h('time', { datetime: iso, title: exactTime(iso), class: 'rel' }, relTime(iso));
}
export function tickTimes(root = document) {
	const now = Date.now();
	for (const t of root.querySelectorAll('time.rel')) {
		const r = relTime(t.getAttribute('datetime'), now);
		if (t.textContent !== r) t.textContent = r;
	}
}

export function duration(ms) {
	if (ms == null) return '—';
	if (ms < 1000) return `${ms} ms`;
	const s = ms / 1000;
	if (s < 60) return `${s.toFixed(1)} s`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
	return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function debounce(fn, ms) {
	let t;
	return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}

// Toasts: short messages; errors stay until dismissed.
export function toast(msg, kind = 'info', ms = 5000) {
	const box = document.getElementById('toasts');
	const t = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
		h('span', null, msg),
		h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss', onclick: () => t.remove() }, '×'));
	box.append(t);
	if (kind !== 'error') setTimeout(() => t.remove(), ms);
	return t;
}

// The same rules as the server (docs/API.md "Validation rules").
export function nameProblem(n) {
	if (n === '') return 'Enter a name.';
	if (n.length > 63) return `A name is at most 63 characters (this one has ${n.length}).`;
	if (!/^[a-z]/.test(n)) return 'A name must start with a lower-case letter (a–z).';
	const bad = n.match(/[^-a-z0-9]/);
	if (bad) return `A name may contain only lower-case letters, digits and '-' (not '${bad[0]}').`;
	if (n.endsWith('-')) return "A name must not end with '-'.";
	return null;
}
export const NAME_RULE = "Lower-case letters, digits and '-'; starts with a letter, does not end with '-'; at most 63 characters. It becomes part of the web address.";

export function tagProblem(t) {
	if (t === '') return 'Enter a tag (the version to deploy).';
	if (t.length > 128) return 'A tag is at most 128 characters.';
	if (!/^[A-Za-z0-9_]/.test(t)) return "A tag must start with a letter, a digit or '_'.";
	const bad = t.match(/[^A-Za-z0-9_.-]/);
	if (bad) return `A tag may contain only letters, digits, '_', '.' and '-' (not '${bad[0] === ' ' ? 'space' : bad[0]}').`;
	return null;
}

export function keyProblem(k) {
	if (k === '') return 'Enter a key.';
	if (new TextEncoder().encode(k).length > 253) return 'A key is at most 253 bytes.';
	if (!/^[A-Za-z0-9_]/.test(k)) return "A key must start with a letter, a digit or '_'.";
	const bad = k.match(/[^A-Za-z0-9_./-]/);
	if (bad) return `A key may contain only letters, digits, '_', '.', '-' and '/' (not '${bad[0] === ' ' ? 'space' : bad[0]}').`;
	return null;
}

export function valueProblem(v) {
	if (/[\r\n]/.test(v)) return 'A value must be one line.';
	if (v.includes('\0')) return 'A value must not contain NUL.';
	if (new TextEncoder().encode(v).length > 4096) return 'A value is at most 4096 bytes.';
	return null;
}

// "Pinned: never expires", "expires in 3 hours", or null (no expiry).
export function expiryEl(d) {
	if (d.pinned) return h('span', { class: 'expiry pinned', title: 'Pinned: kept until someone unpins it' }, '📌 pinned, never expires');
	if (!d.expires_at || isArchivedStatus(d.status)) return null;
	return h('span', { class: 'expiry' }, 'expires ', timeEl(d.expires_at));
}
