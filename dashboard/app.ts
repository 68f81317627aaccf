import { compareView } from './compare-view.js';
import { h, replaceChildren } from './dom.js';
import { jobView } from './job-view.js';
import { jobsView } from './jobs-view.js';
import { jobsHash, parseRoute, type Route, type View } from './route.js';

/**
 * The dashboard's entry: a hash router that builds one view at a time. A change of query
 * parameters within the same view (filters, sorting, pages) updates that view in place, so the
 * keyboard focus stays where the person left it; a move to another view builds the new view and
 * moves the focus to its heading.
 */

const main = document.getElementById('main') as HTMLElement;
let current: { view: View; controller: AbortController } | undefined;

function build(route: Route): View {
  const controller = new AbortController();
  current?.controller.abort();
  const context = {
    signal: controller.signal,
    navigate(hash: string) {
      // Setting the hash it already has fires no hashchange: apply again (a retry, say).
      if (location.hash === hash) current?.view.update?.(parseRoute(hash));
      else location.hash = hash;
    },
  };
  let view: View;
  switch (route.view) {
    case 'jobs':
      document.title = 'Jobs · irwatch';
      view = jobsView(main, route, context);
      break;
    case 'job':
      document.title = `${route.job.jobName} · irwatch`;
      view = jobView(main, route, context);
      break;
    case 'compare':
      view = compareView(main, route, context);
      break;
    default:
      document.title = 'Not found · irwatch';
      replaceChildren(
        main,
        h('h1', { tabindex: -1 }, 'Nothing here'),
        h('p', null, h('a', { href: jobsHash() }, 'Go to the jobs')),
      );
      view = {};
  }
  current = { view, controller };
  return view;
}

function onRoute(moveFocus: boolean) {
  const hash = location.hash;
  // In-page anchors (the skip link) are not routes.
  if (hash && !hash.startsWith('#/')) return;
  const route = parseRoute(hash);
  if (current?.view.update?.(route)) return;
  build(route);
  if (moveFocus) main.querySelector('h1')?.focus();
}

document.querySelector('.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', () => onRoute(true));
onRoute(false);
