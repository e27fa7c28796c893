// Clustering results: pick one (?id=, default the newest), see its top clusters with their
// medoid captions, example images and sizes.
'use strict';

function clusterCard(c) {
  const images = c.examples.map(x => x.type === 'image' ? x.invocation_id : x.input_image_invocation_id).filter(Boolean);
  return el('div', {class: 'cluster', 'data-label': c.label},
            el('h3', {}, 'cluster ' + c.label + ': ' + c.size + ' outputs (' + (c.share * 100).toFixed(1) + '%), ' + c.run_count + ' runs'),
            c.medoid_text !== null ? el('p', {class: 'caption'}, 'medoid: ', el('q', {}, c.medoid_text)) : null,
            el('div', {}, images.map(i => el('img', {src: '/api/images/' + i, loading: 'lazy', alt: 'example of cluster ' + c.label}))),
            el('ul', {}, c.examples.filter(x => x.type === 'text').map(x => el('li', {class: 'caption'}, x.output_text))));
}

async function load() {
  const results = await getJson('/api/clusters');
  if (!results.length) { render(el('p', {}, 'No clustering results (`panic-tda cluster run` makes one).')); return; }
  const id = isUuid(param('id')) ? param('id') : results[0].id;
  const r = await getJson('/api/clusters/' + id + '?limit=20');
  setTitle('clusters of ' + r.embedding_model);
  const picker = el('ul', {}, results.map(x => el('li', {}, el('a', {href: '/clusters?id=' + x.id}, x.id),
      ' ' + x.embedding_model + ', ' + x.algorithm + ', ' + x.point_count + ' points, ' + x.cluster_count + ' clusters')));
  render(el('section', {}, el('h2', {}, 'Results'), picker),
         el('p', {}, r.algorithm + ' over ' + r.point_count + ' points: ' + r.cluster_count + ' clusters, ' + r.outlier_count + ' outliers'),
         el('section', {id: 'clusters'}, r.clusters.map(clusterCard)));
}

document.addEventListener('DOMContentLoaded', () => load().catch(e => showError(e.message)));
