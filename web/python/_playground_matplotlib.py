"""matplotlib's backend in the playground: figures drawn by Agg in the worker and sent to the page
as `image` displays (a PNG to show, the SVG for download). plt.show() sends every open figure and
closes it; the driver sends the figures still open when a run ends. plt.savefig() is Agg's own.

The worker's driver names this module in MPLBACKEND, and fetches it from the site when pyplot
imports it (like `playground`). Nothing else names it, so plain CPython never uses it.
"""

import base64
import io
import json

import matplotlib
from matplotlib._pylab_helpers import Gcf
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

# The PNG has this many pixels per CSS pixel, so it stays sharp on high-density screens.
PIXEL_RATIO = 2
# An SVG larger than this (a scatter of many thousand points) is not sent: PNG download only.
MAX_SVG_CHARS = 4_000_000
# Past this many figures in one run, further ones are printed as text only (a plt.show() in a
# long loop must not flood the page with images).
MAX_FIGURES = 50

_send = None  # set by the driver for each run: send(kind, figure_id, json_data, text)
_count = 0


def _install(send):
    """Called by the driver before each run (None after it): where figures go."""
    global _send, _count
    _send = send
    _count = 0


def _finish():
    """Called by the driver after each run: show the figures still open, and put back the
    settings a run changed (rcParams), as the next run in a fresh Python would find them."""
    try:
        show()
    finally:
        matplotlib.rc_file_defaults()


def _title(figure):
    """The figure's suptitle, else its first axes title, else None."""
    suptitle = figure._suptitle.get_text() if figure._suptitle is not None else ""
    if suptitle:
        return suptitle
    for axes in figure.axes:
        if axes.get_title():
            return axes.get_title()
    return None


def _send_figure(figure):
    global _count
    if _send is None:
        return
    _count += 1
    if _count > MAX_FIGURES:
        print(f"<matplotlib figure: not drawn, past {MAX_FIGURES} figures in one run>")
        return
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=figure.dpi * PIXEL_RATIO)
    svg = io.StringIO()
    figure.savefig(svg, format="svg")
    width, height = (round(float(v)) for v in figure.get_size_inches() * figure.dpi)
    title = _title(figure)
    axes = len(figure.axes)
    text = (f"<matplotlib figure {width}x{height} with {axes} Axes"
            + (f": {title}>" if title else ">"))
    data = {
        "title": title,
        "png": base64.b64encode(png.getvalue()).decode("ascii"),
        "svg": svg.getvalue() if svg.tell() <= MAX_SVG_CHARS else None,
        "width": width,
        "height": height,
    }
    # "m1", "m2"...: apart from the playground module's "f1", "f2"... in the same run
    _send("image", f"m{_count}", json.dumps(data), text)


class FigureManager(FigureManagerBase):
    def show(self):
        """fig.show(): send the figure now, and close it."""
        _send_figure(self.canvas.figure)
        Gcf.destroy(self)


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager


def show(*args, **kwargs):
    """plt.show(): send every open figure, oldest first, and close them."""
    for manager in Gcf.get_all_fig_managers():
        manager.show()
