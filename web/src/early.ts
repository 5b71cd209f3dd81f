/**
 * Before the first paint: a classic script in <head> marks <html> with what the style sheet needs
 * to draw the page as main.ts (a module, run after the first paint) will lay it out, so that
 * nothing moves when main.ts starts: an embed's compact toolbar (`data-embed`), the playground's
 * one pane at a time on a phone (`data-pane`, the code in front, as panes.ts starts), and the
 * theme the reader chose (`data-theme`; else the system's, which the style sheet follows by
 * itself). main.ts sets each again by the same rules (pagemode.ts, storage.ts, panes.ts).
 */
import { isFramed, readEmbedOptions } from "./pagemode";
import { loadTheme } from "./storage";

const root = document.documentElement;
const embed = readEmbedOptions(new URL(location.href), isFramed());
if (embed !== null) {
  root.dataset.embed = "starting"; // startEmbed (embed.ts) sets its own value once laid out
  if (embed.theme !== null) root.dataset.theme = embed.theme;
} else {
  root.dataset.pane = "code";
  const chosen = loadTheme();
  if (chosen !== null) root.dataset.theme = chosen;
}
