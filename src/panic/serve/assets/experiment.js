// One experiment: its config, progress bars (polled), stop reasons, ETA, failed runs, and a
// sortable, paged table of its runs; two runs ticked open side by side.
'use strict';

const id = param('id');
const state = {sort: 'number', order: 'asc', page: 1, perPage: 50, chosen: []};

function config(s) {
  const dl = el('dl', {class: 'config'});
  const add = (k, v) => dl.append(el('dt', {}, k), el('dd', {}, v));
  add('networks', s.networks.map(n => n.join(' → ')).join(' | '));
  add('seeds', s.seeds.join(', '));
  add('prompts', el('ul', {}, s.prompts.map(p => el('li', {class: 'prompt'}, p))));
  add('embedding models', s.embedding_models.join(', '));
  add('max length', String(s.max_length));
  add('options', JSON.stringify(s.options));
  add('created', s.created_at);
  if (s.started_at) add('started', s.started_at);
  if (s.completed_at) add('completed', s.completed_at);
  return dl;
}

function summaryBlock(s) {
  const box = el('section', {id: 'progress'}, el('h2', {}, 'Progress'));
  box.append(el('p', {}, 'status ', statusCell(s.status), ' · elapsed ' + duration(s.elapsed_s) + ' · ETA ' +
                (s.status === 'completed' ? '-' : s.eta.total_s !== null ? duration(s.eta.total_s) : 'unknown')));
  const t = el('table', {});
  t.append(el('tr', {}, el('th', {}, 'runs'), el('td', {}, progress(s.runs.finished, s.runs.total, s.runs.failed))));
  t.append(el('tr', {}, el('th', {}, 'invocations'), el('td', {}, progress(s.invocations.done, s.invocations.expected, 0))));
  // The runs stage is the runs row above.
  for (const [stage, c] of Object.entries(s.stages)) if (stage !== 'runs') t.append(el('tr', {}, el('th', {}, stage), el('td', {}, progress(c.done, c.expected, c.failed))));
  for (const [model, stages] of Object.entries(s.embedding_models_progress)) {
    for (const [stage, c] of Object.entries(stages)) t.append(el('tr', {}, el('th', {}, stage + ' · ' + model), el('td', {}, progress(c.done, c.expected, c.failed))));
  }
  box.append(t);
  const reasons = Object.entries(s.runs.stop_reasons).map(([r, n]) => r + ' ' + n).join(', ') || '-';
  box.append(el('p', {id: 'stop-reasons'}, 'stop reasons: ' + reasons));
  if (s.failed_runs.length) {
    box.append(el('ul', {class: 'failed'}, s.failed_runs.map(f => el('li', {}, runLink(f.run_id, '#' + f.run_number), ': ' + f.error))));
  }
  return box;
}

const COLUMNS = [['number', '#'], ['network', 'network'], ['seed', 'seed'], [null, 'prompt'], ['length', 'length'],
                 ['stop_reason', 'stop'], ['loop_length', 'loop']];

async function runsBlock() {
  const q = '?sort=' + state.sort + '&order=' + state.order + '&page=' + state.page + '&per_page=' + state.perPage;
  const page = await getJson('/api/experiments/' + id + '/runs' + q);
  const head = el('tr', {}, el('th', {}, 'compare'), COLUMNS.map(([key, label]) => {
    if (!key) return el('th', {}, label);
    const cls = 'sortable' + (state.sort === key ? ' sorted-' + state.order : '');
    return el('th', {class: cls, 'data-sort': key, onclick: () => {
      state.order = state.sort === key && state.order === 'asc' ? 'desc' : 'asc';
      state.sort = key;
      state.page = 1;
      drawRuns();
    }}, label);
  }));
  const rows = page.runs.map(r => el('tr', {'data-run': r.id},
      el('td', {}, el('input', {type: 'checkbox', checked: state.chosen.includes(r.id), onchange: ev => choose(r.id, ev.target.checked)})),
      el('td', {}, runLink(r.id, String(r.run_number))), el('td', {}, r.network.join(' → ')), el('td', {}, String(r.seed)),
      el('td', {class: 'prompt'}, r.initial_prompt), el('td', {}, r.length + '/' + r.max_length),
      el('td', {}, r.stop_reason || 'running'), el('td', {}, r.loop_length === null ? '' : String(r.loop_length))));
  const pages = Math.max(1, Math.ceil(page.total / state.perPage));
  const pager = el('p', {class: 'pager'},
      el('button', {disabled: state.page <= 1, onclick: () => { state.page--; drawRuns(); }}, '‹ previous'),
      'page ' + state.page + ' of ' + pages + ' (' + page.total + ' runs)',
      el('button', {disabled: state.page >= pages, onclick: () => { state.page++; drawRuns(); }}, 'next ›'));
  const compare = el('p', {}, el('a', {id: 'compare-link', href: state.chosen.length === 2 ? '/compare?a=' + state.chosen[0] + '&b=' + state.chosen[1] : null},
                                 state.chosen.length === 2 ? 'compare the two ticked runs' : 'tick two runs to compare them'));
  return el('section', {id: 'runs'}, el('h2', {}, 'Runs'), pager, el('table', {id: 'runs-table'}, el('thead', {}, head), el('tbody', {}, rows)), compare);
}

function choose(runId, on) {
  state.chosen = state.chosen.filter(x => x !== runId);
  if (on) state.chosen.push(runId);
  if (state.chosen.length > 2) state.chosen.shift();
  drawRuns();
}

let summaryNode = el('section', {}), runsNode = el('section', {}), configNode = el('section', {});

async function drawRuns() {
  try {
    const fresh = await runsBlock();
    runsNode.replaceWith(fresh);
    runsNode = fresh;
  } catch (e) { showError(e.message); }
}

async function refreshSummary() {
  const s = await getJson('/api/experiments/' + id);
  setTitle('experiment ' + s.id);
  if (!configNode.childNodes.length) configNode.append(el('h2', {}, 'Config'), config(s));
  const fresh = summaryBlock(s);
  summaryNode.replaceWith(fresh);
  summaryNode = fresh;
  if (s.status !== 'completed') await drawRuns();  // lengths and stops move while it runs
}

document.addEventListener('DOMContentLoaded', () => {
  if (!isUuid(id)) { render(el('p', {}, 'No experiment id in the address (?id=…).')); return; }
  render(summaryNode, configNode, runsNode);
  drawRuns();
  poll(refreshSummary, 3000);
});
