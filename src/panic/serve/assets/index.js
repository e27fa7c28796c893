// The experiments: each with its status, per-stage progress and ETA, polled every 2 s. A
// running experiment whose counts have not moved for 5 minutes is marked stalled.
'use strict';

const STALL_MS = 5 * 60 * 1000;
const lastChange = new Map();  // experiment id → [fingerprint of its counts, time it last changed]

function stalled(summary) {
  const print = JSON.stringify([summary.invocations, summary.stages, summary.embedding_models_progress]);
  const now = Date.now();
  const seen = lastChange.get(summary.id);
  if (!seen || seen[0] !== print) { lastChange.set(summary.id, [print, now]); return false; }
  return summary.status === 'running' && now - seen[1] > STALL_MS;
}

function stageCells(summary) {
  const list = el('div', {class: 'stages'});
  for (const [stage, c] of Object.entries(summary.stages)) {
    if (stage === 'runs') continue;  // the runs column shows it
    list.appendChild(el('div', {'data-stage': stage}, el('span', {class: 'stage-name'}, stage + ' '), progress(c.done, c.expected, c.failed)));
  }
  for (const [model, stages] of Object.entries(summary.embedding_models_progress)) {
    for (const [stage, c] of Object.entries(stages)) {
      list.appendChild(el('div', {'data-stage': stage + ':' + model},
                          el('span', {class: 'stage-name'}, stage + ' (' + model + ') '), progress(c.done, c.expected, c.failed)));
    }
  }
  return list;
}

async function refresh() {
  const experiments = await getJson('/api/experiments');
  if (!experiments.length) {
    render(el('p', {}, 'No experiments in this database yet.'));
    return;
  }
  const summaries = await Promise.all(experiments.map(e => getJson('/api/experiments/' + e.id)));
  const rows = summaries.map((s, i) => {
    const e = experiments[i];
    const isStalled = stalled(s);
    const eta = s.status === 'completed' ? '-' : (s.eta.total_s !== null ? duration(s.eta.total_s)
               : (s.eta.known_s > 0 ? '≥ ' + duration(s.eta.known_s) : 'unknown'));
    return el('tr', {'data-id': e.id},
              el('td', {}, el('a', {href: '/experiment?id=' + e.id}, e.id)),
              el('td', {}, e.created_at.substring(0, 19).replace('T', ' ')),
              el('td', {class: 'prompts'}, e.prompts.join(' · ')),
              el('td', {}, statusCell(s.status), isStalled ? el('span', {class: 'stalled'}, ' stalled') : null,
                 e.writer ? el('div', {class: 'muted'}, 'pid ' + e.writer.pid + ' on ' + e.writer.host) : null),
              el('td', {class: 'runs'}, progress(e.runs_finished, e.runs_total, e.runs_failed)),
              el('td', {class: 'invocations'}, progress(s.invocations.done, s.invocations.expected, 0)),
              el('td', {}, stageCells(s)),
              el('td', {class: 'eta'}, eta));
  });
  render(el('table', {id: 'experiments'},
            el('thead', {}, el('tr', {}, ['experiment', 'created', 'prompts', 'status', 'runs', 'invocations', 'stages', 'ETA'].map(h => el('th', {}, h)))),
            el('tbody', {}, rows)));
}

document.addEventListener('DOMContentLoaded', () => poll(refresh, 2000));
