/**
 * Before the first paint: a classic script in <head> marks <html> with what the style sheet needs
 * to draw the page as main.ts (a module, run after the first paint) will lay it out, so that
 * nothing moves when main.ts starts: an embed's compact toolbar (`data-embed`), the playground's
 * one pane at a time on a phone (`data-pane`, the code in front, as panes.ts starts), the
 * theme the reader chose (`data-theme`; else the system's, which the style sheet follows by
 * itself), the first visit's welcome (`data-welcome`) and a lesson's pane, drawn empty until its
 * text comes (`data-lesson`). main.ts sets each again by the same rules (pagemode.ts,
 * storage.ts, panes.ts, welcome.ts) and takes the last two away once it has drawn them.
 */
import { isFramed, lessonInUrl, readEmbedOptions } from "./pagemode";
import { loadTheme } from "./storage";
import { welcomes } from "./welcome";

const root = document.documentElement;
const embed = readEmbedOptions(new URL(location.href), isFramed());
if (embed !== null) {
  root.dataset.embed = "starting"; // startEmbed (embed.ts) sets its own value once laid out
  if (embed.theme !== null) root.dataset.theme = embed.theme;
} else {
  root.dataset.pane = "code";
  const chosen = loadTheme();
  if (chosen !== null) root.dataset.theme = chosen;
  const url = new URL(location.href);
  if (welcomes(url, false)) root.dataset.welcome = "";
  if (lessonInUrl(url) !== null) root.dataset.lesson = "loading";
}
