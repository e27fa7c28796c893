// Shared helpers of the dashboard's pages. Every string from the database is inserted as
// text (text nodes, textContent, attribute values), never parsed as HTML: prompts and
// captions are arbitrary text. No library, no network beyond this server.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';

// el('td', {class: 'x'}, 'text', child…): strings become text nodes.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'onclick') e.addEventListener('click', v);
    else if (k === 'onchange') e.addEventListener('change', v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

// The JSON of an API path; throws an Error with the API's message on a non-2xx answer.
async function getJson(path) {
  const res = await fetch(path, {headers: {Accept: 'application/json'}});
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) throw new Error((body && body.error) || ('HTTP ' + res.status));
  return body;
}

function param(name) { return new URLSearchParams(location.search).get(name) || ''; }

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
function isUuid(s) { return UUID_RE.test(s); }

function showError(message) {
  const e = document.getElementById('error');
  e.textContent = message;
  e.hidden = false;
}
function clearError() { document.getElementById('error').hidden = true; }

function setTitle(text) {
  document.getElementById('title').textContent = text;
  document.title = text + ' — panic-tda';
}

// Replaces #main's content with `nodes`.
function render(...nodes) {
  const main = document.getElementById('main');
  main.replaceChildren(...nodes.flat());
}

function duration(s) {
  if (s === null || s === undefined || !isFinite(s)) return 'unknown';
  s = Math.round(s);
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  if (d) return d + 'd ' + h + 'h';
  if (h) return h + 'h ' + m + 'm';
  if (m) return m + 'm ' + (s % 60) + 's';
  return (s % 60) + 's';
}

// A progress bar with "done/expected" beside it (and failures).
function progress(done, expected, failed) {
  const share = expected > 0 ? Math.min(1, done / expected) : (done > 0 ? 1 : 0);
  const fill = el('span', {});
  fill.style.width = (share * 100).toFixed(1) + '%';  // CSSOM, allowed by the CSP
  const bar = el('span', {class: failed ? 'bar failed' : 'bar', role: 'progressbar',
                          'aria-valuenow': done, 'aria-valuemax': expected}, fill);
  return el('span', {class: 'progress'}, bar, done + '/' + expected + (failed ? ' (' + failed + ' failed)' : ''));
}

function statusCell(word) { return el('span', {class: 'status-' + word.replace(/ /g, '-')}, word); }

// An SVG line of the values (null values are gaps), scaled to [0, max].
function sparkline(values, width, height) {
  const s = svg('svg', {width, height, viewBox: '0 0 ' + width + ' ' + height, class: 'sparkline'});
  const finite = values.filter(v => v !== null && isFinite(v));
  if (finite.length < 2) return s;
  const max = Math.max(...finite) || 1;
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || !isFinite(v)) { pen = false; return; }
    const x = values.length > 1 ? i * (width - 2) / (values.length - 1) + 1 : 1;
    const y = height - 1 - v / max * (height - 2);
    d += (pen ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
    pen = true;
  });
  s.appendChild(svg('path', {d, class: 'spark'}));
  const title = svg('title', {});
  title.textContent = 'drift: max ' + max.toFixed(3) + ', last ' + finite[finite.length - 1].toFixed(3);
  s.appendChild(title);
  return s;
}

// A persistence diagram (birth → death) of {dimensions: [{dim, bars, entropy}]}; essential
// bars (death null) are drawn at the top edge.
function diagramSvg(dimensions, size) {
  const s = svg('svg', {width: size, height: size, viewBox: '0 0 ' + size + ' ' + size, class: 'diagram-plot'});
  let max = 0;
  for (const d of dimensions) for (const [b, e] of d.bars) max = Math.max(max, b, e === null ? 0 : e);
  max = max || 1;
  const pad = 8, scale = (size - 2 * pad) / max;
  s.appendChild(svg('line', {x1: pad, y1: size - pad, x2: size - pad, y2: pad, class: 'diag'}));
  for (const d of dimensions) {
    for (const [b, e] of d.bars) {
      const death = e === null ? max : e;
      s.appendChild(svg('circle', {cx: pad + b * scale, cy: size - pad - death * scale, r: 2.5, class: 'h' + Math.min(d.dim, 2)}));
    }
  }
  return s;
}

// One step of a timeline: its number and model, and its image (lazy) or caption.
function stepCard(step, cls) {
  const card = el('div', {class: 'step' + (cls ? ' ' + cls : ''), id: 'step-' + step.sequence_number,
                          'data-step': step.sequence_number},
                  el('div', {class: 'meta'}, '#' + step.sequence_number + ' ' + step.model));
  if (step.type === 'image') {
    card.appendChild(el('img', {src: '/api/images/' + step.id, loading: 'lazy', alt: 'step ' + step.sequence_number,
                                width: 150, height: 150}));
  } else {
    card.appendChild(el('div', {class: 'caption'}, step.output_text));
  }
  return card;
}

// The timeline of a run (`run show` JSON): the loop marked where a duplicate stopped it.
function timeline(run) {
  const last = run.invocations.length ? run.invocations[run.invocations.length - 1].sequence_number : -1;
  const box = el('div', {class: 'timeline'});
  for (const step of run.invocations) {
    let cls = '';
    if (run.repeats_step !== undefined && step.sequence_number === last) cls = 'loop';
    else if (run.repeats_step !== undefined && step.sequence_number === run.repeats_step) cls = 'loop-start';
    box.appendChild(stepCard(step, cls));
  }
  return box;
}

function stopText(run) {
  if (!run.stop_reason) return 'running';
  let t = run.stop_reason;
  if (run.repeats_step !== undefined) t += ' (step ' + (run.length - 1) + ' repeats step ' + run.repeats_step + ', loop length ' + run.loop_length + ')';
  else if (run.loop_length !== null && run.loop_length !== undefined) t += ' (loop length ' + run.loop_length + ')';
  if (run.error) t += ': ' + run.error;
  return t;
}

function runLink(id, text) { return el('a', {href: '/run?id=' + encodeURIComponent(id)}, text); }

// Calls fn now and every `ms` while the page is visible; errors show and polling goes on.
function poll(fn, ms) {
  const tick = async () => {
    try { await fn(); clearError(); } catch (e) { showError(e.message); }
    setTimeout(tick, ms);
  };
  tick();
}
