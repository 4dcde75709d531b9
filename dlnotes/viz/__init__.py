"""Figures and widgets of the course, one module per chapter.

Each module has pure ``compute_*`` functions (they call the models) and
``draw_*(fig, result)`` functions (they only plot), and builds its widgets as
``LiveFigure`` objects from them. The same draw function makes a chapter's
static figure, so the book page and the live widget show the same thing.
"""

from .live import LiveFigure

__all__ = ["LiveFigure"]
