"""Text from data, plans and file names, shown as text inside Streamlit's Markdown.

st.markdown, st.caption, st.write, st.success/info/warning/error, st.subheader, `help=` tooltips,
labels and progress texts all render Markdown. A plan's `name_zh` or an uploaded file's name such as
`![t](http://attacker.example/x.png)` would make every viewer's browser fetch that image (issue 16,
item 4). Every text that does not come from the locale catalog or the code goes through `md()`
before it is put into Markdown; `t_md()` does it for a catalog text's parameters.

HTML is already shown as text (no page passes unsafe_allow_html); what is escaped here is Markdown's
own syntax: links and images (`[`, `]`), emphasis and code (`*`, `_`, `` ` ``, `~`), headings and
tables (`#`, `|`), raw-HTML angle brackets, LaTeX (`$`) and the backslash itself. Each is
backslash-escaped, which CommonMark renders as the character itself, so the text reads unchanged.
"""

from __future__ import annotations

import re

from monitor.i18n import t

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>$~|#])")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def md(value) -> str:
    """`value` as Markdown that renders as exactly its text, on one line (None and NaN: an empty string)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))


def code(value) -> str:
    """`value` inside a Markdown code span (where backslash escapes do not work): backticks removed."""
    return "`" + _LINE_BREAKS.sub(" ", str(value)).replace("`", "'") + "`"


def t_md(key: str, lang: str, **params) -> str:
    """A catalog text with its parameters escaped: the catalog's own Markdown stays, the data's does not."""
    return t(key, lang, **{name: md(value) if isinstance(value, str) else value for name, value in params.items()})
