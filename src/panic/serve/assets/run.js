// One run: its prompt and stop (the loop marked), a drift sparkline and the persistence
// diagram with entropy of each embedding model, and the timeline of image and caption.
'use strict';

function header(run) {
  const dl = el('dl', {class: 'config'});
  const add = (k, v) => dl.append(el('dt', {}, k), el('dd', {}, v));
  add('prompt', el('span', {id: 'prompt', class: 'prompt'}, run.initial_prompt));
  add('experiment', el('a', {href: '/experiment?id=' + run.experiment_id}, run.experiment_id));
  add('network', run.network.join(' → '));
  add('seed', String(run.seed));
  add('length', run.length + ' of ' + run.max_length);
  add('stop', el('span', {id: 'stop'}, stopText(run)));
  return dl;
}

function driftBlock(drift) {
  const box = el('section', {id: 'drift'}, el('h2', {}, 'Drift'),
                 el('p', {class: 'muted'}, 'distance of each output from its reference (0 same direction, 2 opposite)'));
  const from = {prompt: 'from the prompt', first_output: 'from the first output'};
  for (const [model, values] of Object.entries(drift.models)) {
    const reference = from[drift.references[model]] || '';
    box.append(el('div', {'data-model': model}, el('span', {}, model + ' (' + reference + ') '), sparkline(values, 300, 40)));
  }
  return box;
}

function diagramsBlock(d) {
  const box = el('section', {id: 'diagrams'}, el('h2', {}, 'Persistence diagrams'));
  if (!d.diagrams.length) box.append(el('p', {class: 'muted'}, 'no diagram yet'));
  for (const g of d.diagrams) {
    const card = el('div', {class: 'diagram', 'data-model': g.embedding_model}, el('h3', {}, g.embedding_model));
    if (g.error) {
      card.append(el('p', {class: 'error'}, g.error));
    } else {
      card.append(diagramSvg(g.dimensions, 220));
      card.append(el('ul', {}, g.dimensions.map(x => el('li', {class: 'h' + x.dim}, 'H' + x.dim + ': ' + x.bars.length + ' bars, entropy ' +
                                                          (x.entropy === null ? '-' : x.entropy.toFixed(4))))));
    }
    box.append(card);
  }
  return box;
}

async function load() {
  const id = param('id');
  if (!isUuid(id)) { render(el('p', {}, 'No run id in the address (?id=…).')); return; }
  const [run, drift, diagrams] = await Promise.all([getJson('/api/runs/' + id), getJson('/api/runs/' + id + '/drift'),
                                                    getJson('/api/runs/' + id + '/diagrams')]);
  setTitle('run #' + run.run_number);
  render(header(run), driftBlock(drift), diagramsBlock(diagrams),
         el('section', {}, el('h2', {}, 'Timeline'), timeline(run)));
}

document.addEventListener('DOMContentLoaded', () => load().catch(e => showError(e.message)));
