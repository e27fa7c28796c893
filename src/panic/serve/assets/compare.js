// Two runs side by side: each one's prompt, stop and timeline (?a=RUN&b=RUN).
'use strict';

async function column(id) {
  const run = await getJson('/api/runs/' + id);
  return el('section', {'data-run': id},
            el('h2', {}, runLink(id, 'run #' + run.run_number)),
            el('p', {class: 'prompt'}, run.initial_prompt),
            el('p', {}, run.network.join(' → ') + ', seed ' + run.seed + ' · ' + stopText(run)),
            timeline(run));
}

async function load() {
  const a = param('a'), b = param('b');
  if (!isUuid(a) || !isUuid(b)) { render(el('p', {}, 'Give two run ids: /compare?a=RUN&b=RUN.')); return; }
  const cols = await Promise.all([column(a), column(b)]);
  setTitle('two runs side by side');
  render(el('div', {class: 'columns'}, cols));
}

document.addEventListener('DOMContentLoaded', () => load().catch(e => showError(e.message)));
