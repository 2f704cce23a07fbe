// The create / edit panel. Validates as you type with the server's rules;
// edit sends only what changed (PATCH set/unset, If-Match: version).
import { api, enc } from './api.js';
import { h, NAME_RULE, nameProblem, tagProblem, keyProblem, valueProblem, toast } from './util.js';

const SCOPES = [
	{ id: 'app', title: 'App overrides', hint: 'Settings of the application itself, such as environment variables.' },
	{ id: 'deployment', title: 'Deployment overrides', hint: 'Settings of how it is deployed, such as the number of copies or memory.' },
];

const cache = {};
async function offered(what, scope) {
	const k = what + scope;
	if (!cache[k]) {
		cache[k] = api('GET', `${what}?scope=${scope}`).catch((e) => { delete cache[k]; throw e; });
	}
	return cache[k];
}

let uid = 0;

export function openPanel(app, mode, dep) {
	const dlg = document.getElementById('panel');
	const editing = mode === 'edit';
	const orig = { app: new Map(), deployment: new Map() };
	const rows = { app: [], deployment: [] };
	const defaults = { app: new Map(), deployment: new Map() };
	if (editing) {
		for (const s of ['app', 'deployment']) {
			for (const o of dep[`${s}_overrides`] || []) {
				orig[s].set(o.key, o);
				rows[s].push({ id: ++uid, key: o.key, value: o.secret ? '' : o.value, secret: !!o.secret, wasSecret: !!o.secret });
			}
		}
	}
	const lists = {};
	const formErr = h('div', { class: 'form-error', role: 'alert', hidden: true });
	const nameIn = h('input', { id: 'f-name', name: 'name', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none',
		'aria-describedby': 'f-name-rule f-name-err', required: true, maxlength: '80' });
	const nameErr = h('p', { id: 'f-name-err', class: 'err', 'aria-live': 'polite' });
	const tagIn = h('input', { id: 'f-tag', name: 'tag', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none',
		'aria-describedby': 'f-tag-hint f-tag-err', required: true, value: editing ? dep.tag : '' });
	const tagErr = h('p', { id: 'f-tag-err', class: 'err', 'aria-live': 'polite' });
	const submit = h('button', { type: 'submit', class: 'primary' }, editing ? 'Save changes' : 'Create');
	const lockedBusy = () => submit.disabled;

	let nameTouched = false;
	const checkName = (force) => {
		const p = nameProblem(nameIn.value);
		const show = p && (force || nameTouched || nameIn.value !== '');
		nameErr.textContent = show ? p : '';
		nameIn.setAttribute('aria-invalid', show ? 'true' : 'false');
		return !p;
	};
	const checkTag = (force) => {
		const p = tagProblem(tagIn.value);
		const show = p && (force || tagIn.value !== '');
		tagErr.textContent = show ? p : '';
		tagIn.setAttribute('aria-invalid', show ? 'true' : 'false');
		return !p;
	};
	nameIn.addEventListener('input', () => checkName(false));
	nameIn.addEventListener('blur', () => { nameTouched = true; checkName(false); });
	tagIn.addEventListener('input', () => checkTag(false));

	const scopeBoxes = {};
	function renderScope(s) {
		const box = scopeBoxes[s];
		const ul = h('ul', { class: 'ovr-rows' });
		const used = new Set(rows[s].map((r) => r.key));
		for (const r of rows[s]) ul.append(rowEl(s, r));
		// defaults that are not overridden: shown, changeable
		for (const [k, v] of defaults[s]) {
			if (used.has(k)) continue;
			ul.append(h('li', { class: 'ovr default' },
				h('span', { class: 'k' }, k), h('span', { class: 'v' }, v), h('span', { class: 'muted' }, 'default'),
				h('button', { type: 'button', 'aria-label': `Change ${k} from its default`, onclick: () => {
					const r = { id: ++uid, key: k, value: v, secret: false, fresh: true };
					rows[s].push(r);
					renderScope(s);
					document.getElementById(`ov-${r.id}-v`)?.focus();
				} }, 'Change')));
		}
		box.list.replaceWith(ul);
		box.list = ul;
	}

	function rowEl(s, r) {
		const kid = `ov-${r.id}-k`, vid = `ov-${r.id}-v`, eid = `ov-${r.id}-e`;
		const keyIn = h('input', { id: kid, class: 'k', value: r.key, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none',
			list: `keys-${s}`, 'aria-label': `${s === 'app' ? 'App' : 'Deployment'} override key`, 'aria-describedby': eid });
		const valIn = h('input', { id: vid, class: 'v', value: r.value, autocomplete: 'off', spellcheck: 'false',
			type: r.secret ? 'password' : 'text',
			placeholder: r.wasSecret ? 'unchanged (secret)' : (defaults[s].has(r.key) ? `default: ${defaults[s].get(r.key)}` : 'value'),
			'aria-label': `Value of ${r.key || 'the new key'}`, 'aria-describedby': eid });
		const secIn = h('input', { type: 'checkbox', checked: r.secret });
		const err = h('p', { id: eid, class: 'err', 'aria-live': 'polite' });
		const li = h('li', { class: 'ovr', dataset: { row: String(r.id), key: r.key } });
		keyIn.addEventListener('input', () => {
			r.key = keyIn.value;
			li.dataset.key = r.key;
			valIn.setAttribute('aria-label', `Value of ${r.key || 'the new key'}`);
			const p = r.key ? keyProblem(r.key) : null;
			err.textContent = p || '';
			keyIn.setAttribute('aria-invalid', p ? 'true' : 'false');
		});
		valIn.addEventListener('input', () => {
			r.value = valIn.value;
			const p = valueProblem(r.value);
			err.textContent = p || '';
			valIn.setAttribute('aria-invalid', p ? 'true' : 'false');
		});
		secIn.addEventListener('change', () => { r.secret = secIn.checked; valIn.type = r.secret ? 'password' : 'text'; });
		const hasDefault = defaults[s].has(r.key);
		li.append(keyIn, h('span', { class: 'eq', 'aria-hidden': 'true' }, '='), valIn,
			h('label', { class: 'secret-box' }, secIn, ' Secret'),
			hasDefault
				? h('button', { type: 'button', class: 'link', onclick: () => removeRow(s, r) , 'aria-label': `Restore the default of ${r.key}` }, 'Restore default')
				: h('button', { type: 'button', class: 'link danger', onclick: () => removeRow(s, r), 'aria-label': `Remove ${r.key || 'this override'}` }, 'Remove'),
			err);
		r.el = li;
		return li;
	}

	function removeRow(s, r) {
		const i = rows[s].indexOf(r);
		rows[s].splice(i, 1);
		renderScope(s);
		// keep the keyboard where it was
		const next = rows[s][i] || rows[s][i - 1];
		(next ? document.getElementById(`ov-${next.id}-k`) : scopeBoxes[s].add).focus();
	}

	const scopeEls = SCOPES.map((sc) => {
		const add = h('button', { type: 'button', onclick: () => {
			const r = { id: ++uid, key: '', value: '', secret: false };
			rows[sc.id].push(r);
			renderScope(sc.id);
			document.getElementById(`ov-${r.id}-k`).focus();
		} }, `Add ${sc.id === 'app' ? 'an app' : 'a deployment'} override`);
		lists[sc.id] = h('datalist', { id: `keys-${sc.id}` });
		const note = h('p', { class: 'hint note' });
		scopeBoxes[sc.id] = { list: h('ul'), add, note };
		return h('fieldset', { class: 'scope' },
			h('legend', null, sc.title), h('p', { class: 'hint' }, sc.hint), note,
			scopeBoxes[sc.id].list, add, lists[sc.id]);
	});

	const form = h('form', { class: 'panel-form', novalidate: true },
		h('header', { class: 'panel-head' },
			h('h2', { id: 'panel-title' }, editing ? `Edit ${dep.name}` : 'New deployment'),
			h('button', { type: 'button', class: 'link close', 'aria-label': 'Close', onclick: () => dlg.close() }, '×')),
		h('div', { class: 'panel-body' },
			formErr,
			editing ? null : h('div', { class: 'field-block' },
				h('label', { for: 'f-name' }, 'Name'), nameIn,
				h('p', { id: 'f-name-rule', class: 'hint' }, NAME_RULE), nameErr),
			h('div', { class: 'field-block' },
				h('label', { for: 'f-tag' }, 'Tag'), tagIn,
				h('p', { id: 'f-tag-hint', class: 'hint' }, 'The version to deploy, for example v1.2 or a commit id.'), tagErr),
			scopeEls),
		h('footer', { class: 'panel-foot' },
			h('button', { type: 'button', onclick: () => dlg.close() }, 'Cancel'), submit));
	if (editing) nameIn.value = dep.name;
	for (const s of ['app', 'deployment']) renderScope(s);

	// suggestions and defaults, when the operator offers them
	for (const s of ['app', 'deployment']) {
		offered('override_keys', s).then((r) => {
			lists[s].replaceChildren(...(r.keys || []).map((k) => h('option', { value: k })));
		}).catch((e) => { scopeBoxes[s].note.textContent = `Key suggestions are unavailable: ${e.message}`; });
		offered('default_overrides', s).then((r) => {
			for (const o of r.overrides || []) defaults[s].set(o.key, o.value);
			if (defaults[s].size) renderScope(s);
		}).catch((e) => { scopeBoxes[s].note.textContent += ` Defaults are unavailable: ${e.message}`; });
	}

	function showFormError(msg, extra) {
		formErr.hidden = !msg;
		formErr.replaceChildren(...(msg ? [h('p', null, msg), extra || null] : []));
		if (msg) formErr.scrollIntoView({ block: 'nearest' });
	}

	// Validate everything; the first problem gets the focus.
	function validate() {
		let first = null;
		const mark = (el, ok) => { if (!ok && !first) first = el; };
		if (!editing) mark(nameIn, checkName(true));
		mark(tagIn, checkTag(true));
		for (const s of ['app', 'deployment']) {
			const seen = new Set();
			for (const r of rows[s]) {
				const keyEl = document.getElementById(`ov-${r.id}-k`), valEl = document.getElementById(`ov-${r.id}-v`);
				const err = r.el.querySelector('.err');
				let p = keyProblem(r.key), bad = keyEl;
				if (!p && seen.has(r.key)) p = `${r.key} is set twice; keep one.`;
				if (!p) { p = valueProblem(r.value); bad = valEl; }
				if (!p && r.wasSecret && !r.secret && r.value === '' && orig[s].has(r.key)) {
					p = 'Enter the value to make it visible (the secret value cannot be shown).'; bad = valEl;
				}
				seen.add(r.key);
				err.textContent = p || '';
				keyEl.setAttribute('aria-invalid', p && bad === keyEl ? 'true' : 'false');
				valEl.setAttribute('aria-invalid', p && bad === valEl ? 'true' : 'false');
				mark(bad, !p);
			}
		}
		if (first) first.focus();
		return !first;
	}

	// What to send: for edit, only the difference; sent[s][i] is the row of item i.
	function build() {
		const sent = { app: [], deployment: [] };
		if (!editing) {
			const body = { name: nameIn.value, tag: tagIn.value };
			for (const s of ['app', 'deployment']) {
				body[`${s}_overrides`] = rows[s].map((r) => { sent[s].push(r); return { key: r.key, value: r.value, secret: r.secret }; });
			}
			return { body, sent };
		}
		const body = {};
		if (tagIn.value !== dep.tag) body.tag = tagIn.value;
		for (const s of ['app', 'deployment']) {
			const set = [], keys = new Set(rows[s].map((r) => r.key));
			for (const r of rows[s]) {
				const o = orig[s].get(r.key);
				let change = !o;
				if (o && o.secret) change = r.value !== '' || !r.secret;
				else if (o) change = r.value !== o.value || r.secret !== !!o.secret;
				if (change) { sent[s].push(r); set.push({ key: r.key, value: r.value, secret: r.secret }); }
			}
			const unset = [...orig[s].keys()].filter((k) => !keys.has(k));
			if (set.length || unset.length) {
				body[`${s}_overrides`] = {};
				if (set.length) body[`${s}_overrides`].set = set;
				if (unset.length) body[`${s}_overrides`].unset = unset;
			}
		}
		return { body, sent };
	}

	function placeServerError(e, sent) {
		const f = e.details && e.details.field;
		if (f === 'name' || (e.code === 'exists' && !editing)) {
			nameErr.textContent = e.message; nameIn.setAttribute('aria-invalid', 'true'); nameIn.focus(); return;
		}
		if (f === 'tag') { tagErr.textContent = e.message; tagIn.setAttribute('aria-invalid', 'true'); tagIn.focus(); return; }
		const m = f && f.match(/^(app|deployment)_overrides\D*(\d+)/);
		if (m && sent[m[1]][+m[2]]) {
			const r = sent[m[1]][+m[2]];
			r.el.querySelector('.err').textContent = e.message.replace(/^[a-z_]+(\.\w+)?\[\d+\]\.?\w*:\s*/, '');
			const k = document.getElementById(`ov-${r.id}-k`);
			k.setAttribute('aria-invalid', 'true');
			k.focus();
			return;
		}
		if (e.code === 'config_check_refused') {
			showFormError('The configuration check refused this:', h('pre', { class: 'refusal' }, e.message));
		} else if (e.code === 'version_conflict') {
			showFormError(`Someone else changed ${dep.name} while you were editing. Reload it to see their change, then make yours again.`,
				h('button', { type: 'button', onclick: async () => {
					try { const d = await api('GET', 'deployments/' + enc(dep.name)); dlg.close(); openPanel(app, 'edit', d); } catch (x) { showFormError(x.message); }
				} }, 'Reload'));
		} else if (e.code === 'busy') {
			showFormError(`${dep ? dep.name : 'This deployment'} is busy with another action. Wait until it finishes, then try again.`);
		} else {
			showFormError(e.message);
		}
		formErr.focus?.();
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		if (lockedBusy()) return;
		showFormError(null);
		if (!validate()) return;
		const { body, sent } = build();
		if (editing && !Object.keys(body).length) { showFormError('Nothing changed, so there is nothing to save.'); return; }
		submit.disabled = true;
		submit.textContent = editing ? 'Saving…' : 'Creating…';
		try {
			const r = editing
				? await api('PATCH', 'deployments/' + enc(dep.name), { body, ifMatch: dep.version })
				: await api('POST', 'deployments', { body });
			dlg.close();
			toast(editing ? `Updating ${r.deployment.name}…` : `Creating ${r.deployment.name}…`);
			app.changed(r.deployment);
			if (!editing) location.hash = '#/deployments/' + enc(r.deployment.name);
		} catch (e) {
			placeServerError(e, sent);
		} finally {
			submit.disabled = false;
			submit.textContent = editing ? 'Save changes' : 'Create';
		}
	});

	formErr.tabIndex = -1;
	dlg.replaceChildren(form);
	dlg.showModal();
	(editing ? tagIn : nameIn).focus();
}
