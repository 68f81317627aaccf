/**
 * A few helpers to build DOM nodes without a framework. No `style` attribute is ever set: the
 * Content-Security-Policy allows no inline styles, so looks come from classes in style.css.
 */

export type Child = Node | string | number | null | undefined | false | Child[];
type Listener = (event: Event) => void;
export type Attributes = Record<string, string | number | boolean | null | undefined | Listener>;

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(element: Element, attributes: Attributes | null | undefined, children: Child[]) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
}

export function append(parent: Element | DocumentFragment, children: Child[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else if (child !== null && child !== undefined && child !== false) {
      parent.appendChild(document.createTextNode(String(child)));
    }
  }
}

/** An HTML element: `h('a', { href: '#/' }, 'Jobs')`; `on*` attributes add listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes?: Attributes | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  apply(element, attributes, children);
  return element;
}

/** An SVG element. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes?: Attributes | null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  apply(element, attributes, children);
  return element;
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  const fragment = document.createDocumentFragment();
  append(fragment, children);
  parent.replaceChildren(fragment);
}

/** Text for screen readers only. */
export const hidden = (text: string) => h('span', { class: 'vh' }, text);

/** Polite announcements (filter results, refreshes) in the page's one live region. */
export function announce(text: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  // Clearing first makes a repeated message be read again.
  region.textContent = '';
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/**
 * Re-rendering replaces elements; an element marked `data-focus-key` that had the focus gets it
 * back in its replacement, so a keyboard user keeps their place.
 */
export function keepFocus(container: Element, render: () => void): void {
  const active = document.activeElement;
  const key =
    active instanceof Element && container.contains(active)
      ? active.getAttribute('data-focus-key')
      : null;
  render();
  if (key === null) return;
  const again = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
  if (again instanceof HTMLElement || again instanceof SVGElement) again.focus();
}

/** A scrollable region (wide tables at phone width) that keyboard users can scroll too. */
export const scrollRegion = (label: string, content: Child, options: { tall?: boolean } = {}) =>
  h(
    'div',
    {
      class: options.tall ? 'scroll tall' : 'scroll',
      role: 'region',
      'aria-label': label,
      tabindex: 0,
    },
    content,
  );
