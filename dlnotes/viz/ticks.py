"""Log-scale ticks that stay readable on an axis of any span."""

from matplotlib.ticker import LogLocator, NullLocator


class LogTicks(LogLocator):
    """Major ticks of a log axis: at the powers of ten, and at 2 and 5 times
    them too when the axis spans under two decades (where the powers alone
    leave one labelled tick, or none)."""

    def tick_values(self, vmin, vmax):
        lo, hi = sorted((abs(vmin) or 1e-300, abs(vmax) or 1e-300))
        self.set_params(subs=(1.0, 2.0, 5.0) if hi / lo < 100 else (1.0,))
        return super().tick_values(vmin, vmax)


def log_ticks(axis):
    """Put ``LogTicks`` on a matplotlib ``axis`` (``ax.yaxis``) and no minor
    ticks: dozens of them cost a third of a redraw."""
    axis.set_major_locator(LogTicks(base=10, numticks=8))
    axis.set_minor_locator(NullLocator())

