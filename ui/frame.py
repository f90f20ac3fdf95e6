"""The frame every page shares: page config, the sidebar controls (language, dataset, as-of) and the
synthetic-data banner. app.py draws it before running the chosen page."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from monitor.i18n import t

from . import state
from .data import notice_replaced_database, require_database
from .widgets import synthetic_banner

FRAMED_KEY = "_framed_by_app"
# The tab icon, drawn here and sent inline (Streamlit turns a local .svg into a data: URL). A ":material/…"
# icon would make every browser fetch the picture from fonts.gstatic.com: a request off the server, which
# fails on an offline network and tells a third party who reads the app (issue 16).
FAVICON = Path(__file__).with_name("favicon.svg")


def draw_controls() -> str:
    """The page config and the shared sidebar controls; returns the language."""
    # no page_title here: each page's own title (st.Page) names its browser tab
    st.set_page_config(page_icon=str(FAVICON), layout="wide")
    # A chart wider than a phone (the faceted small multiples keep fixed-size panels) scrolls inside its own
    # box instead of pushing the whole page sideways. Static CSS from the code, never from data.
    st.html("<style>[data-testid='stVegaLiteChart'], [data-testid='stArrowVegaLiteChart']"
            " { max-width: 100%; overflow-x: auto; }</style>")
    notice_replaced_database()  # a CLI import since the last run: drop the cached results once
    lang = state.language_selector()
    require_database(lang)  # a damaged or too-new database file: one clear message, then stop
    dataset = state.dataset_selector(lang)
    state.asof_selector(dataset, lang)
    return lang


def draw_footer(lang: str) -> None:
    st.sidebar.caption(t("sidebar.footer", lang))
    if state.is_synthetic(st.session_state.get("dataset") or "official"):
        synthetic_banner(lang)
    st.session_state[FRAMED_KEY] = True  # a plain session key (not a widget's), so it outlives reruns


def require_app_frame() -> None:
    """Call first in every page: make sure the page runs inside the frame.

    The design card fixes the folder name `pages/`, which Streamlit also treats as the legacy
    automatic multipage folder: until some session has called st.navigation, a request runs the page
    file alone, without app.py. For a session app.py never framed (a first visit by deep link), the
    legacy mode is switched off and the run restarts through app.py, keeping the URL. A session that
    was framed before (only Streamlit's AppTest starts each run in legacy mode again) gets the frame
    drawn here instead, so no click or form submission is lost to a rerun.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if not getattr(PagesManager, "uses_pages_directory", False):
        return
    if not st.session_state.get(FRAMED_KEY):
        PagesManager.uses_pages_directory = False
        st.rerun()
    draw_footer(draw_controls())
