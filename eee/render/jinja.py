"""The Jinja environments of the directories and the summaries, and the one place that renders a template.

One place builds an environment (`make_environment`): autoescape for HTML, StrictUndefined, eee's filters, and
Jinja's sandbox for a registry repository's own templates. Compiled templates are kept in eee's cache folder
(`signed_bytecode_cache`), each file with a MAC made with the cache's secret: the cache folder may be written by
others, and loading a compiled template runs its code. `environment_class` makes templates escape what they
output faster, to the same text; it reaches two private names of Jinja and MarkupSafe (`INTERNALS`), which is
why pyproject.toml pins Jinja below 3.2 and declares MarkupSafe, and why tests/test_render.py checks both names
still exist and compares whole sites with stock Jinja's: a new version fails in the tests, not for a user.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import posixpath
import re
import sys
from pathlib import Path, PurePosixPath
from typing import Any

from ..domain import date_fr, plural
from ..errors import EeeError
from ..markdown import md_escape, md_url, safe_url
from ..settings import data_dir

# The private names `environment_class` reads, by module (tests/test_render.py checks they exist).
INTERNALS = {"jinja2.compiler": ("CodeGenerator._output_child_pre",), "markupsafe": ("_escape_inner",)}


def template_dirs(registry_root: Path | None = None) -> list[Path]:
    """Templates of the registry repository (templates/ beside registry/) first, then eee's own."""
    dirs = []
    if registry_root is not None:
        local = registry_root.resolve().parent / "templates"
        if local.is_dir() and local != data_dir("templates").resolve():
            dirs.append(local)
    dirs.append(data_dir("templates"))
    return dirs


def search_path(dirs: list[Path], fmt: str, theme: str = "dsfr") -> list[Path]:
    """Where a format's templates are looked for, first found first: for each of `dirs` (the repository's, then
    eee's own), the theme's folder (HTML only: `themes/<theme>/`, its layout `_base.html`, its components
    `_ui.html`) and then the format's (`html/`, `markdown/`), whose pages every theme shares."""
    out = []
    for folder in dirs:
        if fmt == "html":
            out.append(folder / "themes" / theme)
        out.append(folder / fmt)
    return out


def static_files(dirs: list[Path], theme: str = "dsfr") -> dict[str, Path]:
    """The files an HTML site carries beside its pages (stylesheets, scripts, fonts, icons), by path in the site:
    the `static/` folders of `search_path`, a file of a folder first in it replacing the same file of the others."""
    files: dict[str, Path] = {}
    for folder in reversed(search_path(dirs, "html", theme)):
        static = folder / "static"
        if static.is_dir():
            files.update({path.relative_to(static).as_posix(): path for path in sorted(static.rglob("*"))
                          if path.is_file()})
    return files


_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
_ADDRESS = re.compile(r"""url\(\s*(?!["']?data:)["']?([^)"']+)["']?\s*\)""")


def inline_stylesheet(dirs: list[Path], theme: str = "dsfr") -> str:
    """A theme's stylesheets as one text for a page alone (an annual summary sent as one file): the pictures they
    name (the icons, SVG) written in as data: addresses, the fonts left out (the page falls back on the theme's
    next fonts): the page needs no other file."""
    from .context import STYLESHEETS

    files = static_files(dirs, theme)
    texts = []
    for name in STYLESHEETS[theme]:
        folder = PurePosixPath(name).parent

        def inline(match: re.Match[str], folder: PurePosixPath = folder) -> str:
            source = files.get(posixpath.normpath((folder / match.group(1)).as_posix()))
            if source is None or source.suffix != ".svg":
                return "none"
            return "url(data:image/svg+xml;base64," + base64.b64encode(source.read_bytes()).decode("ascii") + ")"

        texts.append(_ADDRESS.sub(inline, _FONT_FACE.sub("", files[name].read_text(encoding="utf-8"))))
    return "\n".join(texts)


PDF_STYLESHEETS = ("pdf-theme.css", "pdf.css")  # the theme's fonts and colours, then the layout every theme shares


def pdf_stylesheet(dirs: list[Path], theme: str = "dsfr") -> str:
    """The stylesheet of a summary's PDF (`render.pdf`), as one text: each of PDF_STYLESHEETS, first found in
    `search_path` (a theme's `pdf-theme.css`, then `html/pdf.css`). Its addresses (fonts) are the site's paths of
    the theme's files, which the PDF's maker serves."""
    texts = []
    for name in PDF_STYLESHEETS:
        found = next((folder / name for folder in search_path(dirs, "html", theme) if (folder / name).is_file()), None)
        if found is None:
            raise EeeError(f"la feuille de style des bilans PDF « {name} » du thème « {theme} » est introuvable",
                           "réinstallez eee, ou ajoutez-la au dossier templates/ du dépôt")
        texts.append(found.read_text(encoding="utf-8"))
    return "\n".join(texts)


def make_environment(dirs: list[Path], fmt: str, theme: str = "dsfr", cache: bool = True) -> Any:
    """The Jinja environment of a format. With templates of the registry repository among `dirs`, every
    template (eee's own too: a repository's template may include them) runs in Jinja's sandbox: a
    template can show the data it is given, not reach Python (os, files, processes). Without `cache`
    (--no-cache), compiled templates are neither read from nor written to the cache folder."""
    import jinja2

    own = data_dir("templates").resolve()
    sandboxed = any(d.resolve() != own for d in dirs)
    env = (sandboxed_environment_class() if sandboxed else environment_class())(
        loader=jinja2.FileSystemLoader([str(folder) for folder in search_path(dirs, fmt, theme)]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "svg"), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates do not change during a run: no stat() of each template for each page
    )
    env.bytecode_cache = signed_bytecode_cache(env, [d for d in dirs if d.resolve() != own]) if cache else None
    env.filters["date_fr"] = date_fr
    env.filters["md"] = md_escape  # Markdown text: paragraph, heading, list item, table cell, link text
    env.filters["md_url"] = md_url  # Markdown link target
    env.filters["safe_url"] = safe_url  # an address of the registry as a link target (HTML and Markdown), or None
    env.globals["plural"] = plural
    return env


BYTECODE_FOLDER = "gabarits"  # in eee's cache folder (`cache.cache_dir`): compiled templates


def _flavour(env: Any) -> bytes:
    """What a template's compiled code depends on besides its name, file and text (which Jinja checks): Python,
    Jinja, the environment's class (the sandbox and eee's code generator, this module's code) and its options."""
    import jinja2

    digest = hashlib.sha256("\0".join([
        sys.version, jinja2.__version__, type(env).__module__, type(env).__qualname__,
        repr(env.sandboxed), repr([getattr(env, name) for name in (
            "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
            "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
            "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized",
            "is_async")]), repr(sorted(env.extensions))]).encode("utf-8"))
    digest.update(Path(__file__).read_bytes())
    return digest.digest()


def signed_bytecode_cache(env: Any, outside: list[Path]) -> Any:
    """A cache of `env`'s compiled templates in eee's cache folder, or None (no cache folder, or no secret to
    sign with: `cachekey.secret`; `outside`, the repository's template folders, where a key file is no secret).

    Each file is the compiled code as Jinja writes it, after a MAC (keyed BLAKE2b) of the file's name and content
    made with the cache's secret. Loading compiled code runs it: a file whose MAC is wrong (written by someone
    else, damaged) is ignored and the template compiled again. The name of the file is a digest of the template's
    name and file and of `_flavour`; Jinja checks the template's text (its checksum, in the file)."""
    import jinja2

    from ..cache import cache_dir
    from ..cachekey import read_signed, secret, write_signed

    base = cache_dir()
    if base is None:
        return None
    folder = base / BYTECODE_FOLDER
    found = secret(folder, *outside)
    if found is None:
        return None
    key: bytes = found
    flavour = _flavour(env)

    class SignedBytecodeCache(jinja2.BytecodeCache):
        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            digest = hashlib.sha256(flavour)
            digest.update(b"\0" + name.encode("utf-8", "surrogatepass") + b"\0")
            digest.update((filename or "").encode("utf-8", "surrogatepass"))
            return digest.hexdigest()

        def load_bytecode(self, bucket: Any) -> None:
            data = read_signed(folder / bucket.key, key, b"eee-gabarits", bucket.key.encode("ascii"))
            if data is not None:
                bucket.bytecode_from_string(data)

        def dump_bytecode(self, bucket: Any) -> None:  # a cache that cannot be written: the next run compiles again
            write_signed(folder / bucket.key, key, b"eee-gabarits", bucket.key.encode("ascii"),
                         bucket.bytecode_to_string())

    return SignedBytecodeCache()


@functools.cache
def environment_class() -> Any:
    """jinja2.Environment, with templates that escape what they output faster, to the same text.

    In an autoescaped template each `{{ … }}` goes through markupsafe.escape: since MarkupSafe 3 a
    Python function that builds a Markup object (about 0.6 µs), although the page only joins the
    pieces. Here a plain string goes straight to MarkupSafe's own C escaping (about 0.1 µs) and
    anything else (Markup, numbers, objects with __html__, undefined values) still to
    markupsafe.escape. Only the output of `{{ … }}` changes path: macros, `{% set %}` blocks and
    the `e` filter keep Jinja's own. An entity's HTML page costs a quarter fewer instructions
    (benchmarks/README.md); tests/test_render.py compares whole sites with stock Jinja's.
    """
    import jinja2
    import markupsafe
    from jinja2.compiler import CodeGenerator

    inner = getattr(markupsafe, "_escape_inner", None)
    if inner is None:  # MarkupSafe 2: escape is already written in C
        return jinja2.Environment

    class Generator(CodeGenerator):
        def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
            if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
                super()._output_child_pre(node, frame, finalize)
                return
            self.write("environment.escape_output(")  # `environment`: a local of every compiled function
            if finalize.src is not None:
                self.write(finalize.src)

    class Environment(jinja2.Environment):
        code_generator_class = Generator

        @staticmethod
        def escape_output(value: Any, _inner: Any = inner, _str: type = str, _escape: Any = markupsafe.escape) -> str:
            return _inner(value) if type(value) is _str else _escape(value)

    return Environment


@functools.cache
def sandboxed_environment_class() -> Any:
    """jinja2.sandbox.SandboxedEnvironment, with the faster output escaping of `environment_class` (the
    sandbox checks what templates read and call, not what they output: the same text)."""
    import jinja2
    import jinja2.sandbox

    faster = environment_class()
    if faster is jinja2.Environment:
        return jinja2.sandbox.SandboxedEnvironment

    # `faster` is a class made at run time: mypy cannot take it for a base class.
    class SandboxedEnvironment(jinja2.sandbox.SandboxedEnvironment, faster):  # type: ignore[misc,valid-type]
        pass

    return SandboxedEnvironment


def render_template(env: Any, name: str, context: dict[str, Any]) -> str:
    """A template rendered, or a French error naming it (a broken template of the repository's templates/)."""
    import jinja2

    try:
        return env.get_template(name).render(context)
    except jinja2.exceptions.SecurityError as exc:
        where = _template_at(env, exc) or f"« {name} »"
        raise EeeError(f"le gabarit {where} tente une opération interdite aux gabarits, refusée : rien n'a "
                       f"été exécuté ({exc})",
                       "un gabarit ne peut qu'afficher les données qu'il reçoit : retirez cette expression du "
                       "dossier templates/ du dépôt") from None
    except jinja2.TemplateError as exc:
        raise EeeError(f"le gabarit « {name} » n'a pas pu être rendu ({exc})",
                       "vérifiez les gabarits du dossier templates/") from None


def _template_at(env: Any, exc: BaseException) -> str:
    """« name » (ligne N): the template, and its line, where `exc` was raised (Jinja puts them in the trace)."""
    folders = [Path(folder) for folder in getattr(env.loader, "searchpath", [])]
    found = ""
    trace = exc.__traceback__
    while trace is not None:
        path = Path(trace.tb_frame.f_code.co_filename)
        for folder in folders:
            if path.is_relative_to(folder):
                found = f"« {path.relative_to(folder).as_posix()} » (ligne {trace.tb_lineno})"
        trace = trace.tb_next
    return found


def compile_templates(env: Any, names: Any) -> None:
    """Compile templates now (worker processes forked later inherit them), or a French error naming the
    one that cannot be read."""
    import jinja2

    for name in sorted(names):
        try:
            env.get_template(name)
        except jinja2.TemplateError as exc:
            raise EeeError(f"le gabarit « {name} » n'a pas pu être lu ({exc})",
                           "vérifiez les gabarits du dossier templates/") from exc
