"""Five additions to the build that Jupyter Book 1.x runs.

1. sphinx-thebe registers its inline configuration script on every
   ``env-before-read-docs`` event, which fires more than once in a build, so
   pages declare ``const THEBE_JS_URL`` twice ("already been declared", a
   console error the browser test caught). Identical scripts are dropped
   from each page.
2. The chapters' widgets render for the book, with no kernel: before any
   notebook runs, ``DLNOTES_WIDGET_FRAMES`` is set to the site's ``_widgets/``
   folder, emptied first, so the kernels that execute the chapters (they
   inherit this process's environment) draw every frame of every widget
   there (``dlnotes/viz/live.py``) and the site ships exactly those frames.
3. Every image of a page loads when the reader scrolls near it, not with the
   page: a chapter's first load stays small however many figures it has.
4. The course's own style and script (``_ext/static/course.css`` and
   ``course.js``: a shrunk figure opens at full size, a block wider than the
   screen shows that it scrolls, search results quote text instead of TeX).
   They live here, not in ``_static/``: once that folder exists, Jupyter Book
   links every .js and .css of every static path into every page, MathJax's
   extensions in ``_vendor/`` included.
5. The prose quotes a computed number as ``{eval}`f"{glued.name:.2f}"```, an
   inline expression JupyterLab (jupyterlab-myst) evaluates in the kernel
   (``dlnotes.book.glued``). myst-nb evaluates ``{eval}`` only when it runs
   the notebook inline, cell by cell, while it parses; the book instead
   executes each notebook whole and reads this one form of expression as
   the glue reference ``{glue:text}`name:.2f``` to the value the notebook's
   ``glue`` call stored. Any other expression is a build error.
"""

import os
import re
import shutil
from pathlib import Path

from myst_nb.ext.glue.roles import PasteTextRole
from myst_nb.ext.glue.utils import glue_warning

from dlnotes.book import GLUED_EXPRESSION

FRAMES_ENV = "DLNOTES_WIDGET_FRAMES"


def _unique(scripts):
    seen, unique = set(), []
    for script in scripts:
        # the same file or inline body (added with filename None or ""), any priority
        key = (str(script.filename or ""), tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    return unique


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    # in place: later handlers append to this list
    if "script_files" in context:
        context["script_files"][:] = _unique(context["script_files"])


def _lazy_images(app, pagename, templatename, context, doctree):
    if "body" in context:
        context["body"] = re.sub(r"<img (?![^>]*loading=)", '<img loading="lazy" ',
                                 context["body"])


def _frames_folder(app):
    if app.builder.format != "html":
        return
    folder = Path(app.outdir) / "_widgets"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[FRAMES_ENV] = str(folder)


class GluedEval(PasteTextRole):
    """``{eval}`f"{glued.name:fmt}"``` read as ``{glue:text}`name:fmt```."""

    def run(self):
        match = GLUED_EXPRESSION.match(self.text)
        if match is None:
            message = (f"{{eval}} expression {self.text!r} is not of the form "
                       'f"{glued.name:format}"')
            return [], [glue_warning(message, self.document, self.line)]
        name, spec = match.groups()
        self.text = f"{name}:{spec}" if spec else name
        return super().run()


STATIC = Path(__file__).parent / "static"


def _course_static(app, config):
    config.html_static_path.append(str(STATIC))


def setup(app):
    app.add_role("eval", GluedEval(), override=True)  # after myst-nb's own
    app.connect("config-inited", _course_static)
    app.add_css_file("course.css")
    app.add_js_file("course.js", defer="defer")
    # early: the event stops at the first handler that returns a template name
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    app.connect("builder-inited", _frames_folder)
    app.connect("html-page-context", _lazy_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
