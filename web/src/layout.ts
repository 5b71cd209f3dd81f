/** Page chrome behaviour: the draggable, keyboard-operable splitter and the theme toggle. */
import { loadTheme, saveTheme } from "./storage";
import type { ThemeChoice } from "./storage";

/** Resize the editor pane (as a percentage of the width held in the --split variable). */
export function setUpSplitter(splitter: HTMLElement, panes: HTMLElement): void {
  const set = (percent: number): void => {
    const value = Math.min(80, Math.max(20, Math.round(percent)));
    panes.style.setProperty("--split", `${value}%`);
    splitter.setAttribute("aria-valuenow", String(value));
  };
  const current = (): number => Number(splitter.getAttribute("aria-valuenow") ?? "50");
  splitter.addEventListener("pointerdown", (down: PointerEvent) => {
    down.preventDefault();
    splitter.setPointerCapture(down.pointerId);
    splitter.classList.add("dragging");
    const move = (e: PointerEvent): void => {
      const box = panes.getBoundingClientRect();
      set(((e.clientX - box.left) / box.width) * 100);
    };
    const up = (): void => {
      splitter.classList.remove("dragging");
      splitter.removeEventListener("pointermove", move);
      splitter.removeEventListener("pointerup", up);
      splitter.removeEventListener("pointercancel", up);
    };
    splitter.addEventListener("pointermove", move);
    splitter.addEventListener("pointerup", up);
    splitter.addEventListener("pointercancel", up);
  });
  splitter.addEventListener("keydown", (e: KeyboardEvent) => {
    const steps: Record<string, number> = {
      ArrowLeft: -5,
      ArrowRight: 5,
      ArrowUp: 5,
      ArrowDown: -5,
    };
    if (e.key in steps) set(current() + (steps[e.key] ?? 0));
    else if (e.key === "Home") set(20);
    else if (e.key === "End") set(80);
    else return;
    e.preventDefault();
  });
}

/**
 * Light or dark: follows the system until the user picks one with the toggle, a switch named
 * "Dark theme" that is on (aria-checked, and its knob to the right) while the page is dark.
 */
export function setUpTheme(root: HTMLElement, toggle: HTMLButtonElement): void {
  const system = window.matchMedia("(prefers-color-scheme: dark)");
  let chosen: ThemeChoice | null = loadTheme();
  const apply = (): void => {
    const dark = chosen === null ? system.matches : chosen === "dark";
    root.dataset.theme = dark ? "dark" : "light";
    toggle.setAttribute("aria-checked", String(dark));
  };
  system.addEventListener("change", apply);
  toggle.addEventListener("click", () => {
    chosen = root.dataset.theme === "dark" ? "light" : "dark";
    saveTheme(chosen);
    apply();
  });
  apply();
}

/**
 * An embed's theme: `fixed` (its URL's `theme=`), else the system's, followed live. It reads and
 * writes no stored choice: that belongs to the user's own playground.
 */
export function followTheme(root: HTMLElement, fixed: ThemeChoice | null): void {
  const system = window.matchMedia("(prefers-color-scheme: dark)");
  const apply = (): void => {
    root.dataset.theme =
      (fixed ?? (system.matches ? "dark" : "light")) === "dark" ? "dark" : "light";
  };
  system.addEventListener("change", apply);
  apply();
}

/**
 * On a phone the toolbar keeps Lessons, Run and Stop, and the secondary actions (`items`:
 * examples, drafts, sharing, theme) move into a panel that the More button discloses: a compact
 * header leaves the screen to the code. Wider screens never move them, so their toolbar and its
 * tab order stay as they are. A disclosure, not an ARIA menu: the panel holds selects and a
 * switch, which menu semantics (menuitems, arrow keys) would misdescribe. Escape closes it with
 * focus back on More; a press outside it, picking an example or a draft, or Share close it too,
 * as the editor or a notice then wants to be seen.
 */
export function setUpMoreActions(
  more: HTMLButtonElement,
  panel: HTMLElement,
  items: readonly HTMLElement[],
  phoneQuery: string,
): void {
  const phone = window.matchMedia(phoneQuery);
  // Where each item lives on a wide screen, to put it back exactly there.
  const homes = items.map((item) => {
    const home = document.createComment("");
    item.before(home);
    return home;
  });
  const setOpen = (open: boolean, refocus = false): void => {
    panel.hidden = !open;
    more.setAttribute("aria-expanded", String(open));
    if (!open && refocus) more.focus();
  };
  let moved = false;
  const place = (): void => {
    setOpen(false);
    more.hidden = !phone.matches;
    if (phone.matches === moved) return;
    moved = phone.matches;
    if (moved) panel.append(...items);
    else items.forEach((item, i) => homes[i]?.after(item));
  };
  more.addEventListener("click", () => setOpen(panel.hidden));
  panel.addEventListener("keydown", (e) => {
    // NOTE: the share menu inside handles its own Escape first and marks it handled.
    if (e.key === "Escape" && !e.defaultPrevented) {
      e.preventDefault();
      setOpen(false, true);
    }
  });
  more.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !panel.hidden) setOpen(false);
  });
  panel.addEventListener("change", (e) => {
    if (e.target instanceof HTMLSelectElement) setOpen(false);
  });
  panel.addEventListener("click", (e) => {
    if (e.target instanceof Element && e.target.closest("#share") !== null) setOpen(false);
  });
  document.addEventListener("pointerdown", (e) => {
    const target = e.target as Node;
    if (panel.hidden || panel.contains(target) || more.contains(target)) return;
    // A dialog opened from the panel (the embed codes) gives focus back into it when it closes.
    if (target instanceof Element && target.closest("dialog[open]") !== null) return;
    setOpen(false);
  });
  phone.addEventListener("change", place);
  place();
}
