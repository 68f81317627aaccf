import { h, svg } from './dom.js';
import { configuration, environment, ms, number, usd, usdPerInference } from './format.js';
import type { Recommendation } from './types.js';

/**
 * Cost per inference (x) against model latency (y), one point per recommendation: size by max
 * invocations, shape and colour by endpoint type, the Pareto-optimal points outlined and joined
 * by the front. Points are reachable with the keyboard (one tab stop, arrow keys between points
 * from cheapest to dearest) and describe themselves in a tooltip and their accessible name.
 */

export interface ScatterPlot {
  element: HTMLElement;
  /** Recommendations that could not be placed (cost or latency unknown). */
  notPlotted: Recommendation[];
}

interface Scale {
  log: boolean;
  map(value: number): number;
  ticks(): number[];
}

interface Point {
  rec: Recommendation;
  cost: number;
  latency: number;
  invocations: number | null;
}

const MARGIN = { top: 14, right: 18, bottom: 50, left: 62 };
/** A range wider than this ratio is drawn on a log scale, or the cheap end piles up. */
const LOG_WHEN_RATIO_AT_LEAST = 10;

function paddedDomain(values: number[], log: boolean): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (log) {
    const pad = (Math.log10(hi) - Math.log10(lo)) * 0.06 || 0.1;
    return [lo / 10 ** pad, hi * 10 ** pad];
  }
  if (lo === hi) {
    const spread = Math.abs(lo) * 0.1 || 1;
    lo -= spread;
    hi += spread;
  }
  const pad = (hi - lo) * 0.06;
  return [Math.max(0, lo - pad), hi + pad];
}

function niceStep(span: number, count: number): number {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  return (residual >= 7.07 ? 10 : residual >= 3.16 ? 5 : residual >= 1.41 ? 2 : 1) * magnitude;
}

function makeScale(values: number[], range: [number, number]): Scale {
  const min = Math.min(...values);
  const log = min > 0 && Math.max(...values) / min >= LOG_WHEN_RATIO_AT_LEAST;
  const [lo, hi] = paddedDomain(values, log);
  const [r0, r1] = range;
  if (log) {
    const l0 = Math.log10(lo);
    const l1 = Math.log10(hi);
    return {
      log,
      map: (value) => r0 + ((Math.log10(value) - l0) / (l1 - l0)) * (r1 - r0),
      ticks() {
        const within = (mantissas: number[]) => {
          const ticks: number[] = [];
          for (let exponent = Math.floor(l0); exponent <= Math.ceil(l1); exponent += 1) {
            for (const m of mantissas) {
              const value = m * 10 ** exponent;
              if (value >= lo && value <= hi) ticks.push(value);
            }
          }
          return ticks;
        };
        const decades = within([1]);
        if (decades.length >= 3) return decades;
        const more = within([1, 2, 5]);
        return more.length >= 3 ? more : within([1, 1.5, 2, 3, 5, 7]);
      },
    };
  }
  return {
    log,
    map: (value) => r0 + ((value - lo) / (hi - lo)) * (r1 - r0),
    ticks() {
      const step = niceStep(hi - lo, 5);
      const ticks: number[] = [];
      for (let value = Math.ceil(lo / step) * step; value <= hi + step * 1e-9; value += step) {
        ticks.push(Number(value.toPrecision(12)));
      }
      return ticks;
    },
  };
}

const perMillion = (cost: number) => usd(cost * 1e6);

function describe(point: Point): string {
  const { rec } = point;
  return [
    `${configuration(rec)} (${rec.endpointType === 'Serverless' ? 'serverless' : 'real-time'})`,
    `${perMillion(point.cost)} per million inferences (${usdPerInference(point.cost)} each)`,
    `latency ${ms(point.latency)}`,
    point.invocations === null
      ? 'max invocations unknown'
      : `${number(point.invocations)} invocations per minute`,
    rec.derived.paretoOptimal ? 'Pareto-optimal' : 'not Pareto-optimal',
    environment(rec),
  ]
    .filter(Boolean)
    .join('; ');
}

/** A diamond for serverless endpoints, so the type does not rest on colour alone. */
const diamond = (x: number, y: number, r: number) => {
  const d = r * 1.25;
  return `M${x} ${y - d}L${x + d} ${y}L${x} ${y + d}L${x - d} ${y}Z`;
};

function legend(invocations: number[]): HTMLElement {
  const swatch = (...children: SVGElement[]) =>
    svg(
      'svg',
      { width: 26, height: 18, viewBox: '0 0 26 18', 'aria-hidden': 'true', focusable: 'false' },
      ...children,
    );
  const range =
    invocations.length > 0
      ? ` (${number(Math.min(...invocations))} to ${number(Math.max(...invocations))} per minute)`
      : '';
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    h(
      'li',
      null,
      swatch(svg('circle', { cx: 13, cy: 9, r: 6, class: 'rt' })),
      'Real-time endpoint',
    ),
    h(
      'li',
      null,
      swatch(svg('path', { d: diamond(13, 9, 5.5), class: 'sl' })),
      'Serverless endpoint',
    ),
    h(
      'li',
      null,
      swatch(svg('circle', { cx: 13, cy: 9, r: 6, class: 'rt pareto' })),
      'Pareto-optimal (outlined, solid)',
    ),
    h(
      'li',
      null,
      swatch(svg('line', { x1: 1, y1: 14, x2: 25, y2: 4, class: 'front' })),
      'Pareto front',
    ),
    h('li', null, `Point size: max invocations${range}`),
  );
}

export function scatterPlot(
  recommendations: Recommendation[],
  onSelect: (recommendationId: string) => void,
): ScatterPlot {
  const points: Point[] = [];
  const notPlotted: Recommendation[] = [];
  for (const rec of recommendations) {
    const { costPerInference: cost, modelLatency: latency, maxInvocations } = rec.metrics;
    if (cost === null || latency === null) notPlotted.push(rec);
    else points.push({ rec, cost, latency, invocations: maxInvocations });
  }
  // Keyboard order: cheapest first, then fastest.
  points.sort((a, b) => a.cost - b.cost || a.latency - b.latency);
  const invocations = points.flatMap((p) => (p.invocations === null ? [] : [p.invocations]));
  const paretoCount = points.filter((p) => p.rec.derived.paretoOptimal).length;

  if (points.length === 0) {
    const element = h(
      'p',
      { class: 'empty' },
      `Nothing to plot: none of ${recommendations.length === 1 ? 'the recommendation' : `the ${recommendations.length} recommendations`} has both a known cost per inference and a known latency.`,
    );
    return { element, notPlotted };
  }
  const plotted =
    notPlotted.length === 0
      ? `${points.length} recommendation${points.length === 1 ? '' : 's'}`
      : `${points.length} of ${recommendations.length} recommendations`;
  const area = h('div', { class: 'plot-area' });
  const tooltip = h('div', { class: 'tooltip', role: 'tooltip', id: 'plot-tooltip', hidden: true });
  const element = h(
    'figure',
    { class: 'plot' },
    h(
      'figcaption',
      { id: 'plot-caption' },
      h('strong', null, 'Cost against latency'),
      `: ${plotted}, ${paretoCount} Pareto-optimal. Lower left is cheaper and faster. `,
      h(
        'span',
        { class: 'hint' },
        'Tab into the plot, move between points with the arrow keys, press Enter to find a point in the table.',
      ),
    ),
    area,
    legend(invocations),
  );

  let focusedIndex = 0;
  let renderedWidth = 0;
  let pointElements: SVGElement[] = [];

  function showTooltip(index: number, anchor: { x: number; y: number; r: number }, width: number) {
    const point = points[index];
    if (!point) return;
    tooltip.textContent = describe(point).replace(/; /g, '\n');
    tooltip.hidden = false;
    // Kept inside the plot, above the point or else below it, so it never widens the page.
    const tipWidth = tooltip.offsetWidth;
    const tipHeight = tooltip.offsetHeight;
    const left = Math.max(0, Math.min(width - tipWidth, anchor.x - tipWidth / 2));
    const above = anchor.y - anchor.r - tipHeight - 8;
    const top = above >= 0 ? above : anchor.y + anchor.r + 8;
    // CSSOM properties, which the Content-Security-Policy allows (unlike style attributes).
    tooltip.style.left = `${Math.round(left)}px`;
    tooltip.style.top = `${Math.round(top)}px`;
  }
  const hideTooltip = () => {
    tooltip.hidden = true;
  };

  function draw(width: number) {
    renderedWidth = width;
    const height = Math.round(Math.min(440, Math.max(300, width * 0.6)));
    const narrow = width < 480;
    const x = makeScale(
      points.map((p) => p.cost),
      [MARGIN.left, width - MARGIN.right],
    );
    const y = makeScale(
      points.map((p) => p.latency),
      [height - MARGIN.bottom, MARGIN.top],
    );
    const [minInv, maxInv] = [Math.min(...invocations), Math.max(...invocations)];
    const rMin = narrow ? 3.5 : 4.5;
    const rMax = narrow ? 9 : 13;
    const radius = (value: number | null) =>
      value === null || !(maxInv > minInv)
        ? value === null
          ? rMin
          : (rMin + rMax) / 2
        : rMin + (rMax - rMin) * Math.sqrt((value - minInv) / (maxInv - minInv));

    const plotBottom = height - MARGIN.bottom;
    const xTicks = x.ticks();
    const yTicks = y.ticks();
    const grid = svg(
      'g',
      { class: 'grid', 'aria-hidden': 'true' },
      xTicks.map((t) => {
        const px = x.map(t);
        return svg(
          'g',
          null,
          svg('line', { x1: px, x2: px, y1: MARGIN.top, y2: plotBottom }),
          svg('text', { x: px, y: plotBottom + 16, 'text-anchor': 'middle' }, perMillion(t)),
        );
      }),
      yTicks.map((t) => {
        const py = y.map(t);
        return svg(
          'g',
          null,
          svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: py, y2: py }),
          svg('text', { x: MARGIN.left - 6, y: py + 4, 'text-anchor': 'end' }, number(t)),
        );
      }),
      svg(
        'text',
        {
          class: 'axis-label',
          x: (MARGIN.left + width - MARGIN.right) / 2,
          y: height - 8,
          'text-anchor': 'middle',
        },
        narrow
          ? `USD per million inferences${x.log ? ' (log)' : ''}`
          : `Cost per inference, USD per million${x.log ? ' (log scale)' : ''}`,
      ),
      svg(
        'text',
        {
          class: 'axis-label',
          transform: `translate(14 ${(MARGIN.top + plotBottom) / 2}) rotate(-90)`,
          'text-anchor': 'middle',
        },
        narrow
          ? `Latency, ms${y.log ? ' (log)' : ''}`
          : `Model latency, ms${y.log ? ' (log scale)' : ''}`,
      ),
    );

    const front = points
      .filter((p) => p.rec.derived.paretoOptimal)
      .map((p) => `${x.map(p.cost).toFixed(1)},${y.map(p.latency).toFixed(1)}`);
    const frontLine =
      front.length > 1
        ? svg(
            'g',
            { 'aria-hidden': 'true', 'data-pareto-front': front.length },
            svg('polyline', { class: 'front-halo', points: front.join(' ') }),
            svg('polyline', { class: 'front', points: front.join(' ') }),
          )
        : null;

    pointElements = [];
    const marks = points.map((point, index) => {
      const px = x.map(point.cost);
      const py = y.map(point.latency);
      const r = radius(point.invocations);
      const serverless = point.rec.endpointType === 'Serverless';
      const pareto = point.rec.derived.paretoOptimal;
      const attributes = {
        class: `point ${serverless ? 'sl' : 'rt'}${pareto ? ' pareto' : ''}`,
        tabindex: index === focusedIndex ? 0 : -1,
        role: 'button',
        'aria-label': describe(point),
        'aria-describedby': 'plot-tooltip',
        'data-recommendation-id': point.rec.recommendationId,
        'data-pareto': String(pareto),
        'data-endpoint-type': point.rec.endpointType,
        'data-focus-key': `point:${point.rec.recommendationId}`,
        onfocus: () => {
          focusedIndex = index;
          for (const [i, other] of pointElements.entries()) {
            other.setAttribute('tabindex', i === index ? '0' : '-1');
          }
          showTooltip(index, { x: px, y: py, r }, width);
        },
        onblur: hideTooltip,
        onmouseenter: () => showTooltip(index, { x: px, y: py, r }, width),
        onmouseleave: () => {
          if (document.activeElement !== pointElements[index]) hideTooltip();
        },
        onclick: () => onSelect(point.rec.recommendationId),
      };
      const mark = serverless
        ? svg('path', { ...attributes, d: diamond(px, py, r) })
        : svg('circle', { ...attributes, cx: px.toFixed(1), cy: py.toFixed(1), r: r.toFixed(1) });
      pointElements[index] = mark;
      return { mark, pareto, r };
    });
    // Big points below small ones, and the Pareto points above the rest.
    const layer = (pareto: boolean) =>
      marks
        .filter((m) => m.pareto === pareto)
        .sort((a, b) => b.r - a.r)
        .map((m) => m.mark);

    const chart = svg(
      'svg',
      {
        class: 'chart',
        width,
        height,
        viewBox: `0 0 ${width} ${height}`,
        role: 'group',
        'aria-labelledby': 'plot-caption',
        onkeydown: (event: Event) => {
          const key = (event as KeyboardEvent).key;
          const moves: Record<string, number> = {
            ArrowRight: focusedIndex + 1,
            ArrowDown: focusedIndex + 1,
            ArrowLeft: focusedIndex - 1,
            ArrowUp: focusedIndex - 1,
            Home: 0,
            End: points.length - 1,
          };
          if (key === 'Enter' || key === ' ') {
            event.preventDefault();
            const point = points[focusedIndex];
            if (point) onSelect(point.rec.recommendationId);
          } else if (key === 'Escape') {
            hideTooltip();
          } else if (key in moves) {
            event.preventDefault();
            const next = Math.min(points.length - 1, Math.max(0, moves[key] ?? 0));
            (pointElements[next] as SVGElement | undefined)?.focus();
          }
        },
      },
      grid,
      svg('g', { class: 'points' }, layer(false), frontLine, layer(true)),
    );
    const hadFocus = area.contains(document.activeElement);
    area.replaceChildren(chart, tooltip);
    hideTooltip();
    if (hadFocus) pointElements[focusedIndex]?.focus();
  }

  // Drawn at the width it gets, so that text stays legible on a phone; redrawn when that changes.
  let shown = false;
  const observer = new ResizeObserver(() => {
    if (!area.isConnected) {
      if (shown) observer.disconnect();
      return;
    }
    shown = true;
    const width = Math.floor(area.clientWidth);
    if (width > 0 && Math.abs(width - renderedWidth) > 1) draw(width);
  });
  observer.observe(area);
  return { element, notPlotted };
}
