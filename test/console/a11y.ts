import { expect } from "vitest";
import type { Page } from "playwright-core";

// Evaluated in the page: the DOM's globals, typed loosely (this project compiles without the DOM library).
declare const document: any, window: any, getComputedStyle: any, Node: any, NodeFilter: any;
type Element = any;

/**
 * Accessible basics of a console page, measured in the browser:
 * - every visible input, select and textarea has a label (a <label>, aria-label or aria-labelledby);
 * - the focus order follows the page (Tab visits controls in document order, no positive tabindex);
 * - every piece of text has a contrast of at least 4.5:1 against its background, computed from
 *   the computed styles (WCAG relative luminance);
 * - at a phone's width (375 px) the page does not scroll sideways.
 */
export async function checkAccessibility(page: Page, name: string) {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea")]
      .filter((el: any) => (el as any).type !== "hidden")
      .filter((el: any) => !((el as any).labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")))
      .map((el: any) => el.outerHTML.slice(0, 120)),
  );
  expect(unlabelled, `${name}: inputs without a label`).toEqual([]);

  const positive = await page.evaluate(() => [...document.querySelectorAll("[tabindex]")].filter((el: any) => Number(el.getAttribute("tabindex")) > 0).length);
  expect(positive, `${name}: positive tabindex`).toBe(0);
  await page.evaluate(() => {
    (document.activeElement as any)?.blur();
    (window as any).__focusOrder = [];
    if (!(window as any).__focusWatched) document.addEventListener("focusin", (e: any) => (window as any).__focusOrder.push(e.target));
    (window as any).__focusWatched = true;
  });
  const tabs = await page.evaluate(() => Math.min(30, document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary").length));
  for (let i = 0; i < tabs; i++) await page.keyboard.press("Tab");
  const outOfOrder = await page.evaluate(() => {
    const all = (window as any).__focusOrder as Element[];
    // Past the last control focus leaves the page and comes back to the first: the order ends there.
    const wrap = all.indexOf(all[0], 1);
    const seen = wrap > 0 ? all.slice(0, wrap) : all;
    const bad: string[] = [];
    for (let i = 1; i < seen.length; i++) {
      if (!(seen[i - 1].compareDocumentPosition(seen[i]) & Node.DOCUMENT_POSITION_FOLLOWING)) bad.push(`${seen[i - 1].outerHTML.slice(0, 60)} → ${seen[i].outerHTML.slice(0, 60)}`);
    }
    return { count: seen.length, bad };
  });
  expect(outOfOrder.bad, `${name}: focus moves backwards`).toEqual([]);
  expect(outOfOrder.count, `${name}: Tab reaches the page's controls`).toBeGreaterThan(0);

  const lowContrast = await page.evaluate(() => {
    const parse = (c: string) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1]
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
      return { r, g, b, a };
    };
    const lum = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const background = (el: Element | null): { r: number; g: number; b: number } => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0) return c;
      }
      return { r: 255, g: 255, b: 255 };
    };
    const bad: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !n.textContent?.trim()) continue;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (style.visibility === "hidden" || style.display === "none" || box.width === 0 || box.height === 0 || el.closest("option, .skip")) continue;
      const fg = parse(style.color)!;
      const bg = background(el);
      const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      if (ratio < 4.5) bad.push(`${ratio.toFixed(2)} "${n.textContent.trim().slice(0, 30)}" ${style.color} on rgb(${bg.r},${bg.g},${bg.b})`);
    }
    return bad;
  });
  expect(lowContrast, `${name}: text below 4.5:1`).toEqual([]);

  const viewport = page.viewportSize()!;
  await page.setViewportSize({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.setViewportSize(viewport);
  expect(overflow, `${name}: sideways scroll at 375 px`).toBeLessThanOrEqual(0);
}
