"""Three fixes to the HTML that Jupyter Book 1.x writes, each for a console error
that the browser test (tests/test_book_browser.py) caught.

1. sphinx-thebe registers its inline configuration script on every
   ``env-before-read-docs`` event, which fires more than once in a build, so
   pages declare ``const THEBE_JS_URL`` twice ("already been declared").
   Identical scripts are dropped from each page.
2. The widget HTML manager typesets widget labels with the MathJax 2 call
   ``MathJax.Hub.Queue``; the book loads MathJax 3, which has no ``Hub``. A
   small shim maps that call onto MathJax 3's ``typesetPromise``.
3. The widget manager loads its icon fonts from beside its AMD module, whose
   URL require.js resolves against the page's folder by default; its baseUrl
   is set to the site's ``_static/`` folder, where tools/fetch_assets.sh put
   the manager's files.
"""

REQUIREJS_BASE_URL = """
var require = {baseUrl: new URL(
  (document.documentElement.dataset.content_root || "") + "_static/", document.baseURI
).href};
"""

MATHJAX2_HUB_SHIM = """
(function () {
  var pending = [];
  var hub = {Queue: function (cmd) {
    var el = Array.isArray(cmd) ? cmd[2] : undefined;
    var mj = window.MathJax;
    if (mj && mj.typesetPromise) { mj.typesetPromise(el ? [el] : undefined); }
    else if (el) { pending.push(el); }
  }};
  var config = window.MathJax || {};  // myst-nb's configuration, if any
  config.Hub = hub;
  config.startup = Object.assign({}, config.startup, {ready: function () {
    MathJax.startup.defaultReady();
    MathJax.Hub = hub;
    MathJax.startup.promise.then(function () {
      if (pending.length) { MathJax.typesetPromise(pending.splice(0)); }
    });
  }});
  window.MathJax = config;
})();
"""


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
    # in place: later handlers (myst-nb's widget scripts) append to this list
    if "script_files" in context:
        context["script_files"][:] = _unique(context["script_files"])


def setup(app):
    # early: the event stops at the first handler that returns a template name
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    # after myst-nb's MathJax configuration (priority 500) and before MathJax
    # itself runs (it is loaded with defer), so MathJax 3 reads it as config
    app.add_js_file(None, body=MATHJAX2_HUB_SHIM, priority=501)
    # before require.js, which reads a global ``require`` object as its config
    app.add_js_file(None, body=REQUIREJS_BASE_URL, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
